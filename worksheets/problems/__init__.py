"""Problem kinds and what they share.

Each kind is one module that declares `KIND = Kind(...)` (kind.py: the interface);
worksheets.kinds collects them. The other modules are the kinds' shared helpers, one
job each: checked values (checked), part labels (parts), wording, formulas, the
network figure (figure), worked chain-rule steps (chain), symbolic checks (symbolic),
required values (values) and the numbers the version rules look at (arithmetic).
"""
