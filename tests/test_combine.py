"""all-worksheets.pdf: the versions' PDFs joined a version at a time (output/combine.py)."""
from __future__ import annotations

import os
import subprocess
import sys

import pikepdf
import pytest
from reportlab.pdfgen.canvas import Canvas

from worksheets.errors import BuildError
from worksheets.output.combine import combine_for_duplex
from worksheets.output.pdf import prepare_libraries
from worksheets.typeset.fonts import BOLD, REGULAR

SIZE = (612, 792)


def _document(path, pages: int, text: str, fonts=(REGULAR,)):
    """A PDF of `pages` pages, each with its own text in each font (embedded subsets)."""
    prepare_libraries()
    canvas = Canvas(str(path), pagesize=SIZE, initialFontName=REGULAR)
    for page in range(1, pages + 1):
        for k, font in enumerate(fonts):
            canvas.setFont(font, 12)
            canvas.drawString(72, 700 - 20 * k, f"{text}, page {page}: 0123456789")
        canvas.showPage()
    canvas.save()
    return path


@pytest.fixture
def versions(tmp_path):
    return [_document(tmp_path / f"{name}.pdf", pages, f"Version {name}", (REGULAR, BOLD))
            for name, pages in (("A", 3), ("B", 2), ("C", 1))]


def _content(page) -> bytes:
    return page.Contents.read_bytes()


def test_each_version_starts_on_a_new_sheet_with_its_pages_as_they_were(versions, tmp_path):
    target = tmp_path / "all.pdf"
    combine_for_duplex(versions, SIZE, target)
    with pikepdf.open(target) as joined:
        pages = list(joined.pages)
        assert len(pages) == 4 + 2 + 2  # A: 3 and a blank page, B: 2, C: 1 and a blank page
        expected = []
        for path in versions:
            with pikepdf.open(path) as version:
                expected += [_content(page) for page in version.pages]
                if len(version.pages) % 2:
                    expected.append(None)
        for page, content in zip(pages, expected):
            if content is None:
                assert b"Tj" not in _content(page)  # the blank page
            else:
                assert _content(page) == content
                assert set(page.Resources.Font.keys()) == {"/F1+0", "/F2+0"}
                assert page.MediaBox == pikepdf.Array([0, 0, *SIZE])
    check = subprocess.run(["qpdf", "--check", str(target)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_font_every_version_embeds_is_written_once(versions, tmp_path):
    target = tmp_path / "all.pdf"
    combine_for_duplex(versions, SIZE, target)
    with pikepdf.open(target) as joined:
        fonts = [obj for obj in joined.objects if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font"]
        assert len(fonts) == 2  # regular and bold, shared by the pages of every version
        used = {page.Resources.Font[name].objgen for page in joined.pages if "/Font" in page.Resources
                for name in page.Resources.Font.keys() if _content(page).count(b"Tj")}
        assert used == {font.objgen for font in fonts}
    assert target.stat().st_size < sum(path.stat().st_size for path in versions) / 2


def test_fonts_that_differ_are_each_kept(tmp_path):
    # Letters past ASCII take the subset's codes in the order they are met: other letters,
    # another subset (ASCII has codes of its own in every subset: the same font).
    paths = [_document(tmp_path / "a.pdf", 1, "αβγ"), _document(tmp_path / "b.pdf", 1, "δεζ")]
    target = tmp_path / "all.pdf"
    combine_for_duplex(paths, SIZE, target)
    with pikepdf.open(target) as joined:
        assert len({p.Resources.Font["/F1+0"].objgen for p in joined.pages if b"Tj" in _content(p)}) == 2


def test_the_same_versions_join_to_the_same_bytes_in_any_process(versions, tmp_path):
    # pikepdf gives a dictionary's keys as a set, whose order is a process's string hashing
    join = ("import sys; from pathlib import Path; from worksheets.output.combine import combine_for_duplex; "
            "combine_for_duplex([Path(p) for p in sys.argv[2:]], (612, 792), Path(sys.argv[1]))")
    for seed in ("1", "2"):
        subprocess.run([sys.executable, "-c", join, str(tmp_path / f"{seed}.pdf"), *map(str, versions)],
                       check=True, env={**os.environ, "PYTHONHASHSEED": seed})
    combine_for_duplex(versions, SIZE, tmp_path / "here.pdf")
    joined = [(tmp_path / f"{name}.pdf").read_bytes() for name in ("1", "2", "here")]
    assert joined[0] == joined[1] == joined[2]


def test_a_page_gets_what_it_inherits_from_its_page_tree(tmp_path):
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 300))
    page = pdf.pages[0].obj
    pdf.Root.Pages.MediaBox = page.MediaBox
    pdf.Root.Pages.Rotate = 90
    pdf.Root.Pages.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary({"/Odd name#": pdf.make_stream(b"")}))
    del page["/MediaBox"]
    if "/Resources" in page:
        del page["/Resources"]
    pdf.save(tmp_path / "inherits.pdf", min_version="1.7")
    target = tmp_path / "all.pdf"
    combine_for_duplex([tmp_path / "inherits.pdf"], SIZE, target)
    assert target.read_bytes().startswith(b"%PDF-1.7\n")  # the newest version of the documents
    with pikepdf.open(target) as joined:
        first = joined.pages[0].obj
        assert first.MediaBox == pikepdf.Array([0, 0, 200, 300]) and first.Rotate == 90
        assert list(first.Resources.XObject.keys()) == ["/Odd name#"]  # written #20, #23 and read back
        assert len(joined.pages) == 2


def test_a_worksheet_that_is_not_a_pdf_is_one_line_of_error(versions, tmp_path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\nnot a PDF")
    with pytest.raises(BuildError, match="could not join the versions' worksheets") as error:
        combine_for_duplex([versions[0], broken], SIZE, tmp_path / "all.pdf")
    assert "\n" not in str(error.value)


def test_a_link_to_a_later_page_points_at_that_page_in_the_joined_file(tmp_path):
    pdf = pikepdf.new()
    for _ in range(2):
        pdf.add_blank_page(page_size=SIZE)
    second = pdf.pages[1].obj
    link = pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[0, 0, 10, 10],
                              Dest=pikepdf.Array([second, pikepdf.Name.Fit]))
    pdf.pages[0].obj.Annots = pikepdf.Array([link])  # (in the page itself: met while the page is written)
    pdf.save(tmp_path / "linked.pdf")
    target = tmp_path / "all.pdf"
    combine_for_duplex([tmp_path / "linked.pdf"], SIZE, target)
    with pikepdf.open(target) as joined:
        assert len(joined.pages) == 2
        assert sum(isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/Page" for o in joined.objects) == 2
        assert joined.pages[0].obj.Annots[0].Dest[0].objgen == joined.pages[1].obj.objgen


@pytest.mark.parametrize("title", ["Quiz 7 \u2014 all versions", "Résumé (中) \\ ✓", ""])
def test_the_joined_file_is_titled(versions, tmp_path, title):
    target = tmp_path / "all.pdf"
    combine_for_duplex(versions, SIZE, target, title)
    with pikepdf.open(target) as joined:
        assert str(joined.docinfo.get("/Title", "")) == title
        assert str(joined.docinfo.Creator) == "worksheets"
