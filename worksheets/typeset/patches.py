"""The changes this project makes to third-party libraries, applied by one call.

Each is needed for a property of the outputs, said at each function. `apply()` runs
once per process before anything is typeset or written (worksheets.output calls it);
nothing here changes a library on import.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from functools import cache, lru_cache

import deflate
import ziamath
from reportlab import rl_config
from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfdoc, ttfonts
from ziamath.nodes.mrow import Mrow
from ziamath.nodes.nodetools import elementtext

_reportlab_cmap = ttfonts.makeToUnicodeCMap  # the original, wrapped below
# reportlab's own formatting, replaced by apply() with functions giving the same bytes
# (kept so that tests can write a document both ways)
REPORTLAB_FORMATTING = {"format": pdfdoc.format, "PDFDictionary": pdfdoc.PDFDictionary.format,
                        "PDFArray": pdfdoc.PDFArray.format, "PDFObjectReference": pdfdoc.PDFObjectReference.format,
                        "PDFIndirectObject": pdfdoc.PDFIndirectObject.format,
                        "xobjDict": pdfdoc.PDFDocument.xobjDict, "PDFPage": pdfdoc.PDFPage.format,
                        "PDFDocument": pdfdoc.PDFDocument.format, "PDFInfo": pdfdoc.PDFInfo.format}
_reportlab_page_check_format = pdfdoc.PDFPage.check_format  # the original, wrapped below
_reportlab_page_format = pdfdoc.PDFPage.format  # (PDFCatalog's) the original, for pages _format_page does not know
_reportlab_document_format = pdfdoc.PDFDocument.format  # the originals, for documents _format_document does not know
_reportlab_info_format = pdfdoc.PDFInfo.format


@cache
def apply() -> None:
    """Applies every patch (once per process; the outputs depend on them, so they must
    be in place before the first formula is measured)."""
    _tex_operator_spacing()
    ziamath.styles.asdict = _fields_of
    Mrow._get_height_nostretch = _height_for_stretching
    ttfonts.makeToUnicodeCMap = _to_unicode_cmap
    ttfonts.TTFontFace.addSubsetObjects = _add_subset_objects
    ttfonts.TTFont.addObjects = _add_font_objects
    pdfdoc.pdfdocEnc = _pdfdoc_encoded
    pdfdoc.PDFName = lru_cache(maxsize=4096)(pdfdoc.PDFName)
    pdfdoc.PDFDocument.xobjDict = _xobject_dict
    pdfdoc.format = _format
    pdfdoc.PDFDictionary.format = _format_dictionary
    pdfdoc.PDFArray.format = _format_array
    pdfdoc.PDFObjectReference.format = _format_reference
    pdfdoc.PDFIndirectObject.format = _format_indirect_object
    pdfdoc.PDFPage.check_format = _page_check_format
    pdfdoc.PDFPage.format = _format_page
    pdfdoc.PDFDocument.format = _format_document
    pdfdoc.PDFInfo.format = _format_info


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


def _fields_of(style) -> dict:
    """What ziamath's parse_style reads of a parent style, for its dataclasses.asdict:
    the same values without asdict's deep copy, which took a quarter of the time of
    typesetting a formula (parse_style runs for every node)."""
    return dict(vars(style))


_ziamath_row_height = Mrow._get_height_nostretch  # the original, wrapped below


def _height_for_stretching(row, line, **kwargs) -> tuple[float, float]:
    """What ziamath measures of a row before laying it out: its height without its
    stretchy operators, which only stretchy operators read (to stretch to it). ziamath lays
    every child out once for it, at every level of nesting, so a fraction of
    scripts was laid out 8 times over (5–30 ms a formula). A row with nothing that can
    stretch is not measured: the layout is the same without."""
    if any(_may_stretch(element) for child in line for element in child.iter()):
        return _ziamath_row_height(row, line, **kwargs)
    return 0.0, 0.0


def _may_stretch(element) -> bool:
    """Whether ziamath may stretch this element (an <mo>, or an <mi> it takes for one):
    unless it says stretchy="false", whether its operator is stretchy in any form."""
    if element.tag not in ("mo", "mi"):
        return False
    stretchy = element.get("stretchy")
    if stretchy is not None:
        return stretchy != "false"
    return elementtext(element) in _stretchy_operators()


@cache
def _stretchy_operators() -> frozenset:
    return frozenset(name for (name, _), params in ziamath.operators.operators.items()
                     if params.get("stretchy", "false") != "false")


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
    descriptor = _Descriptor({
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
    }, (self.filename, getattr(self, "subfontIndex", 0), fontname, flags))
    return doc.Reference(descriptor, "fontDescriptor:" + fontname)


class _Descriptor(pdfdoc.PDFDictionary):
    """A font subset's descriptor: the same bytes in every document where its font file
    has the same object number (its other entries are the face's and the subset's name,
    which `face_key` names)."""
    _formatted: "OrderedDict[tuple, bytes]" = OrderedDict()

    def __init__(self, entries: dict, face_key: tuple):
        super().__init__(entries)
        self.face_key = face_key

    def format(self, document, IND=b"\n "):
        key = (self.face_key, _number(self.dict["FontFile2"], document), rl_config.pdfMultiLine)
        return _kept(self._formatted, key, lambda: _format_dictionary(self, document, IND))


def _number(reference, document) -> tuple:
    """The object number and version a PDFObjectReference refers to in this document."""
    return document.idToObjectNumberAndVersion[reference.name]


# ---- reportlab: fonts and names formatted once per process ------------------------------
# Writing a document formats every object anew; what follows gives the same bytes from a
# cache where the same object comes back in document after document.

def _kept(cache: OrderedDict, key, make, kept: int = 64) -> bytes:
    """cache[key], made by make() when missing; the `kept` most recently used are kept."""
    data = cache.get(key)
    if data is None:
        data = cache[key] = make()
        while len(cache) > kept:
            cache.popitem(last=False)
    else:
        cache.move_to_end(key)
    return data


class _Widths(pdfdoc.PDFArray):
    """A font subset's /Widths: numbers only, the same bytes in every document."""
    _formatted: "OrderedDict[tuple, bytes]" = OrderedDict()

    def format(self, document):
        key = (tuple(self.sequence), rl_config.pdfMultiLine)
        return _kept(self._formatted, key, lambda: super(_Widths, self).format(document))


@lru_cache(maxsize=256)
def _subset_widths(face, subset: tuple) -> tuple:
    """The widths of a subset's characters (the same subsets come back document after
    document; a face's widths never change)."""
    return tuple(map(face.getCharWidth, subset))


class _ToUnicode(pdfdoc.PDFStream):
    """A font subset's ToUnicode CMap stream; it refers to no other object, so its bytes
    are the same in every document with the same subset (ours are never encrypted)."""
    _formatted: "OrderedDict[tuple, bytes]" = OrderedDict()

    def __init__(self, base_font: str, subset, compress: bool):
        super().__init__()
        self.key = (base_font, tuple(subset), bool(compress))
        if compress:
            self.filters = [pdfdoc.PDFZCompress]

    def format(self, document):
        return _kept(self._formatted, self.key, lambda: self._format(document))

    def _format(self, document) -> bytes:
        base_font, subset, _ = self.key
        self.content = ttfonts.makeToUnicodeCMap(base_font, list(subset))
        return super().format(document)


class _FontDictionary(pdfdoc.PDFTrueTypeFont):
    """A font subset's /Font dictionary: the same bytes in every document where its
    ToUnicode stream and descriptor have the same object numbers (the rest is the
    subset's: its names and widths)."""
    _formatted: "OrderedDict[tuple, bytes]" = OrderedDict()

    def format(self, document):
        key = (self.Name, self.BaseFont, self.FirstChar, self.LastChar, tuple(self.Widths.sequence),
               _number(self.ToUnicode, document), _number(self.FontDescriptor, document), rl_config.pdfMultiLine)
        return _kept(self._formatted, key, lambda: super(_FontDictionary, self).format(document))


def _add_font_objects(self, doc):
    """reportlab's TTFont.addObjects, with the /Widths and the ToUnicode stream of each
    subset formatted once per process (_Widths, _ToUnicode); the same objects otherwise."""
    try:
        state = self.state[doc]
    except KeyError:
        state = self.state[doc] = ttfonts.TTFont.State(self._asciiReadable)
    state.frozen = 1
    for n, subset in enumerate(state.subsets):
        internal_name = self.getSubsetInternalName(n, doc)[1:]
        base_font = b"".join((ttfonts.SUBSETN(n), b"+", self.face.name, self.face.subfontNameX)).decode("pdfdoc")
        font = _FontDictionary()
        font.__Comment__ = "Font %s subset %d" % (self.fontName, n)
        font.Name = internal_name
        font.BaseFont = base_font
        font.FirstChar = 0
        font.LastChar = len(subset) - 1
        font.Widths = _Widths(_subset_widths(self.face, tuple(subset)))
        font.ToUnicode = doc.Reference(_ToUnicode(base_font, subset, doc.compression),
                                       "toUnicodeCMap:" + base_font)
        font.FontDescriptor = self.face.addSubsetObjects(doc, base_font, subset)
        doc.Reference(font, internal_name)
        doc.idToObject["BasicFonts"].dict[internal_name] = font
    del self.state[doc]


# ---- reportlab: objects formatted with fewer steps ---------------------------------------
# A document's few hundred dictionaries, arrays, references and numbers go through
# reportlab's generic format(); these are the same functions, giving the same bytes,
# with the common types tested first and each dictionary key formatted once per process.

def _format(element, document, toplevel=0):
    """reportlab's pdfdoc.format."""
    if isinstance(element, pdfdoc.PDFObject):
        if not toplevel and hasattr(element, "__RefOnly__"):  # a component only by reference
            return document.Reference(element).format(document)
        formatted = element.format(document)
        if not rl_config.invariant and rl_config.pdfComments and hasattr(element, "__Comment__"):
            formatted = pdfdoc.pdfdocEnc("%% %s\n" % element.__Comment__) + formatted
        return formatted
    kind = type(element)
    if kind is int or kind is float:
        return fp_str(element).encode("ascii")
    if isinstance(element, bytes):
        return element
    if isinstance(element, str):
        return pdfdoc.pdfdocEnc(element)
    return pdfdoc.pdfdocEnc(str(element))


_KEYS: dict = {}  # dictionary key -> its formatted name and a space (bounded: cleared when full)


def _key(name) -> bytes:
    formatted = _KEYS.get(name)
    if formatted is None:
        if len(_KEYS) >= 8192:
            _KEYS.clear()
        formatted = _KEYS[name] = _format(pdfdoc.PDFName(name), None) + b" "
    return formatted


def _format_dictionary(self, document, IND=b"\n "):
    """reportlab's PDFDictionary.format."""
    entries = self.dict
    keys = list(entries)
    if not isinstance(entries, OrderedDict):
        keys.sort()
    items = [_key(k) + _format(entries[k], document) for k in keys]
    return _dictionary_bytes(items, (self.multiline and rl_config.pdfMultiLine) or self.multiline == "forced", IND)


def _format_array(self, document, IND=b"\n "):
    """reportlab's PDFArray.format."""
    items = [_format(e, document) for e in self.sequence]
    if (self.multiline and rl_config.pdfMultiLine) or self.multiline == "forced":
        return b"[ " + IND.join(items) + b" ]"
    for i in reversed(range(10, len(items), 10)):  # a line break every 10 items
        items.insert(i, b"\n ")
    return b"[ " + b" ".join(items) + b" ]"


def _format_reference(self, document):
    """reportlab's PDFObjectReference.format."""
    try:
        return ("%s %s R" % document.idToObjectNumberAndVersion[self.name]).encode("ascii")
    except Exception:
        raise KeyError("forward reference to %s not resolved upon final formatting" % repr(self.name)) from None


def _format_indirect_object(self, document):
    """reportlab's PDFIndirectObject.format."""
    number, version = document.idToObjectNumberAndVersion[self.name]
    document.encrypt.register(number, version)
    content = _format(self.content, document, toplevel=1)
    return b"".join((("%s %s obj\n" % (number, version)).encode("ascii"), content,
                     b"" if content.endswith(b"\n") else b"\n", b"endobj\n"))


# ---- reportlab: the document's objects, cross-reference table and information -------------

def _format_document(self):
    """reportlab's PDFDocument.format: every object numbered in turn (objects may add
    others while they are formatted), then the cross-reference table and the trailer; the
    same bytes with fewer steps per object (a document has about sixty: pages, their
    streams, fonts, glyph outlines). A document with comments, encryption or signatures
    is left to reportlab."""
    if (not rl_config.invariant and rl_config.pdfComments) or type(self.encrypt) is not pdfdoc.NoEncryption \
            or getattr(self, "_digiSigs", None):
        return _reportlab_document_format(self)
    self.encrypt.prepare(self)
    self.Reference(self.Catalog)
    self.Reference(self.info)
    number_to_id, id_to_object, id_to_offset = self.numberToId, self.idToObject, self.idToOffset
    numbers = self.idToObjectNumberAndVersion
    self.__accum__ = File = pdfdoc.PDFFile(self._pdfVersion)
    strings = File.strings
    offset, counter, ids, entries = File.offset, 1, [], []
    while counter in number_to_id:
        oid = number_to_id[counter]
        obj = id_to_object[oid]
        number, version = numbers[oid]
        content = obj.format(self) if isinstance(obj, pdfdoc.PDFObject) else _format(obj, self, toplevel=1)
        data = b"%d %d obj\n%b%bendobj\n" % (number, version, content, b"" if content.endswith(b"\n") else b"\n")
        id_to_offset[oid] = offset
        ids.append(oid)
        entries.append(b"%010d %05d n " % (offset, version) if number == counter else None)
        strings.append(data)
        offset += len(data)
        counter += 1
    del self.__accum__
    if counter - 1 != len(number_to_id):
        raise ValueError("counter %s doesn't match number to id dictionary %s" % (counter, len(number_to_id)))
    if None in entries:  # (reportlab numbers each object as it registers it: never)
        xref = pdfdoc.PDFCrossReferenceTable()
        xref.addsection(0, ids)
        xref = xref.format(self)
    else:
        xref = b"\n".join([b"xref\n0 %d" % (len(entries) + 1), b"0000000000 65535 f ", *entries, b""])
    trailer = pdfdoc.PDFTrailer(startxref=offset, Size=len(entries) + 1, Root=self.Reference(self.Catalog),
                                Info=self.Reference(self.info), Encrypt=None, ID=self.ID())
    strings += [xref, trailer.format(self)]
    return b"".join(strings)


@lru_cache(maxsize=256)
def _pdf_string(text: str) -> bytes:
    """A PDFString's bytes in a document that is not encrypted."""
    return pdfdoc.PDFString(text).format(pdfdoc.DummyDoc())


def _format_info(self, document):
    """reportlab's PDFInfo.format (the document's title, author, dates...), its strings
    formatted once per process."""
    if type(document.encrypt) is not pdfdoc.NoEncryption or type(self) is not pdfdoc.PDFInfo:
        return _reportlab_info_format(self, document)
    date = _format(pdfdoc.PDFDate(ts=document._timeStamp, dateFormatter=self._dateFormatter), document)
    entries = {"Author": _pdf_string(self.author), "CreationDate": date, "Creator": _pdf_string(self.creator),
               "Keywords": _pdf_string(self.keywords), "ModDate": date, "Producer": _pdf_string(self.producer),
               "Subject": _pdf_string(self.subject), "Title": _pdf_string(self.title),
               "Trapped": _format(pdfdoc.PDFName(self.trapped), document)}
    return _dictionary_bytes([_key(name) + value for name, value in entries.items()],
                             bool(pdfdoc.PDFDictionary.multiline and rl_config.pdfMultiLine))


# ---- reportlab: page content compressed by libdeflate at its fastest level ------------------

PAGE_COMPRESSION = 1  # libdeflate's level for page content (reportlab's zlib default is 6)


class _FastFlate(pdfdoc.PDFStreamFilterZCompress):
    """FlateDecode by libdeflate at PAGE_COMPRESSION. A class set compresses megabytes of
    page content per version: at zlib's level 6 that took over a third of writing a PDF,
    at zlib's level 1 still a quarter. libdeflate's level 1 takes about half the time of
    zlib's for streams a tenth smaller (quiz-07's pages, 37 kB each: 0.08 against 0.15 ms,
    5.4 against 6.0 kB). Its output depends only on the input and the library's version,
    not on the machine (unlike ISA-L's or zlib-ng's, which pick code by CPU)."""

    def encode(self, text) -> bytes:  # (libdeflate gives a bytearray)
        return bytes(deflate.zlib_compress(text.encode("utf8") if isinstance(text, str) else text, PAGE_COMPRESSION))


_FAST_FLATE = _FastFlate()


def _page_check_format(self, document):
    """reportlab's PDFPage.check_format, with the page's content stream compressed by
    _FastFlate. (Fonts and glyph outlines, compressed once per process, keep zlib's level 6.)"""
    if not self.Override_default_compilation and not self.Contents and self.stream and self.compression:
        stream = pdfdoc.PDFStream(content=self.stream) if rl_config.useA85 else _PageStream(self.stream)
        stream.filters = [pdfdoc.PDFBase85Encode, _FAST_FLATE] if rl_config.useA85 else [_FAST_FLATE]
        stream.__Comment__ = "page stream"
        self.Contents = stream
    _reportlab_page_check_format(self, document)


class _PageStream(pdfdoc.PDFStream):
    """A page's content stream, compressed by _FastFlate: the bytes PDFStream.format gives
    it, written directly (PDFStream copies its dictionary and goes through its filters,
    for a dictionary that is only the filter and the length)."""

    def __init__(self, content: str):
        super().__init__(content=content)

    def format(self, document):
        if self.dictionary.dict or self.filters != [_FAST_FLATE]:
            return super().format(document)  # (changed since: reportlab's way)
        data = document.encrypt.encode(_FAST_FLATE.encode(self.content))
        multiline = bool(pdfdoc.PDFDictionary.multiline and rl_config.pdfMultiLine)
        head = _dictionary_bytes([_key("Filter") + _FLATE_FILTER, _key("Length") + b"%d" % len(data)], multiline)
        return b"".join((head, b"\nstream\n", data, b"endstream\n"))


_FLATE_FILTER = b"[ /FlateDecode ]"  # (an array of one name: the same bytes on one line or many)


# ---- reportlab: a page's dictionary in one step ------------------------------------

# What a page as our canvas makes it has: the attributes reportlab's PDFPage.format writes.
_PAGE_ENTRIES = ("Contents", "MediaBox", "Parent", "Resources", "Rotate", "Trans")
_OTHER_PAGE_ENTRIES = tuple(name for name in pdfdoc.PDFPage.__NoDefault__ if name not in _PAGE_ENTRIES)
_RESOURCE_DICTIONARIES = ("ColorSpace", "ExtGState", "Pattern", "Properties", "Shading")  # empty on our pages


def _format_page(self, document):
    """reportlab's PDFPage.format (PDFCatalog.format, which walks some twenty attributes
    into a new dictionary of dictionaries for every page), the same bytes written
    directly for a page as our canvas makes it: contents, media box, parent, resources
    (fonts, procedure sets, forms), rotation and an empty transition. Any other page
    is left to reportlab."""
    self.check_format(document)
    resources, trans, media_box = self.Resources, self.Trans, self.MediaBox
    if (type(self) is not pdfdoc.PDFPage or "Type" in self.__dict__ or type(resources) is not pdfdoc.PDFResourceDictionary
            or type(trans) is not pdfdoc.PDFDictionary or trans.dict or type(media_box) is not pdfdoc.PDFArray
            or type(self.Rotate) is not int or any(getattr(self, name) is not None for name in _OTHER_PAGE_ENTRIES)
            or any(getattr(resources, name) != {} for name in _RESOURCE_DICTIONARIES)
            or type(resources.Font) is not pdfdoc.PDFObjectReference or not isinstance(resources.ProcSet, list)
            or isinstance(resources.XObject, dict) and resources.XObject):
        return _reportlab_page_format(self, document)
    contents = document.Reference(self.Contents)  # (registers the page's stream, as reportlab does here)
    parent = document.Reference(self.Parent)
    multiline = bool(pdfdoc.PDFDictionary.multiline and rl_config.pdfMultiLine)
    entries = [_key("Font") + _format_reference(resources.Font, document)]
    if resources.ProcSet:
        entries.append(_key("ProcSet") + _constant_array(tuple(resources.ProcSet), document))
    if resources.XObject:
        entries.append(_key("XObject") + _format(resources.XObject, document))
    items = [_key("Contents") + _format_reference(contents, document),
             _key("MediaBox") + (_constant_array(tuple(media_box.sequence), document) if media_box.multiline is True
                                 else _format_array(media_box, document)),
             _key("Parent") + _format_reference(parent, document),
             _key("Resources") + _dictionary_bytes(entries, multiline),
             _key("Rotate") + fp_str(self.Rotate).encode("ascii"),
             _key("Trans") + _dictionary_bytes([], bool((trans.multiline and rl_config.pdfMultiLine)
                                                        or trans.multiline == "forced")),
             _key("Type") + b"/Page"]
    return _dictionary_bytes(items, multiline)


_CONSTANT_ARRAYS: "OrderedDict[tuple, bytes]" = OrderedDict()  # a page's media box and procedure sets


def _constant_array(sequence: tuple, document) -> bytes:
    """_format_array of a PDFArray of numbers and names (the same on every page)."""
    if not all(type(item) in (int, float, str) for item in sequence):
        return _format_array(pdfdoc.PDFArray(sequence), document)
    key = (sequence, rl_config.pdfMultiLine)
    return _kept(_CONSTANT_ARRAYS, key, lambda: _format_array(pdfdoc.PDFArray(sequence), document), kept=16)


# ---- reportlab: a page's forms, each listed once ------------------------------------

def _xobject_dict(self, formnames):
    """reportlab's PDFDocument.xobjDict (a page's /XObject resources), as _XObjects."""
    return _XObjects(formnames)


class _XObjects(pdfdoc.PDFObject):
    """A page's /XObject resources: the bytes reportlab's dictionary of references
    formats to, made from each form once. (The canvas lists a form each time it is drawn:
    a page of formulas lists its glyph outlines hundreds of times.) A form's entry is made
    once per document, for all its pages (an object's number never changes)."""

    def __init__(self, formnames):
        self.names = sorted(set(formnames))  # (reportlab sorts the keys "FormXob.<name>": the same order)

    def format(self, document):
        entries = document.__dict__.get("_xobject_entries")  # form name -> b"/FormXob.<name> N 0 R"
        if entries is None:
            entries = document._xobject_entries = {}
        items = []
        for name in self.names:
            entry = entries.get(name)
            if entry is None:
                internal = pdfdoc.xObjectName(name)
                try:
                    number = document.idToObjectNumberAndVersion[internal]
                except KeyError:
                    raise KeyError(f"forward reference to {internal!r} not resolved upon final formatting") from None
                entry = entries[name] = _key(internal) + b"%d %d R" % number
            items.append(entry)
        return _dictionary_bytes(items, bool(pdfdoc.PDFDictionary.multiline and rl_config.pdfMultiLine))


def _dictionary_bytes(items: list[bytes], multiline: bool, indent: bytes = b"\n ") -> bytes:
    """The bytes of a PDFDictionary from its formatted "key value" items, laid out as
    PDFDictionary.format lays them out (one item a line when multiline)."""
    if multiline:
        body = indent.join(items)
    else:
        for i in reversed(range(6, len(items), 6)):  # a line break every 6 items
            items.insert(i, b"\n ")
        body = b" ".join(items)
    return b"<<\n" + body + b"\n>>"


_NOT_IN_PDFDOC = re.compile("[\x18-\x1f]")  # ASCII that PDFDocEncoding leaves undefined


def _pdfdoc_encoded(text):
    """reportlab's pdfdocEnc, without its codec lookup for text in ASCII (where
    PDFDocEncoding is ASCII): it encodes every name, number and key of a document."""
    if isinstance(text, str):
        if text.isascii() and not _NOT_IN_PDFDOC.search(text):
            return text.encode("ascii")
        return text.encode("extpdfdoc")
    return text
