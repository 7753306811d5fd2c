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
