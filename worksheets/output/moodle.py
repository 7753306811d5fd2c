"""moodle.xml: the sheet as Moodle XML, for Question bank > Import.

One category per problem holding one question per version, so a quiz's "random question
from a category" gives each student one version. A problem of one true/false part is a
truefalse question; every other problem is an embedded-answers (Cloze) question with a
NUMERICAL field per number (tolerance as in answers.json) and a MULTICHOICE field per
true/false or symbolic part. Figures are embedded in the file (base64), with their text
description as alt text; the worked solution is the general feedback.

Written with xml.etree: Moodle XML is a small, stable format, and none of the Python
packages for it that were looked at (converters from spreadsheets, GIFT or other quiz
formats) writes Cloze questions from documents like ours.
"""
from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from html import escape

from ..document import Figure, Problem, Sheet
from . import lms


def files(sheets: list[Sheet], drawn: dict, warn=lambda message: None) -> dict[str, bytes]:
    quiz = ET.Element("quiz")
    for versions in lms.by_problem(sheets):
        sheet, problem = versions[0]
        quiz.append(_category(sheet, problem))
        for version_sheet, version in versions:
            quiz.append(question(version_sheet, version, drawn))
    ET.indent(quiz)
    return {"moodle.xml": b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="utf-8") + b"\n"}


def category_path(sheet: Sheet, problem: Problem) -> str:
    title = sheet.title.replace("/", "//")  # a single / separates categories in Moodle
    return f"$course$/top/{title}/Problem {problem.number}"


def _category(sheet: Sheet, problem: Problem) -> ET.Element:
    element = ET.Element("question", type="category")
    _text(ET.SubElement(element, "category"), category_path(sheet, problem))
    return element


def question(sheet: Sheet, problem: Problem, drawn: dict) -> ET.Element:
    graded = lms.graded(sheet)
    entries = [graded[(problem.number, part.label)] for part in problem.parts]
    true_false = len(entries) == 1 and lms.kind_of(entries[0]) == "truefalse"
    element = ET.Element("question", type="truefalse" if true_false else "cloze")
    name = f"{sheet.title}: problem {problem.number}" + (f", version {sheet.version}" if sheet.version else "")
    _text(ET.SubElement(element, "name"), name)
    figures: list[Figure] = []  # of the text being written; its files go with it
    figure_html = _figure_writer(sheet, figures)
    body = [lms.blocks_html(problem.intro, figure_html)]
    if true_false:
        body.append(lms.blocks_html(problem.parts[0].prompt, figure_html))
    else:
        body += [_cloze_part(problem, part, entry, figure_html) for part, entry in zip(problem.parts, entries)]
    _html_field(element, "questiontext", "\n".join(body), figures, sheet, drawn)
    figures.clear()
    feedback = "\n".join(f"<p><strong>{lms.part_heading(problem, part)}</strong></p>"
                         + lms.blocks_html(part.solution, figure_html) for part in problem.parts)
    _html_field(element, "generalfeedback", feedback, figures, sheet, drawn)
    ET.SubElement(element, "defaultgrade").text = str(problem.points or len(problem.parts))
    ET.SubElement(element, "penalty").text = "0"
    ET.SubElement(element, "hidden").text = "0"
    if true_false:
        _true_false_answers(element, entries[0]["answer"])
    return element


def _figure_writer(sheet: Sheet, figures: list[Figure]):
    """figure_html for lms.blocks_html: an <img> of an embedded file, noted in figures."""
    def figure_html(figure: Figure) -> str:
        figures.append(figure)
        return (f'<p><img src="@@PLUGINFILE@@/{lms.figure_file(sheet, figure)}" '
                f'alt="{escape(lms.alt_text(figure))}"></p>')
    return figure_html


def _html_field(element: ET.Element, tag: str, html: str, figures: list[Figure], sheet: Sheet, drawn: dict) -> None:
    """An HTML text of the question with the images it shows embedded in it (base64)."""
    field = ET.SubElement(element, tag, format="html")
    _text(field, html)
    for figure in dict.fromkeys(figures):
        attached = ET.SubElement(field, "file", name=lms.figure_file(sheet, figure), path="/", encoding="base64")
        attached.text = base64.b64encode(drawn[figure.spec].svg.encode()).decode()


def _cloze_part(problem: Problem, part, entry: dict, figure_html) -> str:
    heading = lms.part_heading(problem, part)
    prompt = lms.blocks_html(part.prompt, figure_html)
    if heading:
        prompt = f"<p><strong>{heading}</strong></p>\n{prompt}"
    kind = lms.kind_of(entry)
    if kind in ("number", "table"):
        fields = [(f"\\({e.label}\\): " if e.label else "") + numerical(e.value, e.tolerance)
                  for e in lms.numeric_entries(entry)]
        return prompt + "\n<p>" + "<br>\n".join(fields) + "</p>"
    options = [("True", entry["answer"]), ("False", not entry["answer"])] if kind == "truefalse" \
        else lms.choices(part.answer)
    return prompt + "\n<p>" + multichoice(options, vertical=kind == "choice") + "</p>"


def numerical(value, tolerance) -> str:
    """A Cloze NUMERICAL field: {1:NUMERICAL:=answer:tolerance}."""
    return f"{{1:NUMERICAL:={_number(value)}:{_number(tolerance)}}}"


def multichoice(options: list[tuple[str, bool]], vertical: bool = False) -> str:
    """A Cloze MULTICHOICE field, the right option marked with =: a drop-down, or radio
    buttons one under the other (MULTICHOICE_V) for options with math, which a
    drop-down cannot typeset."""
    return "{1:MULTICHOICE" + ("_V" if vertical else "") + ":" + "~".join(("=" if right else "") + cloze_escaped(text) for text, right in options) + "}"


def cloze_escaped(text: str) -> str:
    """Text inside a Cloze field: the characters that end or split a field are escaped."""
    for character in "\\}#~/\"":
        text = text.replace(character, "\\" + character)
    return text


def _number(value) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def _true_false_answers(element: ET.Element, answer: bool) -> None:
    for word in ("true", "false"):
        option = ET.SubElement(element, "answer", fraction="100" if (word == "true") == answer else "0",
                               format="moodle_auto_format")
        ET.SubElement(option, "text").text = word
        _text(ET.SubElement(option, "feedback", format="html"), "")


def _text(parent: ET.Element, value: str) -> None:
    ET.SubElement(parent, "text").text = value
