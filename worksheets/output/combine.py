"""all-worksheets.pdf: every version in one print job.

The versions' PDFs are copied into one file a version at a time: pikepdf reads each, and
its pages and what they use are written out at once, renumbered, every stream as it is
(never decoded), before the next version is opened. Memory stays that of one version
however many there are: qpdf's --pages, which did this before, holds every input until
it writes (1.2 GB for 2,000 versions of quiz-07). No library writes a PDF as it goes, so
the file's frame (header, cross-reference table, trailer) is written here; every object
in it is pikepdf's own text of the object, with only its references renumbered.

Every version embeds the same font subsets (the same glyphs, in the same order, as every
version's text is the same but its numbers): each distinct font is written once, which
makes the joined file a third of the versions' PDFs together. A blank page after each
version with an odd number of pages makes every version start on a new sheet of paper
when printed double-sided.
"""
from __future__ import annotations

import hashlib
import io
from array import array
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from reportlab.pdfgen.canvas import Canvas

from ..errors import BuildError
from ..typeset.fonts import REGULAR
from .pdf import prepare_libraries


def combine_for_duplex(paths: list[Path], pagesize, target: Path, title: str = "") -> None:
    """Writes the versions' PDFs (paths, in order) joined into target, a blank page after
    each with an odd number of pages; title: the document's (what a print dialog shows)."""
    import pikepdf  # only a class set joins PDFs

    blank = _blank_page(pagesize)
    try:
        with open(target, "wb") as file:
            joined = _JoinedPdf(file, pikepdf)
            for path in paths:
                with pikepdf.open(path) as version:
                    joined.add(version)
                    count = len(version.pages)
                if count % 2:
                    with pikepdf.open(io.BytesIO(blank)) as page:
                        joined.add(page)
            joined.finish(pikepdf.String(title).unparse() if title else None)
    except pikepdf.PdfError as exc:
        raise BuildError(f"could not join the versions' worksheets: {exc}") from None


def _blank_page(pagesize) -> bytes:
    prepare_libraries()  # as every other PDF of the build
    # A canvas starts in Helvetica, which would then be listed (unembedded) by the page.
    canvas = Canvas(None, pagesize=pagesize, initialFontName=REGULAR)  # None: in memory
    canvas.showPage()
    return canvas.getpdfdata()


CATALOG, PAGES = 1, 2  # the joined file's first two objects, written last
INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")  # a page may take them from its tree


class _JoinedPdf:
    """A PDF written object by object: documents' pages added in order, then finish()."""

    def __init__(self, file, pikepdf):
        self.file, self.pikepdf = file, pikepdf
        self.offsets = array("q", [0, 0])  # of objects 1, 2, ...: the catalog and page tree come last
        self.kids: list[int] = []  # the page objects, in order
        self.fonts: dict[bytes, int] = {}  # a font's content -> its object, written once
        self.version = "1.4"
        self.digest = hashlib.md5()  # of everything written: the file's ID, as qpdf's deterministic one
        self.position = 0
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")  # (its version raised in finish if a document's is newer)

    def add(self, document) -> None:
        """Writes a document's pages and every object they use (its fonts once per file)."""
        if document.pdf_version > self.version:
            self.version = document.pdf_version
        numbers: dict[tuple[int, int], int] = {}  # this document's objects -> the joined file's
        pending: list = []  # its objects numbered but not yet written
        pages = [page.obj for page in document.pages]
        for page in pages:  # all numbered first: a page may refer to a later one (a link)
            numbers[page.objgen] = self._number()
            self.kids.append(numbers[page.objgen])
        for page in pages:
            self._write_object(numbers[page.objgen], self._page(page, numbers, pending))
        while pending:
            obj, number = pending.pop()
            self._write_object(number, *self._body(obj, numbers, pending))

    def _page(self, page, numbers: dict, pending: list) -> bytes:
        entries = [b"/Parent %d 0 R" % PAGES]
        for key in sorted(page.keys()):  # (a set: sorted, as qpdf writes them)
            if key != "/Parent":
                entries.append(_name(key) + b" " + self._text(page[key], numbers, pending))
        for key in INHERITED:
            if key not in page:
                value = _inherited(page, key)
                if value is not None:
                    entries.append(_name(key) + b" " + self._text(value, numbers, pending))
        return b"<< " + b" ".join(entries) + b" >>"

    def _body(self, obj, numbers: dict, pending: list) -> tuple[bytes, bytes | None]:
        if isinstance(obj, self.pikepdf.Stream):
            raw = obj.read_raw_bytes()
            entries = [_name(key) + b" " + self._text(obj.stream_dict[key], numbers, pending)
                       for key in sorted(obj.stream_dict.keys()) if key != "/Length"]
            return b"<< " + b" ".join([*entries, b"/Length %d" % len(raw)]) + b" >>", raw
        return self._direct(obj, numbers, pending), None

    def _text(self, value, numbers: dict, pending: list) -> bytes:
        """A value as it is written: an indirect object by its number in the joined file."""
        if not isinstance(value, self.pikepdf.Object):
            return _scalar(value)
        if value.is_indirect:
            return b"%d 0 R" % self._number_of(value, numbers, pending)
        return self._direct(value, numbers, pending)

    def _direct(self, value, numbers: dict, pending: list) -> bytes:
        text = value.unparse()
        if b" R" not in text:  # nothing in it refers to another object: pikepdf's text as it is
            return text
        if isinstance(value, self.pikepdf.Dictionary):
            return b"<< " + b" ".join(_name(key) + b" " + self._text(value[key], numbers, pending)
                                      for key in sorted(value.keys())) + b" >>"
        if isinstance(value, self.pikepdf.Array):
            return b"[ " + b" ".join(self._text(item, numbers, pending) for item in value) + b" ]"
        return text  # (a string that holds " R")

    def _number_of(self, obj, numbers: dict, pending: list) -> int:
        number = numbers.get(obj.objgen)
        if number is not None:
            return number
        font = obj.get("/Type") == "/Font" if isinstance(obj, self.pikepdf.Dictionary) else False
        content = _content(obj, self.pikepdf) if font else None
        number = self.fonts.get(content) if font else None
        if number is None:
            number = self._number()
            pending.append((obj, number))
            if font:
                self.fonts[content] = number
        numbers[obj.objgen] = number
        return number

    def _number(self) -> int:
        self.offsets.append(0)
        return len(self.offsets)

    def _write_object(self, number: int, body: bytes, stream: bytes | None = None) -> None:
        self.offsets[number - 1] = self.position
        self._write(b"%d 0 obj\n" % number + body)
        if stream is not None:
            self._write(b"\nstream\n")
            self._write(stream)
            self._write(b"\nendstream")
        self._write(b"\nendobj\n")

    def _write(self, data: bytes) -> None:
        self.file.write(data)
        self.digest.update(data)
        self.position += len(data)

    def finish(self, title: bytes | None = None) -> None:
        """The page tree, the catalog, the document's information (title: as PDF text),
        the cross-reference table and the trailer."""
        kids = b" ".join(b"%d 0 R" % kid for kid in self.kids)
        self._write_object(PAGES, b"<< /Type /Pages /Count %d /Kids [ %s ] >>" % (len(self.kids), kids))
        self._write_object(CATALOG, b"<< /Type /Catalog /Pages %d 0 R >>" % PAGES)
        info = self._number()
        self._write_object(info, b"<< /Creator (worksheets) /Producer (worksheets)%s >>"
                           % (b" /Title " + title if title else b""))
        start, file_id = self.position, self.digest.hexdigest().encode()
        rows = [b"xref\n0 %d\n0000000000 65535 f \n" % (len(self.offsets) + 1)]
        rows += [b"%010d 00000 n \n" % offset for offset in self.offsets]
        rows.append(b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [ <%s> <%s> ] >>\nstartxref\n%d\n%%%%EOF\n"
                    % (len(self.offsets) + 1, CATALOG, info, file_id, file_id, start))
        self._write(b"".join(rows))
        if self.version != "1.4":  # the newest version among the documents
            self.file.seek(len(b"%PDF-"))
            self.file.write(self.version.encode()[:3])


def _inherited(page, key: str):
    node = page.get("/Parent")
    while node is not None:
        if key in node:
            return node[key]
        node = node.get("/Parent")
    return None


def _scalar(value) -> bytes:
    """A number or boolean as pikepdf gives it (int, Decimal, bool), as PDF text."""
    if isinstance(value, bool):
        return b"true" if value else b"false"
    if isinstance(value, int):
        return b"%d" % value
    if isinstance(value, Decimal):
        return format(value, "f").encode()
    raise BuildError(f"a worksheet holds a value the join cannot write: {value!r}")


@lru_cache(maxsize=1024)
def _name(key: str) -> bytes:
    """A PDF name as written, the bytes a name may not hold as #xx (pikepdf gives "/A B")."""
    out = bytearray(b"/")
    for byte in key[1:].encode("utf-8"):
        out += b"#%02X" % byte if byte < 0x21 or byte > 0x7E or byte in _DELIMITERS else bytes([byte])
    return bytes(out)


_DELIMITERS = b"#()<>[]{}/%"


def _content(obj, pikepdf) -> bytes:
    """What an object holds, objects it refers to included (their numbers are not the same
    in two versions' files): equal exactly when two fonts are the same."""
    if isinstance(obj, pikepdf.Stream):
        return b"stream" + _content(obj.stream_dict, pikepdf) + hashlib.sha256(obj.read_raw_bytes()).digest()
    if not isinstance(obj, pikepdf.Object):
        return _scalar(obj)
    text = obj.unparse()
    if b" R" not in text:
        return text
    if isinstance(obj, pikepdf.Dictionary):
        return b"<<" + b"".join(key.encode() + _content(obj[key], pikepdf) for key in sorted(obj.keys())) + b">>"
    if isinstance(obj, pikepdf.Array):
        return b"[" + b" ".join(_content(item, pikepdf) for item in obj) + b"]"
    return text
