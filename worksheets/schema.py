"""The JSON Schema of the spec format, generated from the pydantic models, for editors
(`# yaml-language-server: $schema=...` on a spec's first line gives completion and
checking) and other tools. `python -m worksheets schema` prints it; the copy in schema/
is kept equal to it by a test."""
from __future__ import annotations

import json

from .sheet import SheetSpec

SCHEMA_FILE = "schema/worksheets.schema.json"  # in the repository, beside specs/


def spec_schema() -> dict:
    schema = SheetSpec.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "worksheets spec", **schema}


def schema_text() -> str:
    return json.dumps(spec_schema(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
