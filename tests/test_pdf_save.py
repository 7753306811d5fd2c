"""Writing a PDF's objects (typeset.patches, typeset.mathink): what is made faster or kept
per process gives the bytes reportlab gives, whatever was written before."""
from __future__ import annotations

import io
import re
import zlib
from collections import OrderedDict

import deflate
import pytest
from pypdf import PdfReader
from reportlab import rl_config
from reportlab.lib.pagesizes import letter
from reportlab.pdfbase import pdfdoc
from reportlab.pdfgen.canvas import Canvas

from worksheets.output import pdf
from worksheets.output.pdf import _footer_canvas, prepare_libraries
from worksheets.typeset import mathink, patches
from worksheets.typeset.fonts import BOLD, REGULAR
from worksheets.typeset.mathtext import typeset


def _reportlab_xobject_dict(document, names) -> bytes:
    """What reportlab's own PDFDocument.xobjDict formats to."""
    references = {pdfdoc.xObjectName(n): pdfdoc.PDFObjectReference(pdfdoc.xObjectName(n)) for n in names}
    return pdfdoc.PDFDictionary(references).format(document)


def _document_with_forms(names) -> pdfdoc.PDFDocument:
    canvas = Canvas(io.BytesIO())
    document = canvas._doc
    for number, name in enumerate(dict.fromkeys(names), start=1):
        document.Reference(pdfdoc.PDFDictionary({"N": number}), pdfdoc.xObjectName(name))
        document.idToObjectNumberAndVersion[pdfdoc.xObjectName(name)] = (number + 10, 0)
    return document


def test_a_pages_forms_are_listed_once_each_as_reportlab_lists_them():
    names = [f"g{n}" for n in (17, 3, 250, 3, 9, 17, 40, 41, 42, 43, 44, 45, 3)]
    document = _document_with_forms(names)
    expected = _reportlab_xobject_dict(document, names)
    assert patches._XObjects(names).format(document) == expected
    assert expected.count(b"FormXob.g3 ") == 1 and expected.count(b"\n ") == 1  # 9 forms: one break
    one = _document_with_forms(["g3"])
    assert patches._XObjects(["g3", "g3"]).format(one) == b"<<\n/FormXob.g3 11 0 R\n>>"


def test_the_same_form_has_its_own_number_in_each_document():
    names = ["gA", "gB"]
    first, second = _document_with_forms(names), _document_with_forms(names)
    second.idToObjectNumberAndVersion[pdfdoc.xObjectName("gA")] = (99, 0)
    assert patches._XObjects(names).format(first) == b"<<\n/FormXob.gA 11 0 R /FormXob.gB 12 0 R\n>>"
    assert patches._XObjects(names).format(second) == b"<<\n/FormXob.gA 99 0 R /FormXob.gB 12 0 R\n>>"


def _sample_document(lead: str | None = None) -> bytes:
    """Two pages with text in three fonts (beyond ASCII too), formulas and a rule; `lead`,
    a formula drawn first, gives the objects after its glyphs other numbers."""
    out = io.BytesIO()
    canvas = Canvas(out, initialFontName=REGULAR)
    canvas.setTitle("Quiz \u2014 Version B")
    if lead:
        typeset(lead).draw_on(canvas, 72, 750)
    for page in range(2):
        canvas.setFont(BOLD, 12)
        canvas.drawString(72, 720, f"Problem {page + 1} \u2014 \u00e9t\u00e9")
        canvas.setFont(REGULAR, 10)
        canvas.drawString(72, 700, "Find \u2202L/\u2202w and 3.25 \u2212 1")
        typeset(r"\frac{\partial L}{\partial w_{12}^{(2)}} = -0.375").draw_on(canvas, 72, 650)
        typeset(rf"W = \begin{{pmatrix}} {page} & 1 \\ 2 & 3 \end{{pmatrix}}").draw_on(canvas, 72, 600)
        canvas.rect(72, 500, 200, 40, fill=1)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def _without_kept_bytes(monkeypatch) -> None:
    """Empties, for this test, what is kept per process of earlier documents' objects."""
    for owner, name in ((patches._Widths, "_formatted"), (patches._ToUnicode, "_formatted"),
                        (mathink._GlyphForm, "_bytes"), (patches._FontDictionary, "_formatted"),
                        (patches._Descriptor, "_formatted")):
        monkeypatch.setattr(owner, name, type(getattr(owner, name))())
    monkeypatch.setattr(patches, "_SUBSET_STREAMS", OrderedDict())
    monkeypatch.setattr(patches, "_KEYS", {})


@pytest.mark.parametrize("multiline", [0, 1])
def test_a_document_is_written_to_the_bytes_reportlab_writes(monkeypatch, multiline):
    prepare_libraries()
    monkeypatch.setattr(rl_config, "pdfMultiLine", multiline)
    _without_kept_bytes(monkeypatch)
    fast = _sample_document()
    _without_kept_bytes(monkeypatch)
    _formatting_as_reportlab(monkeypatch)
    assert _sample_document() == fast
    assert fast.count(b"/Type /Page\n") == 2 and b"/XObject" in fast


def _formatting_as_reportlab(monkeypatch) -> None:
    monkeypatch.setattr(pdfdoc, "format", patches.REPORTLAB_FORMATTING["format"])
    for cls in (pdfdoc.PDFDictionary, pdfdoc.PDFArray, pdfdoc.PDFObjectReference, pdfdoc.PDFIndirectObject,
                pdfdoc.PDFPage, pdfdoc.PDFDocument, pdfdoc.PDFInfo):
        monkeypatch.setattr(cls, "format", patches.REPORTLAB_FORMATTING[cls.__name__])
    monkeypatch.setattr(pdfdoc.PDFDocument, "xobjDict", patches.REPORTLAB_FORMATTING["xobjDict"])


def test_fonts_kept_from_a_document_numbered_otherwise_are_not_reused(monkeypatch):
    """A font's dictionary and descriptor are kept per process with the numbers of the
    objects they refer to: a document whose fonts come later (after more glyphs) gets its own."""
    prepare_libraries()
    _without_kept_bytes(monkeypatch)
    first = _sample_document()
    later = _sample_document(r"\sum_{k} \sqrt{x_k} \gg \Omega")  # fonts kept from `first`, numbered otherwise
    again = _sample_document()
    _without_kept_bytes(monkeypatch)
    _formatting_as_reportlab(monkeypatch)
    assert (_sample_document(r"\sum_{k} \sqrt{x_k} \gg \Omega"), _sample_document()) == (later, first)
    assert again == first and later != first
    fonts = re.findall(rb"/FontDescriptor (\d+) 0 R", first), re.findall(rb"/FontDescriptor (\d+) 0 R", later)
    assert len(fonts[0]) == 2 and set(fonts[0]).isdisjoint(fonts[1])


def test_page_content_is_compressed_by_libdeflate_at_the_fast_level_and_fonts_by_zlib_at_the_default():
    prepare_libraries()
    data = _sample_document()
    streams = re.findall(rb"<<\n(.*?)\n>>\nstream\n(.*?)endstream", data, re.S)
    pages = [zlib.decompress(body) for head, body in streams if b"Length1" not in head
             and b"/Subtype /Form" not in head and b"beginbfchar" not in zlib.decompress(body)]
    assert len(pages) == 2 and all(b" re f" in page and b"Tj" in page for page in pages)
    assert patches.PAGE_COMPRESSION == 1
    assert all(bytes(deflate.zlib_compress(page, 1)) + b"endstream" in data for page in pages)
    assert not any(zlib.compress(page, level) in data for page in pages for level in (1, 6))
    fonts = [body for head, body in streams if b"Length1" in head]
    assert fonts and all(zlib.compress(zlib.decompress(body)) == body for body in fonts)


def test_each_document_defines_the_glyph_outlines_it_uses_whatever_was_drawn_before():
    prepare_libraries()
    box = typeset(r"\frac{\partial L}{\partial v_{3}} \approx 0.125")
    written = []
    for _ in range(2):  # the second document draws what the first drew (its outlines are kept)
        out = io.BytesIO()
        canvas = Canvas(out)
        box.draw_on(canvas, 72, 600)
        box.draw_on(canvas, 72, 500)  # (the same outlines again in the same document)
        canvas.showPage()
        canvas.save()
        written.append(out.getvalue())
    assert written[0] == written[1]
    shapes = set(box.ink.shapes)
    assert len(shapes) > 5 and written[0].count(b"/Subtype /Form") == len(shapes)
    assert written[0].count(b"/FormXob.") == len(shapes)  # the page lists each once in its resources


def _footed_document(label: str, pages: int, body: str) -> bytes:
    out = io.BytesIO()
    canvas = _footer_canvas(label)(out, pagesize=letter)
    for page in range(pages):
        canvas.setFont(REGULAR, 11)
        canvas.drawString(72, 700, f"{body} {page}")
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def test_every_page_has_its_footer_with_the_codes_of_its_own_document():
    prepare_libraries()
    # the second document gives its characters beyond ASCII codes in another order (é before —)
    first = _footed_document("Quiz \u2014 r\u00e9sum\u00e9", 3, "body")
    second = _footed_document("Quiz \u2014 r\u00e9sum\u00e9", 3, "caf\u00e9 \u2212")
    for data, body in ((first, "body"), (second, "caf\u00e9 \u2212")):
        texts = [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]
        assert [t.splitlines() for t in texts] == [
            [f"{body} {n}", "Quiz \u2014 r\u00e9sum\u00e9", f"Page {n + 1} of 3"] for n in range(3)]


def test_footer_operators_kept_between_documents_are_those_drawn(monkeypatch):
    """Documents drawn after others reuse their footers' operators only where they are the
    ones drawing would give (the same codes for the same characters)."""
    prepare_libraries()
    documents = [("Quiz \u2014 r\u00e9sum\u00e9", 3, "body"), ("Quiz \u2014 r\u00e9sum\u00e9", 3, "caf\u00e9 \u2212"),
                 ("Quiz \u2014 r\u00e9sum\u00e9", 2, "body"), ("Quiz \u2014 r\u00e9sum\u00e9", 3, "body")]
    kept = [_footed_document(*document) for document in documents]
    monkeypatch.setattr(pdf, "_draw_kept", lambda canvas, draw, x, y, text: draw(canvas, x, y, text))
    assert [_footed_document(*document) for document in documents] == kept
    assert kept[0] == kept[3] and kept[0] != kept[1]
