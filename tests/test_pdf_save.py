"""Writing a PDF's objects (typeset.patches, typeset.mathink): what is made faster or kept
per process gives the bytes reportlab gives, whatever was written before."""
from __future__ import annotations

import io

from reportlab.pdfbase import pdfdoc
from reportlab.pdfgen.canvas import Canvas

from worksheets.typeset import patches


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
