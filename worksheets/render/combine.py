"""all-worksheets.pdf: every version in one print job."""
from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader, PdfWriter


def combine_for_duplex(paths: list[Path]) -> bytes:
    """The PDFs one after another, each padded to an even number of pages so that every
    version starts on a new sheet of paper when printed double-sided."""
    writer = PdfWriter()
    for path in paths:
        reader = PdfReader(path)
        for page in reader.pages:
            writer.add_page(page)
        if len(reader.pages) % 2:
            box = reader.pages[-1].mediabox
            writer.add_blank_page(width=box.width, height=box.height)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
