"""prairielearn/questions/<sheet>-<problem>/: one PrairieLearn question per problem.

Each question holds every built version of its problem, frozen: server.py's generate()
picks one by data["variant_seed"] and fills data["params"] (the text, figures and inputs
of that version) and data["correct_answers"] (its numbers, as in answers.json); it needs
nothing but the standard library. question.html is a Mustache template over those params:
pl-figure for each figure (clientFilesQuestion/<V>-problem-NN.svg), pl-number-input with
atol = the answer's tolerance and rtol = 0, pl-multiple-choice for true/false and for
symbolic answers (the right expression among wrong ones made by real mistakes), and the
worked solution in pl-answer-panel.
"""
from __future__ import annotations

import hashlib
import json
import uuid

from ..document import Figure, Problem, Sheet
from . import lms


def files(sheets: list[Sheet], drawn: dict, warn=lambda message: None) -> dict[str, bytes]:
    out = {}
    for versions in lms.by_problem(sheets):
        folder = f"prairielearn/questions/{question_name(versions[0][0], versions[0][1])}"
        out[f"{folder}/info.json"] = _json(info(*versions[0], len(versions)))
        out[f"{folder}/question.html"] = QUESTION_HTML.encode()
        out[f"{folder}/server.py"] = server_py(versions).encode()
        for sheet, problem in versions:
            for figure in _figures(problem):
                out[f"{folder}/clientFilesQuestion/{lms.figure_file(sheet, figure)}"] = drawn[figure.spec].svg.encode()
    return out


def question_name(sheet: Sheet, problem: Problem) -> str:
    return f"{sheet.name}-{lms.problem_key(problem)}"


def question_uuid(sheet: Sheet, problem: Problem) -> str:
    """A version-4 UUID that stays the same from build to build (PrairieLearn tells
    questions apart by it): made from the sheet's name and the problem's id."""
    digest = hashlib.sha256(f"worksheets/{sheet.name}/{lms.problem_key(problem)}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def info(sheet: Sheet, problem: Problem, count: int) -> dict:
    data = {"uuid": question_uuid(sheet, problem), "type": "v3",
            "title": f"{sheet.title}: problem {problem.number}", "topic": sheet.title,
            "tags": ["worksheets", problem.kind]}
    if count == 1:
        data["singleVariant"] = True
    return data


def _json(data) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()


def _figures(problem: Problem):
    blocks = problem.intro + tuple(b for part in problem.parts for b in part.prompt + part.solution)
    return [b for b in blocks if isinstance(b, Figure)]


# --- the frozen versions ---------------------------------------------------------------

def version_params(sheet: Sheet, problem: Problem) -> tuple[dict, dict]:
    """(params, correct_answers) of one version of a problem."""
    def figure(f):
        return {"figure": {"file": lms.figure_file(sheet, f), "alt": lms.alt_text(f)}}

    def segments(blocks):
        return [figure(b) if isinstance(b, Figure) else {"text": lms.block_html(b, None)} for b in blocks]

    graded = lms.graded(sheet)
    parts, correct = [], {}
    for part in problem.parts:
        entry, name = graded[(problem.number, part.label)], f"part_{part.label}"
        item = {"label": part.label, "heading": lms.part_heading(problem, part),
                "prompt": segments(part.prompt), "solution": segments(part.solution)}
        kind = lms.kind_of(entry)
        if kind in ("number", "table"):
            item["inputs"] = [{"name": name + e.suffix, "label": rf"\({e.label}\)" if e.label else "",
                               "atol": repr(e.tolerance)} for e in lms.numeric_entries(entry)]
            correct.update({name + e.suffix: e.value for e in lms.numeric_entries(entry)})
        else:
            options = [("True", entry["answer"]), ("False", not entry["answer"])] if kind == "truefalse" \
                else lms.choices(part.answer)
            item["choice"] = {"name": name, "options": [{"text": text, "correct": "true" if right else "false"}
                                                        for text, right in options]}
        parts.append(item)
    return {"version": lms.version_label(sheet), "intro": segments(problem.intro), "parts": parts}, correct


def server_py(versions: list[tuple[Sheet, Problem]]) -> str:
    frozen = [dict(zip(("params", "correct_answers"), version_params(sheet, problem))) for sheet, problem in versions]
    sheet, problem = versions[0]
    return SERVER_PY.format(sheet=sheet.name, number=problem.number, count=len(frozen),
                            frozen=repr(json.dumps(frozen, ensure_ascii=False, sort_keys=True)))


SERVER_PY = '''"""Problem {number} of the sheet {sheet}, in its {count} built version(s), written by
worksheets. generate() picks one version by the variant seed; every number is frozen here
as the sheet's answers.json gives it (nothing is computed again)."""
import copy
import json

VERSIONS = json.loads({frozen})


def generate(data):
    version = VERSIONS[int(data["variant_seed"]) % len(VERSIONS)]
    data["params"].update(copy.deepcopy(version["params"]))
    data["correct_answers"].update(version["correct_answers"])
'''


def _segments(key: str) -> str:
    """Mustache for a list of segments (params text, or a figure) under key."""
    return ("{{#" + key + "}}{{{text}}}{{#figure}}<pl-figure file-name=\"{{file}}\" "
            "directory=\"clientFilesQuestion\" alt=\"{{alt}}\"></pl-figure>{{/figure}}{{/" + key + "}}")


QUESTION_HTML = """<pl-question-panel>
@intro@
</pl-question-panel>

{{#params.parts}}
<div class="card my-3"><div class="card-body">
<pl-question-panel>
<strong>{{heading}}</strong>
@prompt@
</pl-question-panel>
{{#inputs}}
<pl-number-input answers-name="{{name}}" label="{{label}}" comparison="relabs" rtol="0" atol="{{atol}}"></pl-number-input>
{{/inputs}}
{{#choice}}
<pl-multiple-choice answers-name="{{name}}">
{{#options}}<pl-answer correct="{{correct}}">{{{text}}}</pl-answer>
{{/options}}</pl-multiple-choice>
{{/choice}}
<pl-answer-panel>
@solution@
</pl-answer-panel>
</div></div>
{{/params.parts}}
""".replace("@intro@", _segments("params.intro")).replace("@prompt@", _segments("prompt")).replace(
    "@solution@", _segments("solution"))
