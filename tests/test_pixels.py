"""The template path (typeset.templates: drawings every version shares recorded once and
written as ready operators) against a full render: the same pages, pixel by pixel at
100 dpi (and the same bytes), on quiz-07 and the practice sheet."""
from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Spacer

from worksheets.build import build_sheet
from worksheets.output.pdf import _Group, _Row, prepare_libraries
from worksheets.typeset import templates
from worksheets.typeset.fonts import REGULAR
from worksheets.typeset.inline import InlineParagraph, Styled

ROOT = Path(__file__).resolve().parent.parent
PDFS = {"quiz-07": ["A/worksheet.pdf", "B/worksheet.pdf", "B/key.pdf"],
        "backprop-practice": ["worksheet.pdf", "key.pdf"]}


def pages(pdf: Path, folder: Path) -> list[bytes]:
    """Each page as pdftoppm draws it at 100 dpi (PPM: a header, then raw pixels)."""
    folder.mkdir()
    subprocess.run(["pdftoppm", "-r", "100", str(pdf), str(folder / "page")], check=True)
    return [page.read_bytes() for page in sorted(folder.glob("page-*.ppm"))]


@pytest.mark.parametrize("sheet", sorted(PDFS))
def test_templates_draw_the_pages_of_a_full_render(tmp_path, monkeypatch, sheet):
    spec = ROOT / "specs" / f"{sheet}.yaml"
    versions = 2 if sheet == "quiz-07" else None
    templates.COUNTS.clear()
    templated = build_sheet(spec, tmp_path / "templated", versions=versions, jobs=1).target
    assert templates.COUNTS["replayed"] > 0  # the template path was taken
    monkeypatch.setattr(templates, "ENABLED", False)
    templates.COUNTS.clear()
    full = build_sheet(spec, tmp_path / "full", versions=versions, jobs=1).target
    assert not templates.COUNTS  # every flowable drawn in full
    for name in PDFS[sheet]:
        folder = name.replace("/", "-")
        ours, theirs = pages(templated / name, tmp_path / f"t-{folder}"), pages(full / name, tmp_path / f"f-{folder}")
        assert len(ours) == len(theirs) > 0
        for number, (mine, reference) in enumerate(zip(ours, theirs), start=1):
            assert mine == reference, f"{sheet}/{name}: page {number} differs"
        assert (templated / name).read_bytes() == (full / name).read_bytes()


def _drawn_places(documents: int, saying: str = "ab") -> list[list[tuple]]:
    """Per document, where each part of a row of two (those in `saying`) says it is drawn:
    a row inside a group at one place of the page, as a worksheet draws a problem's parts."""
    places = []
    for _ in range(documents):
        said: list[tuple] = []
        canvas = Canvas(io.BytesIO(), initialFontName=REGULAR)
        heading = InlineParagraph([Styled("left right")])  # (what first uses a character is never replayed)
        heading.wrapOn(canvas, 314.0, 500.0)
        heading.drawOn(canvas, 72.5, 700.0)
        parts = [_Group([InlineParagraph([Styled(text)])], indent=12.0) for text in ("left", "right")]
        for label, part in zip("ab", parts):
            if label in saying:
                part.on_draw = lambda c, w, h, label=label: said.append((label, c.absolutePosition(0, 0), w, h))
        piece = _Group([Spacer(1, 6), _Row([(parts[0], 150.0), (parts[1], 150.0)], 14.0)])
        piece.wrapOn(canvas, 314.0, 500.0)
        piece.drawOn(canvas, 72.5, 300.25)
        canvas.save()
        places.append(said)
    return places


def test_a_replayed_drawing_still_says_where_each_part_in_it_is(monkeypatch):
    prepare_libraries()
    templates.COUNTS.clear()
    # The piece is drawn in full where its parts' words are met first, then asked for,
    # then recorded; from the fourth document on it is replayed whole.
    replayed = _drawn_places(3)
    templates.COUNTS.clear()
    replayed += _drawn_places(2)
    assert templates.COUNTS["replayed"] == 2
    monkeypatch.setattr(templates, "ENABLED", False)
    full = _drawn_places(1)[0]
    assert [label for label, *_ in full] == ["a", "b"] and full[0][1] != full[1][1]
    assert all(places == full for places in replayed)


def test_a_drawing_is_replayed_only_where_the_same_parts_say_where_they_are(monkeypatch):
    prepare_libraries()
    monkeypatch.setattr(templates, "ENABLED", False)
    full = {saying: _drawn_places(1, saying)[0] for saying in ("a", "b")}
    monkeypatch.setattr(templates, "ENABLED", True)
    templates.COUNTS.clear()
    for saying in ("a", "a", "a", "b", "b", "b"):  # the same drawing, b saying where after a did
        assert _drawn_places(1, saying)[0] == full[saying]
    assert templates.COUNTS["replayed"] > 0
