"""The template path (typeset.templates: drawings every version shares recorded once and
written as ready operators) against a full render: the same pages, pixel by pixel at
100 dpi (and the same bytes), on quiz-07 and the practice sheet."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from worksheets.build import build_sheet
from worksheets.typeset import templates

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
