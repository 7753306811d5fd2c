"""Limits and names the command line checks its options against before anything heavy
is imported (an unchanged build only compares a stamp; see cli._build)."""
from __future__ import annotations

MAX_VERSIONS = 10_000  # a class set; a MOOC's 100,000 is several builds (README, Speed)
# What a build can write (`formats:` in a spec, --formats on the command line); answers.json,
# answers.csv, manifest.json and figures/*.svg are written whatever the choice.
FORMAT_NAMES = ("pdf", "html", "prairielearn", "canvas", "moodle")
DEFAULT_FORMATS = ("pdf", "html")
