"""The HTML pages in a real browser: headless Chromium driven by Selenium opens every page
of the practice sheet and of quiz-07 and checks what a reader gets: no console errors,
every formula rendered (a MathML box of non-zero size), every figure with an accessible
name, and no serious or critical accessibility violation by axe-core. A screenshot of
each page is left in the test's temporary folder (the path is printed)."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# Without these, headless Chromium on a machine with no network waits on connections.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1000,1200")
PAGES = ["backprop-practice/index.html", "quiz-07/index.html",
         *(f"quiz-07/{v}/index.html" for v in "ABCD")]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    missing = [what for what, there in (("chromium", shutil.which("chromium")),
                                        ("chromedriver", shutil.which("chromedriver")),
                                        ("axe-core", AXE.is_file())) if not there]
    if missing:
        pytest.fail(f"missing {', '.join(missing)}: `make test` installs them")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory):
    folder = tmp_path_factory.mktemp("screenshots")
    print(f"\nscreenshots of the HTML pages: {folder}")
    return folder


def _open(browser, page: Path) -> None:
    browser.get_log("browser")  # the console messages of this page only, from here on
    browser.get(page.as_uri())


def _screenshot(browser, path: Path) -> None:
    """The whole page, as the reader sees it when it opens (answers closed)."""
    height = browser.execute_script("return document.documentElement.scrollHeight")
    shot = browser.execute_cdp_cmd("Page.captureScreenshot", {
        "captureBeyondViewport": True, "clip": {"x": 0, "y": 0, "width": 1000, "height": height, "scale": 1}})
    import base64
    path.write_bytes(base64.b64decode(shot["data"]))


@pytest.mark.parametrize("page", PAGES)
def test_page_in_a_browser(all_formats, browser, screenshots, page):
    _open(browser, all_formats / page)
    _screenshot(browser, screenshots / (page.replace("/", "-").removesuffix(".html") + ".png"))
    assert [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"] == []

    browser.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
    boxes = browser.execute_script(
        "return [...document.querySelectorAll('math')].map(m => m.getBoundingClientRect())"
        ".map(r => [r.width, r.height])")
    empty = [i for i, (w, h) in enumerate(boxes) if not (w > 0 and h > 0)]
    assert empty == []
    figures = browser.find_elements("css selector", "svg[role=img]")
    names = [figure.accessible_name for figure in figures]
    assert all(name.startswith(("A neural network", "A computational graph")) for name in names), names

    browser.execute_script(AXE.read_text())
    violations = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document).then(r => done(r.violations.map(v => [v.id, v.impact, v.nodes.map(n => n.html)])))")
    # Minor ones too (an empty corner header was one). axe counts no text in MathML, so a
    # header holding only math (i = 1) is reported as empty; that one is not a finding.
    findings = [v for v in violations
                if not (v[0] == "empty-table-header" and all("<math" in html for html in v[2]))]
    assert findings == []

    if page == "backprop-practice/index.html":  # the course page: 14 problems, 9 figures, math
        assert len(browser.find_elements("css selector", "h2")) == 14
        assert len(figures) == 9 and len(boxes) > 100
    elif page.endswith("A/index.html"):
        assert len(browser.find_elements("css selector", "h2")) == 5 and len(figures) == 5


def test_a_minus_after_a_parenthesis_or_relation_is_a_sign():
    from worksheets.output.html import mathml
    markup = mathml(r"z = 1(-2) + (-3)(1) = -5")
    assert markup.count('<mo form="prefix">&#x02212;</mo>') == 3  # (−2, (−3 and = −5; none is "a − b"
    assert mathml("a - b").count('form="prefix"') == 0


def test_a_figure_filled_into_its_template_is_written_as_parsed():
    """A figure of a frame's template is written from the template's inline SVG with its
    texts put in: the same string as parsing and writing its own SVG, on every figure of
    quiz-07's versions (and with a description holding an ampersand and angle brackets)."""
    from worksheets.build import Plan
    from worksheets.output import draw_figures, figures_of
    from worksheets.output.alt import describe
    from worksheets.output.html import _inline_template, figure_svg, inline_svg
    plan = Plan(Path(__file__).parent.parent / "specs" / "quiz-07.yaml", versions=6, jobs=1)
    templated = 0
    for v in range(plan.count):
        figures = figures_of(plan.sheet(v))
        drawn = draw_figures(figures)
        for figure in figures:
            rendered = drawn[figure.spec]
            for description in (describe(figure.spec), "a <b> & c"):
                assert figure_svg(rendered, figure.name, description) == \
                    inline_svg(rendered.svg, figure.name, description)
            templated += _inline_template(rendered.svg_parts, figure.name) is not None
    assert templated >= 3 * plan.count  # problems 1, 2 and 4 at least


def test_a_formula_with_numbers_put_in_its_shape_is_converted_as_a_whole():
    """A formula's MathML from its shape (converted once, numbers put in) is the MathML
    of converting it, whichever formula of that shape came first; shapes whose numbers
    are not each an <mn> of their own (a digit script, \\frac12, a width) are converted."""
    from worksheets.output.html import _converted, _numbered, mathml
    formulas = [r"z = 0.5 \cdot 1.2 + (-3)(2) = -5.4", r"z = 12 \cdot 7 + (-1)(0) = 84",
                r"\begin{pmatrix} 1 & -2.5 \\ 3 & 0.25 \end{pmatrix}", r"\begin{pmatrix} 9 & 8 \\ -7 & 6.5 \end{pmatrix}",
                r"x^{2}_{1} = 4", r"x^{3}_{10} = 1000", r"\frac{1}{2} + 0.5", r"\frac{3}{4} + 12.75",
                r"x_5 + 2", r"x_7 + 3", r"\frac12 + 1", r"\frac34 + 2", r"a = \blank{3em} + 1", r"a = \blank{2em} + 7",
                r"\text{1 of 2} = 3", r"\text{4 of 5} = 6", "1.5.2", "2.5.3", r"\sum_{i=1}^{3} w_i = 0.5"]
    for display in (False, True):
        for latex in formulas + formulas[::-1]:  # each shape first met with other numbers
            mathml.cache_clear()
            assert mathml(latex, display) == _converted(latex, display), latex
        _numbered.cache_clear()
    assert _numbered(r"z = 1000000 \cdot 1000001", 2, False) is not None  # templated, not converted each time
    from latex2mathml.converter import convert

    from worksheets.output.html import _atom_mathml
    for number in ("0", "7", "12", "0.25", "1000000", "10.125", "007"):  # written without latex2mathml
        for display in ("inline", "block"):
            assert _atom_mathml("ord", number, display == "block") == \
                convert(number, display=display).split("<mrow>")[1].split("</mrow>")[0], number
    for shape, count in ((r"x_1000000 + 1000001", 2), (r"\frac1000000 + 1000001", 2), ("1000000.1000001", 2),
                         (r"a = \blank{1000000em} + 1000001", 2)):
        assert _numbered(shape, count, False) is None, shape


def test_a_part_whose_steps_are_above_it_offers_its_answer_alone(all_formats):
    """Graphs: later derivatives follow from the steps of an earlier part; their toggle
    says "Answer", not "Answer and worked solution"."""
    page = (all_formats / "graphs" / "A" / "index.html").read_text()
    summaries = re.findall(r"<summary>([^<]*)</summary>\s*<p class=\"answer\">.*?</p>\s*(\S{0,9})", page, re.S)
    answers = json.loads((all_formats / "graphs" / "A" / "answers.json").read_text())
    assert len(summaries) == sum(len(p["parts"]) for p in answers["problems"])
    for summary, after in summaries:
        has_steps = after.startswith("<") and not after.startswith("</details")
        assert summary.startswith("Answer and worked solution" if has_steps else "Answer to part"), (summary, after)
    assert any(s.startswith("Answer to part") for s, _ in summaries)
