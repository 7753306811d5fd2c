"""Shared test setup: the libraries as a build sets them up, and hypothesis profiles."""
from __future__ import annotations

from hypothesis import HealthCheck, settings

from worksheets.typeset import patches

# Tests that typeset or write PDFs without going through worksheets.output get the same
# libraries as a build.
patches.apply()

# Property-based tests: `make test` (and CI) run the bounded "ci" profile, the same
# examples every time; `pytest --hypothesis-profile=thorough` searches ten times longer.
_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("ci", max_examples=300, derandomize=True, **_COMMON)
settings.register_profile("thorough", max_examples=3000, **_COMMON)
settings.load_profile("ci")


# ---- one build of the course's sheets in every format, shared by the export and browser tests

import pytest  # noqa: E402

ALL_FORMATS = ("pdf", "html", "prairielearn", "canvas", "moodle")


@pytest.fixture(scope="session")
def all_formats(tmp_path_factory):
    """out/ of specs/backprop-practice.yaml, quiz-07.yaml and graphs.yaml built with every format."""
    from pathlib import Path

    from worksheets.build import build_sheet
    root, out = Path(__file__).resolve().parent.parent, tmp_path_factory.mktemp("all-formats")
    for name in ("backprop-practice", "quiz-07", "graphs"):
        build_sheet(root / "specs" / f"{name}.yaml", out, formats=ALL_FORMATS)
    return out
