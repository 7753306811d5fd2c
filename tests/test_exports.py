"""The exports to learning platforms, read back and compared with answers.json: every
number and its tolerance, every true/false answer, every choice (all_formats: conftest)."""
from __future__ import annotations

import json
import runpy
from pathlib import Path

import jsonschema
import pytest

from worksheets.cli import main

SHEETS = ("backprop-practice", "quiz-07", "graphs")

# PrairieLearn's question schema (infoQuestion.json) as its documentation describes it:
# uuid, type, title and topic required; no keys but the documented ones.
PRAIRIELEARN_QUESTION = {
    "type": "object",
    "required": ["uuid", "type", "title", "topic"],
    "additionalProperties": False,
    "properties": {
        "uuid": {"type": "string",
                 "pattern": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"},
        "type": {"enum": ["Calculation", "MultipleChoice", "Checkbox", "File", "MultipleTrueFalse", "v3"]},
        "title": {"type": "string"}, "topic": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "comment": {}, "clientFiles": {"type": "array", "items": {"type": "string"}},
        "clientTemplates": {"type": "array", "items": {"type": "string"}}, "template": {"type": "string"},
        "gradingMethod": {"enum": ["Internal", "External", "Manual"]}, "singleVariant": {"type": "boolean"},
        "showCorrectAnswer": {"type": "boolean"}, "partialCredit": {"type": "boolean"},
        "options": {"type": "object"}, "externalGradingOptions": {"type": "object"},
        "dependencies": {"type": "object"}, "workspaceOptions": {"type": "object"},
        "sharingSets": {"type": "array", "items": {"type": "string"}}, "sharePublicly": {"type": "boolean"},
        "shareSourcePublicly": {"type": "boolean"},
    },
}


def answers_of(folder: Path) -> dict[str, dict]:
    """answers.json of every version, by version label ("A" for a sheet without versions)."""
    if (folder / "answers.json").exists():
        return {"A": json.loads((folder / "answers.json").read_text())}
    return {v.name: json.loads((v / "answers.json").read_text())
            for v in sorted(folder.iterdir()) if (v / "answers.json").exists()}


def numbers_of(part: dict) -> dict[str, tuple]:
    """suffix -> (value, tolerance) of an answers.json part with numbers."""
    value = part["answer"]
    if not isinstance(value, list):
        return {"": (value, part["tolerance"])}
    return {f"_{i}_{j}": (v, part["tolerance"]) for i, row in enumerate(value, 1) for j, v in enumerate(row, 1)}


def test_numeric_answers_carry_tolerances(all_formats):
    data = answers_of(all_formats / "graphs")
    parts = [part for version in data.values() for p in version["problems"] for part in p["parts"]]
    rounded = [p for p in parts if "decimals" in p]
    assert rounded and all(p["tolerance"] == 0.5 * 10 ** -p["decimals"] for p in rounded)
    assert all(p["tolerance"] == 0 for p in parts if "decimals" not in p)
    rows = (all_formats / "graphs" / "answers.csv").read_text().splitlines()
    assert rows[0].endswith(",tolerance") and rows[1].endswith(",0")


# --- PrairieLearn ---------------------------------------------------------------------

@pytest.mark.parametrize("sheet", SHEETS)
def test_prairielearn_questions(all_formats, sheet):
    questions = all_formats / sheet / "prairielearn" / "questions"
    answers = answers_of(all_formats / sheet)
    labels = list(answers)
    problems = answers[labels[0]]["problems"]
    folders = sorted(questions.iterdir())
    assert len(folders) == len(problems)
    uuids = set()
    for problem in problems:
        key = problem["id"] or f"problem-{problem['number']:02d}"
        folder = questions / f"{sheet}-{key}"
        info = json.loads((folder / "info.json").read_text())
        jsonschema.validate(info, PRAIRIELEARN_QUESTION)
        uuids.add(info["uuid"])
        assert info["uuid"][14] == "4" and info["type"] == "v3"
        generate = runpy.run_path(str(folder / "server.py"))["generate"]
        for seed in range(2 * len(labels)):  # each version, twice
            data = {"params": {}, "correct_answers": {}, "variant_seed": seed}
            generate(data)
            label = labels[seed % len(labels)]
            assert data["params"]["version"] == label
            _same_answers(data, answers[label]["problems"][problem["number"] - 1])
            for segment in data["params"]["intro"]:
                if "figure" in segment:
                    assert (folder / "clientFilesQuestion" / segment["figure"]["file"]).is_file()
                    assert segment["figure"]["alt"]
        html = (folder / "question.html").read_text()
        assert 'rtol="0" atol="{{atol}}"' in html and "<pl-figure" in html
    assert len(uuids) == len(problems)


def _same_answers(data: dict, problem: dict) -> None:
    """What generate() gives for one version against that version's answers.json."""
    for part, item in zip(problem["parts"], data["params"]["parts"], strict=True):
        name = f"part_{part['label']}"
        if "tolerance" in part:
            expected = numbers_of(part)
            assert {s: data["correct_answers"][name + s] for s in expected} == {s: v for s, (v, _) in expected.items()}
            assert [float(i["atol"]) for i in item["inputs"]] == [t for _, t in expected.values()]
        else:
            options = item["choice"]["options"]
            right = [o["text"] for o in options if o["correct"] == "true"]
            assert len(right) == 1 and len(options) >= 2
            if isinstance(part["answer"], bool):
                assert right == ["True" if part["answer"] else "False"]


# --- formats chosen ---------------------------------------------------------------------

def test_formats_on_the_command_line_and_in_the_spec(tmp_path):
    root = Path(__file__).resolve().parent.parent
    spec = tmp_path / "one.yaml"
    spec.write_text("title: One\nformats: [html]\nproblems:\n  - kind: loss-contribution\n    H: 3\n    y: 1\n")
    assert main(["build", str(spec), "--out", str(tmp_path / "out")]) == 0
    assert sorted(p.name for p in (tmp_path / "out" / "one").iterdir()) == [".build-stamp", "answers.csv", "answers.json", "index.html"]
    assert main(["build", str(spec), "--out", str(tmp_path / "out"), "--formats", "pdf,moodle"]) == 0
    assert sorted(p.name for p in (tmp_path / "out" / "one").iterdir()) == [
        ".build-stamp", "answers.csv", "answers.json", "key.pdf", "moodle.xml", "worksheet.pdf"]
    assert main(["build", str(root / "specs" / "quiz-07.yaml"), "--out", str(tmp_path / "out"),
                 "--formats", "html"]) == 0
    assert not (tmp_path / "out" / "quiz-07" / "all-worksheets.pdf").exists()
    assert (tmp_path / "out" / "quiz-07" / "index.html").is_file()


# --- Moodle -----------------------------------------------------------------------------

_FIELD = r"\{1:(NUMERICAL|MULTICHOICE(?:_V)?):((?:\\.|[^}\\])*)\}"


@pytest.mark.parametrize("sheet", SHEETS)
def test_moodle_cloze_answers_and_tolerances_are_answers_json(all_formats, sheet):
    import re
    import xml.etree.ElementTree as ET
    quiz = ET.parse(all_formats / sheet / "moodle.xml").getroot()
    answers = answers_of(all_formats / sheet)
    categories = [q.findtext("category/text") for q in quiz if q.get("type") == "category"]
    questions = [q for q in quiz if q.get("type") != "category"]
    problems = answers["A"]["problems"]
    assert len(categories) == len(problems) and len(questions) == len(problems) * len(answers)
    for index, question in enumerate(questions):
        problem_index, label = divmod(index, len(answers))
        problem = answers[list(answers)[label]]["problems"][problem_index]
        text = question.findtext("questiontext/text")
        images = re.findall(r'src="@@PLUGINFILE@@/([^"]+)"', text)
        assert sorted(set(images)) == sorted(f.get("name") for f in question.findall("questiontext/file"))
        if question.get("type") == "truefalse":
            right = [a.findtext("text") for a in question.findall("answer") if a.get("fraction") == "100"]
            assert right == [str(problem["parts"][0]["answer"]).lower()]
            continue
        fields = iter(re.findall(_FIELD, text))
        for part in problem["parts"]:
            if "tolerance" in part:
                for value, tolerance in numbers_of(part).values():
                    kind, body = next(fields)
                    answer, given_tolerance = body.removeprefix("=").rsplit(":", 1)
                    assert (kind, float(answer), float(given_tolerance)) == ("NUMERICAL", value, tolerance)
            else:
                kind, body = next(fields)
                options = re.split(r"(?<!\\)~", body)
                assert kind.startswith("MULTICHOICE") and sum(o.startswith("=") for o in options) == 1
                if isinstance(part["answer"], bool):
                    assert ("=True" if part["answer"] else "=False") in options
        assert next(fields, None) is None


# --- Canvas -------------------------------------------------------------------------------

@pytest.mark.parametrize("sheet", SHEETS)
def test_canvas_qti_answers_and_margins_are_answers_json(all_formats, sheet):
    import xml.etree.ElementTree as ET
    import zipfile
    from decimal import Decimal
    archive = zipfile.ZipFile(all_formats / sheet / "canvas-qti.zip")
    names = archive.namelist()
    assert names == sorted(names) and all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in archive.infolist())
    ns = {"cp": "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1", "q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"}
    manifest = ET.fromstring(archive.read("imsmanifest.xml"))
    listed = {f.get("href") for f in manifest.iterfind(".//cp:resource/cp:file", ns)}
    assert listed == set(names) - {"imsmanifest.xml"}
    [assessment_file] = [n for n in names if n.endswith(".xml") and n != "imsmanifest.xml"]
    root = ET.fromstring(archive.read(assessment_file))
    answers = answers_of(all_formats / sheet)
    labels = list(answers)
    expected, read = [], []
    for problem in answers["A"]["problems"]:
        for index, part in enumerate(problem["parts"]):
            suffixes = numbers_of(part) if "tolerance" in part else {None: None}
            for suffix in suffixes:
                for label in labels:
                    same = answers[label]["problems"][problem["number"] - 1]["parts"][index]
                    expected.append(numbers_of(same)[suffix] if suffix is not None else same["answer"])
    groups = root.findall("q:assessment/q:section/q:section", ns)
    for group in groups:
        assert group.findtext("q:selection_ordering/q:selection/q:selection_number", namespaces=ns) == "1"
        items = group.findall("q:item", ns)
        assert len(items) == len(labels)
        for item in items:
            kind = item.findtext(".//q:qtimetadatafield[q:fieldlabel='question_type']/q:fieldentry", namespaces=ns)
            condition = item.find("q:resprocessing/q:respcondition/q:conditionvar", ns)
            if kind == "numerical_question":
                value = Decimal(condition.findtext("q:or/q:varequal", namespaces=ns))
                low = Decimal(condition.findtext("q:or/q:and/q:vargte", namespaces=ns))
                high = Decimal(condition.findtext("q:or/q:and/q:varlte", namespaces=ns))
                assert value - low == high - value
                read.append((float(value), float(high - value)))
            else:
                right = condition.findtext("q:varequal", namespaces=ns)
                text = item.findtext(f".//q:response_label[@ident='{right}']/q:material/q:mattext", namespaces=ns)
                read.append(text == "True" if kind == "true_false_question" else "choice")
            for image in item.findtext("q:presentation/q:material/q:mattext", namespaces=ns).split('src="')[1:]:
                assert image.split('"')[0].replace("$IMS-CC-FILEBASE$/", "") in names
    assert len(read) == len(expected)
    for got, want in zip(read, expected):
        assert got == want if not isinstance(want, str) else got == "choice"


def test_canvas_warns_of_answers_below_1e_4(tmp_path):
    spec = tmp_path / "tiny.yaml"
    spec.write_text("title: Tiny\nformats: [canvas]\nproblems:\n  - kind: graph-backprop\n"
                    "    graph: {x: 1, f: x / 100000}\n    ask: [df/dx]\n    decimals: 6\n")
    from worksheets.build import build_sheet
    plan = build_sheet(spec, tmp_path / "out")
    assert any("below 1e-4" in warning and "Canvas" in warning for warning in plan.warnings), plan.warnings
