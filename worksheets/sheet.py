"""A whole sheet spec: title, options and problems, loaded from a file."""
from __future__ import annotations

import difflib
import re
import typing
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import BaseModel, BeforeValidator, Field, ValidationError, model_validator

from . import conventions, yamlfile
from .conventions import Conventions
from .errors import SpecError, one_or_all
from .kinds import KINDS
from .limits import DEFAULT_FORMATS, FORMAT_NAMES, MAX_VERSIONS
from .spec import FieldError, Length, RandomRanges, Strict

MAX_INSTRUCTIONS = 5000  # characters

ProblemEntry = Annotated[Union[tuple(kind.spec for kind in KINDS.values())], Field(discriminator="kind")]


class SheetSpec(Strict):
    """A worksheet: its title, options and problems (one file in specs/)."""
    title: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        description="printed at the top of every page", examples=["Quiz 7 — Backpropagation"])
    # Wrapping is not linear in a word's length: a 900 KB word took 15 s. A page of
    # instructions is about 3,000 characters.
    instructions: Annotated[str, Field(max_length=MAX_INSTRUCTIONS)] | None = Field(
        None, description="a paragraph under the title", examples=["Show your work."])
    paper: Literal["letter", "a4"] = Field("letter", description="page size", examples=["a4"])
    versions: Annotated[int, Field(strict=True, ge=1, le=MAX_VERSIONS)] | None = Field(
        None, description="how many versions (A, B, ...) to draw from the random parts", examples=[4])
    seed: Annotated[int, Field(strict=True, ge=0, lt=2**63)] = Field(
        0, description="the seed of the random parts: the same seed gives the same versions", examples=[2026])
    random: RandomRanges | None = Field(None, description="default ranges of every problem's random parts",
                                        examples=[{"weights": [-3, 3], "inputs": [-2, 3], "max_value": 60}])
    work_space: Length = Field(0.0, description="blank space for working after each problem's parts",
                               examples=["3cm", "1in", 0])
    score_table: bool = Field(True, description="the points table on page 1 (when problems have points)",
                              examples=[False])
    large_print: bool = Field(False, description="also write worksheet-large.pdf and key-large.pdf: body text "
                              "18 pt, math, figures and answer space scaled with it (as --large-print)",
                              examples=[True])
    scan_marks: bool | None = Field(None, description="corner marks and a QR code on every worksheet page and a "
                                    "student-ID bubble grid on page 1, for grading scans (default: true for a "
                                    "sheet with versions)", examples=[False])
    id_digits: Annotated[int, Field(strict=True, ge=1, le=12)] = Field(
        8, description="digits of the student-ID bubble grid (with scan_marks)", examples=[8])
    answer_format: Literal["boxes", "bubbles"] = Field(
        "boxes", description="boxes to write answers in, or bubbles a scanner reads: numbers as digit "
        "bubbles, true/false as bubbles (a problem may set its own)", examples=["bubbles"])
    formats: Annotated[list[Literal[FORMAT_NAMES]], Field(min_length=1)] = Field(
        list(DEFAULT_FORMATS), description="what a build writes besides answers.json, answers.csv and the "
        "figures' SVG: pdf (worksheet and key), html (the accessible page), prairielearn, canvas, moodle",
        examples=[["pdf", "html"], ["pdf", "html", "moodle"]])
    conventions: Annotated[Conventions, BeforeValidator(lambda v: {} if v is None else v)] = Field(
        default_factory=Conventions, description="the course's notation: how weights are indexed, layer marks, "
        "δ, ReLU′(0); every default is this course's", examples=[{"weights": "to-from", "layer_mark": "bracket",
                                                                  "delta": True, "relu_at_zero": 0}])
    problems: Annotated[list[ProblemEntry], Field(min_length=1)] = Field(
        description="the problems, each with its `kind`")

    @model_validator(mode="after")
    def _unique_formats(self):
        for index, name in enumerate(self.formats):
            if name in self.formats[:index]:
                raise FieldError(f"'{name}' is listed twice", "formats", index)
        return self

    @model_validator(mode="after")
    def _unique_ids(self):
        seen = {}
        for index, problem in enumerate(self.problems):
            if problem.id is not None and problem.id in seen:
                raise FieldError(f"duplicate id '{problem.id}' (also problems[{seen[problem.id]}])",
                                 "problems", index, "id")
            seen.setdefault(problem.id, index)
        return self


def read_sheet(path: str | Path, display_name: str | None = None) -> tuple[SheetSpec, yamlfile.Document]:
    """The validated sheet and the YAML it came from (for line numbers and problem keys)."""
    document = yamlfile.load(path, display_name)
    if not isinstance(document.data, dict):
        raise SpecError("expected a mapping with title: and problems:", document.file, 1)
    _share_random_ranges(document.data)
    try:
        with conventions.use(_conventions_of(document.data)):  # problems are read in the sheet's notation
            return SheetSpec.model_validate(document.data), document
    except ValidationError as exc:
        raise one_or_all(_all_errors(exc, document)) from None


def _conventions_of(data: dict) -> Conventions:
    """The sheet's conventions, each wrong one at its default (and reported with the rest),
    so a mistake in one does not make the problems read in the wrong notation."""
    given = data.get("conventions")
    if not isinstance(given, dict):
        return conventions.DEFAULT
    valid = {}
    for key, value in given.items():
        try:
            Conventions.model_validate({key: value})
            valid[key] = value
        except ValidationError:  # a wrong delta: still read delta names (the sheet fails anyway)
            valid.update({"delta": True} if key == "delta" else {})
    return Conventions.model_validate(valid)


def _share_random_ranges(data: dict) -> None:
    """A sheet's `random:` applies to each problem that has none of its own."""
    ranges, problems = data.get("random"), data.get("problems")
    if isinstance(ranges, dict) and isinstance(problems, list):
        for problem in problems:
            if isinstance(problem, dict) and "random" not in problem:
                problem["random"] = ranges


def _all_errors(exc: ValidationError, document: yamlfile.Document) -> list[SpecError]:
    """Every error of the spec, one per key, in the order of the file."""
    found = [_located(error) for error in exc.errors(include_url=False)]
    # A value that fails both `random` and a number list reports both; the list's is the
    # useful one. A misspelt key also shows up as a missing one; the misspelling is the
    # better report.
    # A sheet's `random:` is shared by its problems (_share_random_ranges): its errors are
    # reported once, at the sheet.
    found = [f for f in found if not _shared_ranges(f[1], document.data)]
    misspelt = {path[:-1] for kind, path, _ in found if kind == "extra_forbidden"}
    errors = {}
    for index, (kind, path, message) in enumerate(found):
        if kind == "is_instance_of" and any(other[:len(path)] == path for j, (_, other, _) in enumerate(found)
                                            if j != index):
            continue
        if kind == "missing" and path[:-1] in misspelt:
            continue
        error = document.error(_single_architecture(path, document.data), message)
        # One mistake, one line: items of one list failing alike (a flat list for a matrix)
        # are reported at the first.
        same = (path[:-1], kind, error.line) if path and isinstance(path[-1], int) else (path, message)
        errors.setdefault(same, error)
    return sorted(errors.values(), key=lambda e: (e.line or 0, e.key))


def _shared_ranges(path: tuple, data) -> bool:
    """True for a path inside a problem's `random:` that is the sheet's."""
    if len(path) < 3 or path[0] != "problems" or path[2] != "random" or not isinstance(data, dict):
        return False
    try:
        return data["problems"][path[1]]["random"] is data.get("random")
    except (KeyError, IndexError, TypeError):
        return False


def _located(error: dict) -> tuple[str, tuple, str]:
    """(pydantic's error type, the path of the key as the user wrote it, the message)."""
    path, message = tuple(error["loc"]), describe(error)
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, FieldError):
        path, message = path + cause.subpath, cause.message
    # A discriminated union adds the tag to the path: problems.0.backprop.ask -> problems.0.ask
    # Unions add type tags to the path ("list[...]", "function-before[...]"): drop them too.
    path = tuple(p for i, p in enumerate(path)
                 if not (isinstance(p, str) and ((p in KINDS and i >= 2 and path[i - 2] == "problems")
                                                 or "[" in p)))
    return error["type"], path, message


def _single_architecture(path: tuple, data) -> tuple:
    """`layers: [2, 2, 1]` is validated as the one choice [[2, 2, 1]]; an error inside it
    is reported at layers[i], not layers[0][i]."""
    for i in range(len(path) - 1):
        if path[i] == "layers" and path[i + 1] == 0:
            value = data
            for part in path[:i + 1]:
                try:
                    value = value[part]
                except (KeyError, IndexError, TypeError):
                    return path
            if isinstance(value, list) and not all(isinstance(v, list) for v in value):
                return path[:i + 1] + path[i + 2:]
    return path


def _known_keys() -> set[str]:
    """Every key of every model a spec can contain (claims, random ranges included)."""
    keys: set[str] = set()
    models, seen = [SheetSpec, *(kind.spec for kind in KINDS.values())], set()
    while models:
        model = models.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, field in model.model_fields.items():
            keys.add(name)
            models.extend(_models_in(field.annotation))
    return keys


def _models_in(annotation) -> list[type[BaseModel]]:
    """The models a field holds: list[Claim], RandomRanges | None, Annotated[...]."""
    models, types = [], [annotation]
    while types:
        kind = types.pop()
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            models.append(kind)
        types.extend(typing.get_args(kind))
    return models


def _keys_at(loc: tuple) -> set[str]:
    """The keys allowed where an unknown key `loc[-1]` was found (every known key when the
    place cannot be told), so that a hint names a key of that mapping, not of another."""
    models: list = [SheetSpec]
    for step in loc[:-1]:
        if isinstance(step, int):
            continue
        if step in KINDS and not any(step in m.model_fields for m in models):
            models = [KINDS[step].spec]  # the tag pydantic puts in the path of a problem
            continue
        models = [inner for m in models if step in m.model_fields
                  for inner in _models_in(m.model_fields[step].annotation)]
        if not models:
            return _known_keys()
    return {name for m in models for name in m.model_fields}


def _key_list(keys: set[str]) -> str:
    """'activation, bias, layers, W1…W7, b1…b7': numbered keys as one run."""
    numbered: dict[str, list[int]] = {}
    plain = []
    for key in keys:
        match = re.fullmatch(r"([A-Za-z]+)(\d+)", key)
        if match:
            numbered.setdefault(match.group(1), []).append(int(match.group(2)))
        else:
            plain.append(key)
    plain += [f"{stem}{k}" for stem, n in numbered.items() if len(n) <= 2 for k in n]
    runs = [f"{stem}{min(n)}…{stem}{max(n)}" for stem, n in sorted(numbered.items()) if len(n) > 2]
    return ", ".join(sorted(plain) + runs)


def describe(error: dict) -> str:
    """One plain sentence for a pydantic error."""
    kind, loc, value = error["type"], error["loc"], _Shown(error.get("input"))
    ctx = error.get("ctx", {})
    if kind == "missing":
        return "missing an item: the list is too short" if loc and isinstance(loc[-1], int) \
            else "missing required key"
    if kind in _BOUNDS:
        words, bound = _BOUNDS[kind]
        return f"expected a number {words} {ctx[bound]}, got {value!r}"
    if kind == "string_too_short":
        return "expected text, got an empty value"
    if kind == "string_too_long":
        return f"{len(error['input']):,} characters; at most {ctx['max_length']} are allowed"
    if kind == "too_short":
        return f"expected at least {ctx['min_length']} item{'s' * (ctx['min_length'] != 1)}, got {ctx['actual_length']}"
    if kind == "too_long":
        return f"expected at most {ctx['max_length']} items, got {ctx['actual_length']}"
    if kind == "extra_forbidden":
        allowed = _keys_at(loc)
        hint = difflib.get_close_matches(str(loc[-1]), sorted(allowed), n=1)
        if hint:
            return f"unknown key (did you mean '{hint[0]}'?)"
        return f"unknown key (keys here: {_key_list(allowed)})" if len(allowed) <= 30 else "unknown key"
    if kind == "union_tag_invalid":
        tag = error["input"].get("kind")
        hint = difflib.get_close_matches(str(tag), sorted(KINDS), n=1)
        return (f"unknown kind {_Shown(tag)!r}" + (f" (did you mean '{hint[0]}'?)" if hint else "")
                + f"; kinds: {', '.join(sorted(KINDS))}")
    if kind == "union_tag_not_found":
        return f"missing required key 'kind' (one of: {', '.join(sorted(KINDS))})"
    if kind == "literal_error":
        expected = error["ctx"]["expected"]
        hint = difflib.get_close_matches(str(error.get("input")), [e.strip("'") for e in expected.split(" or ")
                                                      for e in e.split(", ")], n=1)
        return f"{value!r} is not one of {expected}" + (f" (did you mean '{hint[0]}'?)" if hint else "")
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"expected a whole number, got {value!r}"
    if kind in ("bool_type", "bool_parsing"):
        return f"expected true or false, got {value!r}"
    if kind in ("list_type", "tuple_type"):
        return f"expected a list, got {value!r}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"expected a mapping of keys, got {value!r}"
    if kind in ("string_type",):
        return f"expected text, got {value!r}"
    if kind == "value_error":
        return str(error["ctx"]["error"])
    return error["msg"]


_BOUNDS = {"greater_than_equal": ("of at least", "ge"), "less_than_equal": ("of at most", "le"),
           "greater_than": ("greater than", "gt"), "less_than": ("less than", "lt")}


class _Shown:
    """A value quoted in a message, cut to 40 characters (a value may be a whole file)."""

    def __init__(self, value):
        self.value = value

    def __repr__(self) -> str:
        text = repr(self.value)
        return text if len(text) <= 40 else text[:37] + "..."

    __str__ = __repr__
