"""canvas-qti.zip: the sheet as a QTI 1.2 package for Canvas classic quizzes
(Settings > Import course content > QTI .zip file).

Canvas grades one number per question, so every graded number (a part, or a cell of a
gradient table) is a question group that holds that number's question in every version;
a quiz draws one question per group. Each question repeats its problem's text and
figures. Numbers are numerical questions with an exact answer and a margin, the
tolerance of answers.json; true/false and symbolic parts are choice questions. Figures
are files of the package. Canvas turns a numeric answer smaller than 1e-4 into 0 (and a
margin as small into none): the build warns when one is.

Written with xml.etree: text2qti (the maintained QTI writer for Canvas) takes its own
Markdown quiz text, renders LaTeX through a Canvas server, and has no question groups
of given items, so the sheet's documents would be re-encoded into a format that
cannot hold them.
"""
from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal
from io import BytesIO

from ..document import Figure, Problem, Sheet
from . import lms

CANVAS_SMALLEST = 1e-4  # below this, Canvas classic quizzes store a numeric answer as 0
FILEBASE = "$IMS-CC-FILEBASE$"


def files(sheets: list[Sheet], drawn: dict, warn=lambda message: None) -> dict[str, bytes]:
    ident = _ident("assessment", sheets[0].name)
    images: dict[str, bytes] = {}
    assessment = _assessment(sheets, drawn, images, ident, warn)
    package = {f"{ident}/{ident}.xml": _xml(assessment)}
    package.update({f"figures/{name}": data for name, data in images.items()})
    package["imsmanifest.xml"] = _xml(manifest(ident, sorted(package)))
    return {"canvas-qti.zip": zipped(package)}


def zipped(package: dict[str, bytes]) -> bytes:
    """A zip of the files, sorted, every entry dated 1980-01-01: the same bytes every build."""
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(package):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            archive.writestr(info, package[name])
    return buffer.getvalue()


def _ident(*parts: str) -> str:
    return "g" + hashlib.sha256("/".join(parts).encode()).hexdigest()[:24]


def _xml(element: ET.Element) -> bytes:
    ET.indent(element)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(element, encoding="utf-8") + b"\n"


# --- the manifest -------------------------------------------------------------------------

def manifest(ident: str, paths: list[str]) -> ET.Element:
    root = ET.Element("manifest", identifier=_ident("manifest", ident),
                      xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1")
    metadata = ET.SubElement(root, "metadata")
    ET.SubElement(metadata, "schema").text = "IMS Content"
    ET.SubElement(metadata, "schemaversion").text = "1.1.3"
    ET.SubElement(root, "organizations")
    resources = ET.SubElement(root, "resources")
    for path in paths:
        if path.endswith(".xml"):
            resource = ET.SubElement(resources, "resource", identifier=ident, type="imsqti_xmlv1p2")
        else:
            resource = ET.SubElement(resources, "resource", identifier=_ident("file", path), type="webcontent", href=path)
        ET.SubElement(resource, "file", href=path)
    return root


# --- the assessment -----------------------------------------------------------------------

def _assessment(sheets: list[Sheet], drawn: dict, images: dict, ident: str, warn) -> ET.Element:
    root = ET.Element("questestinterop", xmlns="http://www.imsglobal.org/xsd/ims_qtiasiv1p2")
    assessment = ET.SubElement(root, "assessment", ident=ident, title=sheets[0].title)
    section = ET.SubElement(assessment, "section", ident="root_section")
    for versions in lms.by_problem(sheets):
        first_sheet, first = versions[0]
        for part_index, part in enumerate(first.parts):
            entry = lms.graded(first_sheet)[(first.number, part.label)]
            suffixes = [e.suffix for e in lms.numeric_entries(entry)] if "tolerance" in entry else [None]
            for suffix in suffixes:
                title = f"Problem {first.number}" + (f" ({part.label})" if len(first.parts) > 1 else "")
                group = ET.SubElement(section, "section", ident=_ident(ident, title, str(suffix)),
                                      title=title + (f" {suffix}" if suffix else ""))
                _pick_one(group, first.points, len(first.parts) * len(suffixes))
                for sheet, problem in versions:
                    group.append(_item(sheet, problem, part_index, suffix, drawn, images, warn))
    return root


def _pick_one(group: ET.Element, points: int | None, numbers: int) -> None:
    ordering = ET.SubElement(ET.SubElement(group, "selection_ordering"), "selection")
    ET.SubElement(ordering, "selection_number").text = "1"
    extension = ET.SubElement(ordering, "selection_extension")
    ET.SubElement(extension, "points_per_item").text = str(round((points or numbers) / numbers, 4))


def _item(sheet: Sheet, problem: Problem, part_index: int, suffix, drawn: dict, images: dict, warn) -> ET.Element:
    part = problem.parts[part_index]
    entry = lms.graded(sheet)[(problem.number, part.label)]
    kind = lms.kind_of(entry)
    question_type = {"number": "numerical_question", "table": "numerical_question",
                     "truefalse": "true_false_question", "choice": "multiple_choice_question"}[kind]
    version = f", version {sheet.version}" if sheet.version else ""
    item = ET.Element("item", ident=_ident(sheet.name, str(sheet.version), str(problem.number), part.label, str(suffix)),
                      title=f"Problem {problem.number}{version}")
    fields = ET.SubElement(ET.SubElement(item, "itemmetadata"), "qtimetadata")
    for label, value in (("question_type", question_type), ("points_possible", "1")):
        field = ET.SubElement(fields, "qtimetadatafield")
        ET.SubElement(field, "fieldlabel").text = label
        ET.SubElement(field, "fieldentry").text = value

    def figure_html(figure: Figure) -> str:
        name = lms.figure_file(sheet, figure)
        images[name] = drawn[figure.spec].svg.encode()
        return f'<p><img src="{FILEBASE}/figures/{name}" alt="{lms.escape(lms.alt_text(figure))}"></p>'

    html = [lms.blocks_html(problem.intro, figure_html)]
    html.append(f"<p><strong>{lms.part_heading(problem, part)}</strong></p>" + lms.blocks_html(part.prompt, figure_html))
    presentation = ET.SubElement(item, "presentation")
    if suffix is not None:
        number = next(e for e in lms.numeric_entries(entry) if e.suffix == suffix)
        if number.label:
            html.append(f"<p>Give the entry \\({number.label}\\).</p>")
        _check_canvas_can_store(number, sheet, problem, part, warn)
    _material(presentation, "\n".join(html))
    if suffix is not None:
        _numerical(item, presentation, number)
    else:
        options = [("True", entry["answer"]), ("False", not entry["answer"])] if kind == "truefalse" \
            else lms.choices(part.answer)
        _choices(item, presentation, options)
    return item


def _material(parent: ET.Element, html: str) -> None:
    ET.SubElement(ET.SubElement(parent, "material"), "mattext", texttype="text/html").text = html


def _numerical(item: ET.Element, presentation: ET.Element, number: lms.Entry) -> None:
    """Canvas's exact answer with a margin: the value, or anything within value ± margin."""
    response = ET.SubElement(presentation, "response_str", ident="response1", rcardinality="Single")
    ET.SubElement(ET.SubElement(response, "render_fib", fibtype="Decimal"), "response_label", ident="answer1")
    condition = _scored_condition(item)
    either = ET.SubElement(ET.SubElement(condition, "conditionvar"), "or")
    value, margin = Decimal(repr(number.value)), Decimal(repr(number.tolerance))
    ET.SubElement(either, "varequal", respident="response1").text = str(value)
    within = ET.SubElement(either, "and")
    ET.SubElement(within, "vargte", respident="response1").text = str(value - margin)
    ET.SubElement(within, "varlte", respident="response1").text = str(value + margin)
    ET.SubElement(condition, "setvar", action="Set", varname="SCORE").text = "100"


def _choices(item: ET.Element, presentation: ET.Element, options: list[tuple[str, bool]]) -> None:
    response = ET.SubElement(presentation, "response_lid", ident="response1", rcardinality="Single")
    choices = ET.SubElement(response, "render_choice")
    for index, (text, _) in enumerate(options):
        label = ET.SubElement(choices, "response_label", ident=f"choice{index}")
        _material(label, text)
    condition = _scored_condition(item)
    right = next(index for index, (_, correct) in enumerate(options) if correct)
    ET.SubElement(ET.SubElement(condition, "conditionvar"), "varequal", respident="response1").text = f"choice{right}"
    ET.SubElement(condition, "setvar", action="Set", varname="SCORE").text = "100"


def _scored_condition(item: ET.Element) -> ET.Element:
    processing = ET.SubElement(item, "resprocessing")
    outcomes = ET.SubElement(processing, "outcomes")
    ET.SubElement(outcomes, "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
    return ET.SubElement(processing, "respcondition", attrib={"continue": "No"})


def _check_canvas_can_store(number: lms.Entry, sheet: Sheet, problem: Problem, part, warn) -> None:
    for what, value in (("answer", number.value), ("margin", number.tolerance)):
        if 0 < abs(value) < CANVAS_SMALLEST:
            where = f"problem {problem.number} ({part.label})" + (f", version {sheet.version}" if sheet.version else "")
            warn(f"canvas-qti.zip: {where}: the {what} {value!r} is below 1e-4; "
                 "Canvas classic quizzes store it as 0")
