"""all-worksheets.pdf: every version in one print job.

qpdf joins the versions' PDFs without decoding their streams (pypdf took three times as
long for a class of 200); a blank page after each version with an odd number of pages
makes every version start on a new sheet of paper when printed double-sided.

qpdf closes and reopens its input files at every access when it is given more than 200
(its --keep-files-open-threshold): a class of 200 three-page worksheets, each followed by
the blank page, is 400 inputs, and joining them took 1.8 s instead of 0.8 s (most of it
in the kernel). The files are kept open whenever the process may open that many.
"""
from __future__ import annotations

import resource
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

from reportlab.pdfgen.canvas import Canvas

from ..errors import BuildError
from ..typeset.fonts import REGULAR
from .pdf import prepare_libraries


def combine_for_duplex(paths: list[Path], pagesize, target: Path, scratch: Path | None = None,
                       pages: list[int] | None = None) -> None:
    """Writes the joined PDF to target (by qpdf: a class set of thousands of versions
    joins to hundreds of megabytes, never held in memory). pages: each PDF's page count
    when known (else read from the PDF). Its work files go to scratch (the build's
    staging folder, which a later build removes even if this process is killed), else
    the system's temp folder."""
    if shutil.which("qpdf") is None:
        raise BuildError("qpdf is needed to join the versions: install the Debian package qpdf")
    with tempfile.TemporaryDirectory(prefix="worksheets-combine-", dir=scratch) as folder:
        blank = Path(folder) / "blank.pdf"
        blank.write_bytes(_blank_page(pagesize))
        joined = []
        for k, path in enumerate(paths):
            joined.append(str(path))
            if (pages[k] if pages is not None else page_count(path.read_bytes())) % 2:
                joined.append(str(blank))
        with _open_files_allowed(len(set(joined)) + _SPARE_FILES) as enough:
            command = ["qpdf", "--empty", "--deterministic-id", "--stream-data=preserve",
                       *(["--keep-files-open=y"] if enough else []), "--pages", *joined, "--", str(target)]
            result = subprocess.run(command, capture_output=True, text=True, timeout=600)
        if result.returncode not in (0, 3):  # 3: warnings only
            raise BuildError(f"qpdf could not join the versions: {result.stderr.strip()[:200]}")


_SPARE_FILES = 64  # qpdf's own files (the output, its libraries) beside the inputs


@contextmanager
def _open_files_allowed(wanted: int):
    """Yields whether a process started within may keep `wanted` files open, raising this
    process's soft limit (which qpdf inherits) up to the hard limit for that while."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or wanted <= soft:
        yield True
        return
    if hard != resource.RLIM_INFINITY and wanted > hard:
        yield False  # qpdf reopens its files as needed: slower, never out of descriptors
        return
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    except (ValueError, OSError):
        yield False
        return
    try:
        yield True
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def page_count(pdf: bytes) -> int:
    """Pages of a PDF, read by a PDF library: a search of the bytes for "/Count" would
    also find it in a title or any other text of the document."""
    import io

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError
    try:
        return len(PdfReader(io.BytesIO(pdf)).pages)
    except (PyPdfError, ValueError, KeyError) as exc:
        raise BuildError(f"could not read the page count of a worksheet: {exc}") from None


def _blank_page(pagesize) -> bytes:
    prepare_libraries()  # as every other PDF of the build
    # A canvas starts in Helvetica, which would then be listed (unembedded) by the page.
    canvas = Canvas(None, pagesize=pagesize, initialFontName=REGULAR)  # None: in memory
    canvas.showPage()
    return canvas.getpdfdata()
