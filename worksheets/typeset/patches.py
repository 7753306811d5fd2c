"""The changes this project makes to third-party libraries, applied by one call.

Each is needed for a property of the outputs, said at each function. `apply()` runs
once per process before anything is typeset or written (worksheets.output calls it);
nothing here changes a library on import.
"""
from __future__ import annotations

from collections import OrderedDict
from functools import cache

import ziamath
from reportlab.pdfbase import pdfdoc, ttfonts

_reportlab_cmap = ttfonts.makeToUnicodeCMap  # the original, wrapped below


@cache
def apply() -> None:
    """Applies every patch (once per process; the outputs depend on them, so they must
    be in place before the first formula is measured)."""
    _tex_operator_spacing()
    ttfonts.makeToUnicodeCMap = _to_unicode_cmap
    ttfonts.TTFontFace.addSubsetObjects = _add_subset_objects


# ---- ziamath: TeX's spacing around operators -----------------------------------------

def _tex_operator_spacing() -> None:
    """Adjusts ziamath's operator table (MathML's) to TeX's spacing: "×" and "·" get the
    medium space of + and −, not a hair space ("2×3"); a relation that starts a
    formula ("≈ 0.25") gets no space on its left. (Matters inside atoms and for
    formulas typeset whole.)"""
    table = ziamath.operators.operators
    for op in ("\u00d7", "\u00b7", "\u22c5"):
        table[(op, "infix")] = {"lspace": "mediummathspace", "rspace": "mediummathspace"}
    for (op, form), params in list(table.items()):
        if form == "infix" and params.get("lspace") == "thickmathspace":
            table.setdefault((op, "prefix"), {**params, "lspace": "0em"})


# ---- reportlab: searchable emoji -----------------------------------------------------

def _to_unicode_cmap(fontname, subset):
    """reportlab's ToUnicode CMap, with characters beyond U+FFFF (emoji) written as UTF-16
    surrogate pairs: reportlab 4 writes <1F600>, which readers take for U+1F60 and a stray
    0, so pdftotext finds "ὠ" where the sheet shows 😀."""
    text = _reportlab_cmap(fontname, subset)
    wide = {f"<{i:02X}> <{v:04X}>": f"<{i:02X}> <{chr(v).encode('utf-16-be').hex().upper()}>"
            for i, v in enumerate(subset) if v > 0xFFFF}
    if not wide:
        return text
    return "\n".join(wide.get(line, line) for line in text.split("\n"))


# ---- font subsets made once per process ---------------------------------------------
# Every PDF embeds a subset of each font it uses. Most subsets come back unchanged in
# document after document (the bold and italic text is the same in every version), so
# the subset's stream (made by reportlab, compressed) is kept, keyed by font file and
# characters, and the next document with the same subset reuses its bytes.

_SUBSET_STREAMS: "OrderedDict[tuple, bytes]" = OrderedDict()
_SUBSET_STREAMS_KEPT = 32


class _SubsetStream(pdfdoc.PDFStream):
    """The font file of one subset; its bytes refer to no other object, so they are the
    same in every document (ours are never encrypted)."""

    def __init__(self, face, subset, compress: bool):
        super().__init__()
        self.face, self.subset = face, list(subset)
        self.key = (face.filename, getattr(face, "subfontIndex", 0), tuple(subset), bool(compress))
        if compress:
            self.filters = [pdfdoc.PDFZCompress]

    def format(self, document):
        data = _SUBSET_STREAMS.get(self.key)
        if data is None:
            self.content = self.face.makeSubset(self.subset)
            self.dictionary["Length1"] = len(self.content)
            data = super().format(document)
            _SUBSET_STREAMS[self.key] = data
            while len(_SUBSET_STREAMS) > _SUBSET_STREAMS_KEPT:
                _SUBSET_STREAMS.popitem(last=False)
        else:
            _SUBSET_STREAMS.move_to_end(self.key)
        return data


def _add_subset_objects(self, doc, fontname, subset):
    """reportlab's TTFontFace.addSubsetObjects, with the font file from _SubsetStream."""
    font_file = doc.Reference(_SubsetStream(self, subset, doc.compression),
                              "fontFile:%s(%s)" % (self.filename, fontname))
    flags = (self.flags & ~ttfonts.FF_NONSYMBOLIC) | ttfonts.FF_SYMBOLIC
    descriptor = pdfdoc.PDFDictionary({
        "Type": "/FontDescriptor",
        "Ascent": self.ascent,
        "CapHeight": self.capHeight,
        "Descent": self.descent,
        "Flags": flags,
        "FontBBox": pdfdoc.PDFArray(self.bbox),
        "FontName": pdfdoc.PDFName(fontname),
        "ItalicAngle": self.italicAngle,
        "StemV": self.stemV,
        "FontFile2": font_file,
        "MissingWidth": self.defaultWidth,
    })
    return doc.Reference(descriptor, "fontDescriptor:" + fontname)
