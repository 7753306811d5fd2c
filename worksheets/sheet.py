"""A whole sheet spec: title, options and problems, loaded from a file."""
from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import Field, ValidationError, model_validator

from . import yamlfile
from .errors import SpecError
from .problems import KINDS
from .spec import FieldError, RandomRanges, Strict

MAX_VERSIONS = 1000

ProblemEntry = Annotated[Union[tuple(m.Spec for m in KINDS.values())], Field(discriminator="kind")]


class SheetSpec(Strict):
    title: Annotated[str, Field(min_length=1, max_length=200)]
    instructions: str | None = None
    paper: Literal["letter", "a4"] = "letter"
    versions: Annotated[int, Field(strict=True, ge=1, le=MAX_VERSIONS)] | None = None
    seed: Annotated[int, Field(strict=True, ge=0, lt=2**63)] = 0
    random: RandomRanges | None = None  # default ranges for every problem
    problems: Annotated[list[ProblemEntry], Field(min_length=1)]

    @model_validator(mode="after")
    def _unique_ids(self):
        seen = {}
        for index, problem in enumerate(self.problems):
            if problem.id is not None and problem.id in seen:
                raise FieldError(f"duplicate id '{problem.id}' (also problems[{seen[problem.id]}])",
                                 "problems", index, "id")
            seen.setdefault(problem.id, index)
        return self


def load_sheet(path: str | Path, display_name: str | None = None) -> SheetSpec:
    """The validated sheet, or SpecError naming file, line and key."""
    return read_sheet(path, display_name)[0]


def read_sheet(path: str | Path, display_name: str | None = None) -> tuple[SheetSpec, yamlfile.Document]:
    """The validated sheet and the YAML it came from (for line numbers and problem keys)."""
    document = yamlfile.load(path, display_name)
    if not isinstance(document.data, dict):
        raise SpecError("expected a mapping with title: and problems:", document.file, 1)
    _share_random_ranges(document.data)
    try:
        return SheetSpec.model_validate(document.data), document
    except ValidationError as exc:
        raise _first_error(exc, document) from None


def _share_random_ranges(data: dict) -> None:
    """A sheet's `random:` applies to each problem that has none of its own."""
    ranges, problems = data.get("random"), data.get("problems")
    if isinstance(ranges, dict) and isinstance(problems, list):
        for problem in problems:
            if isinstance(problem, dict) and "random" not in problem:
                problem["random"] = ranges


def _first_error(exc: ValidationError, document: yamlfile.Document) -> SpecError:
    errors = exc.errors(include_url=False)
    # A misspelt key also shows up as a missing one; the misspelling is the better report.
    # A value that fails both `random` and a number list reports both; the list's is the useful one.
    error = min(errors, key=lambda e: (e["type"] != "extra_forbidden", e["type"] == "is_instance_of"))
    path, message = tuple(error["loc"]), describe(error)
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, FieldError):
        path, message = path + cause.subpath, cause.message
    # A discriminated union adds the tag to the path: problems.0.backprop.ask -> problems.0.ask
    # Unions add type tags to the path ("list[...]", "function-before[...]"): drop them too.
    path = tuple(p for p in path if not (isinstance(p, str) and (p in KINDS or "[" in p)))
    return document.error(path, message)


def _known_keys() -> set[str]:
    keys = set(SheetSpec.model_fields)
    for module in KINDS.values():
        for name, field in module.Spec.model_fields.items():
            keys.add(name)
            keys.update(getattr(field.annotation, "model_fields", {}))
    from .spec import NetworkSpec
    return keys | set(NetworkSpec.model_fields)


def describe(error: dict) -> str:
    """One plain sentence for a pydantic error."""
    kind, loc, value = error["type"], error["loc"], error.get("input")
    if kind == "missing":
        return "missing required key"
    if kind == "extra_forbidden":
        hint = difflib.get_close_matches(str(loc[-1]), sorted(_known_keys()), n=1)
        return "unknown key" + (f" (did you mean '{hint[0]}'?)" if hint else "")
    if kind == "union_tag_invalid":
        hint = difflib.get_close_matches(str(value.get("kind")), sorted(KINDS), n=1)
        return (f"unknown kind '{value.get('kind')}'" + (f" (did you mean '{hint[0]}'?)" if hint else "")
                + f"; kinds: {', '.join(sorted(KINDS))}")
    if kind == "union_tag_not_found":
        return f"missing required key 'kind' (one of: {', '.join(sorted(KINDS))})"
    if kind == "literal_error":
        expected = error["ctx"]["expected"]
        hint = difflib.get_close_matches(str(value), [e.strip("'") for e in expected.split(" or ")
                                                      for e in e.split(", ")], n=1)
        return f"{value!r} is not one of {expected}" + (f" (did you mean '{hint[0]}'?)" if hint else "")
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"expected a whole number, got {value!r}"
    if kind in ("bool_type", "bool_parsing"):
        return f"expected true or false, got {value!r}"
    if kind in ("list_type",):
        return f"expected a list, got {value!r}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"expected a mapping of keys, got {value!r}"
    if kind in ("string_type",):
        return f"expected text, got {value!r}"
    if kind == "value_error":
        return str(error["ctx"]["error"])
    return error["msg"]
