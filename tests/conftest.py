"""Shared test setup."""
from __future__ import annotations

from worksheets.typeset import patches

# Tests that typeset or write PDFs without going through worksheets.output get the same
# libraries as a build.
patches.apply()
