"""Synthetic scans of a built sheet with bubble answers, as a class hands them in, and the
truth of what each student meant (for tests/test_grading.py and bench/bench.py).

Each student gets a version and an ID, and answers each bubble item right, wrong, not at
all, or (for parts that build on earlier ones) as it follows from their own earlier wrong
answer. Bubbles are filled as a pencil would: dark, or only partly; some rows carry an
erasure or a stray tick. A few items are made ambiguous on purpose (a faint fill, two
bubbles in one row): the truth lists them, as the grader must. Each page is then printed
(rasterized at 150, 200 or 300 dpi), turned up to ±3°, shifted, given noise and JPEG
compression; the students' packets come in random order, the pages after page 1 of a
packet shuffled, with one blank page, one upside-down page and one page of another
sheet mixed in.

Everything here is written apart from worksheets.grading: it reads only the built
files (answer-regions.json, answers.json, the worksheet PDFs).
"""
from __future__ import annotations

import io
import json
import random
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
import pypdfium2
from reportlab import rl_config
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

PENCIL = 55  # grey level of a pencil fill
FAINT = 165  # a fill too light to be sure of
ERASED = 224  # what an eraser leaves


@dataclass
class Student:
    id: str
    version: str
    meant: dict = field(default_factory=dict)  # item key -> value meant (None: left blank)
    ambiguous: set = field(default_factory=set)  # item keys marked so no one can be sure
    behaviour: dict = field(default_factory=dict)  # item key -> right|wrong|blank|ecf


@dataclass
class Truth:
    students: list[Student]
    odd_pages: dict = field(default_factory=dict)  # 1-based scan page -> "blank" | "other sheet"
    upside_down: int | None = None  # the scan page turned half round
    missing: tuple | None = None  # (student ID, page number) of the page left out
    pages: int = 0


def item_key(region: dict) -> tuple:
    entry = region.get("entry")
    return region["problem"], region["part"], tuple(entry) if entry is not None else None


def digits_of(value, fmt: dict) -> tuple[bool, str]:
    """(negative, the digits of each row) of a value in a region's digit format."""
    places = fmt["digits"] + fmt["decimals"]
    scaled = round(abs(value) * 10 ** fmt["decimals"])
    return value < 0, str(scaled).zfill(places)[-places:]


def fits(value, fmt: dict) -> bool:
    scaled = round(abs(value) * 10 ** fmt["decimals"])
    return len(str(scaled)) <= fmt["digits"] + fmt["decimals"]


class Sheet:
    """A built sheet: per version its regions, answers and worksheet pages as images."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.versions = json.loads((self.folder / "manifest.json").read_text())["versions"]
        self.regions = {v: json.loads((self.folder / v / "answer-regions.json").read_text()) for v in self.versions}
        self.answers = {v: json.loads((self.folder / v / "answers.json").read_text()) for v in self.versions}
        self._images: dict = {}

    def page_images(self, version: str, dpi: int) -> list[np.ndarray]:
        if (version, dpi) not in self._images:
            self._images[(version, dpi)] = render(self.folder / version / "worksheet.pdf", dpi)
        return self._images[(version, dpi)]

    def answer(self, version: str, key: tuple):
        problem, part, entry = key
        for p in self.answers[version]["problems"]:
            if p["number"] == problem:
                for q in p["parts"]:
                    if q["label"] == part:
                        value = q["answer"]
                        return value if entry is None else value[entry[0]][entry[1]]
        raise KeyError(key)


def render(pdf: Path, dpi: int) -> list[np.ndarray]:
    document = pypdfium2.PdfDocument(str(pdf))
    return [np.asarray(page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")).copy()
            for page in document]


def make_scans(sheet_folder, count: int, seed: int, out: Path, other_sheet_pdf: Path | None = None,
               ambiguous: int = 4, missing: bool = True, ecf=None) -> Truth:
    """Writes `count` students' scanned worksheets to `out` (one PDF) and returns the truth.
    With `missing`, one student's packet lacks a page. `ecf(version, key, meant)` is the
    value an item takes when it follows from the student's own earlier answers (None
    where nothing does); by default carried_forward's."""
    rng = random.Random(seed)
    sheet = Sheet(sheet_folder)
    ecf = carried_forward(sheet_folder) if ecf is None else ecf
    students = _students(sheet, count, rng, ambiguous, ecf)
    packets = []
    for student in students:
        pages = list(enumerate(_fill_pages(sheet, student, rng), start=1))
        packets.append((student, [pages[0]] + rng.sample(pages[1:], len(pages) - 1)))
    rng.shuffle(packets)
    truth = Truth([])
    flat: list[tuple] = []  # (image, dpi, turned half round)
    turned, lost = rng.sample(range(len(packets)), 2)
    for n, (student, student_pages) in enumerate(packets):
        truth.students.append(student)
        if missing and n == lost:
            number, _ = student_pages.pop()
            truth.missing = (student.id, number)
        for k, (number, (image, dpi)) in enumerate(student_pages):
            flat.append((image, dpi, n == turned and k == len(student_pages) - 1))
    blank_at, other_at = sorted(rng.sample(range(1, len(flat)), 2))
    extras = {blank_at: ("blank", None)}
    if other_sheet_pdf is not None:
        extras[other_at] = ("other sheet", render(other_sheet_pdf, 150)[0])
    pages = []
    for position, item in enumerate(flat):
        if position in extras:
            kind, image = extras[position]
            if image is None:
                image = np.full((1650, 1275), 250, np.uint8)
            pages.append((image, 150, False))
            truth.odd_pages[len(pages)] = kind
        pages.append(item)
        if item[2]:
            truth.upside_down = len(pages)
    _write_pdf([_as_scanned(image, dpi, upside, rng) for image, dpi, upside in pages], out)
    truth.pages = len(pages)
    return truth


def _students(sheet: Sheet, count: int, rng: random.Random, ambiguous: int, ecf) -> list[Student]:
    ids = rng.sample(range(10 ** 7, 10 ** 8), count)
    students = []
    for n in range(count):
        version = sheet.versions[n % len(sheet.versions)]
        student = Student(f"{ids[n]:08d}", version)
        for region in sheet.regions[version]["regions"]:
            if region["kind"] == "student-id":
                continue
            key = item_key(region)
            student.meant[key], student.behaviour[key] = _choose(sheet, version, region, key, student, rng, ecf)
        students.append(student)
    for student in rng.sample(students, min(ambiguous, count)):
        filled = [k for k, v in student.meant.items() if v is not None]
        student.ambiguous.add(rng.choice(filled))
    return students


def _choose(sheet, version, region, key, student, rng, ecf):
    right = sheet.answer(version, key)
    if region["kind"] == "true-false":
        roll = rng.random()
        return (None, "blank") if roll < 0.05 else (right, "right") if roll < 0.7 else (not right, "wrong")
    if region["kind"] == "choice":
        roll, wrong = rng.random(), [o for o in region["options"] if o != right]
        return (None, "blank") if roll < 0.05 else (right, "right") if roll < 0.65 else (rng.choice(wrong), "wrong")
    follows = ecf(version, key, student.meant) if ecf else None
    roll = rng.random()
    if follows is not None and follows != right and fits(follows, region) and roll < 0.5:
        return follows, "ecf"
    if roll < 0.05:
        return None, "blank"
    if roll < 0.72:
        return right, "right"
    for _ in range(100):
        places = region["digits"] + region["decimals"]
        wrong = rng.randrange(10 ** places) / 10 ** region["decimals"] * rng.choice((1, -1))
        wrong = int(wrong) if region["decimals"] == 0 else round(wrong, region["decimals"])
        if wrong != right and wrong != 0:
            return wrong, "wrong"
    raise AssertionError("no wrong value")


# --- pencil on paper ---------------------------------------------------------------------------

def _fill_pages(sheet: Sheet, student: Student, rng: random.Random) -> list:
    dpi = rng.choice((150, 150, 200, 300))
    images = [image.copy() for image in sheet.page_images(student.version, dpi)]
    scale = dpi / 72
    for region in sheet.regions[student.version]["regions"]:
        image = images[region["page"] - 1]
        radius = region["radius"] * scale
        bubbles = {(b["row"], b["value"]): (b["x"] * scale, b["y"] * scale) for b in region["bubbles"]}
        if region["kind"] == "student-id":
            chosen = [(k + 1, digit) for k, digit in enumerate(student.id)]
            ambiguous = False
        else:
            key = item_key(region)
            chosen = _bubbles_for(student.meant[key], region)
            ambiguous = key in student.ambiguous
        for n, spot in enumerate(chosen):
            _pencil(image, bubbles[spot], radius, rng, partial=rng.random() < 0.2)
        if ambiguous:
            _make_ambiguous(image, bubbles, chosen, radius, rng)
        rows = {row for row, _ in bubbles}
        for row in rows:  # erasures and stray ticks where nothing is meant
            free = [spot for spot in bubbles if spot[0] == row and spot not in chosen]
            if free and rng.random() < 0.08:
                _erasure(image, bubbles[rng.choice(free)], radius, rng)
            if free and rng.random() < 0.04:
                _tick(image, bubbles[rng.choice(free)], radius, rng)
    for image in images:
        if rng.random() < 0.5:  # a doodle in the margin
            x, y = rng.randrange(40, 200), rng.randrange(300, 1400)
            cv2.line(image, (x, y), (x + rng.randrange(20, 60), y + rng.randrange(-20, 20)), PENCIL, 2, cv2.LINE_AA)
    return [(image, dpi) for image in images]


def _bubbles_for(value, region: dict) -> list[tuple[int, str]]:
    if value is None:
        return []
    if region["kind"] == "true-false":
        return [(1, "T" if value else "F")]
    if region["kind"] == "choice":
        return [(1, str(region["options"].index(value)))]
    negative, digits = digits_of(value, region)
    return ([(0, "-")] if negative else []) + [(row, d) for row, d in enumerate(digits, start=1)]


def _pencil(image, centre, radius, rng, partial=False, level=PENCIL):
    """A pencil fill: the whole bubble, or (partial) most of it, with graphite texture."""
    x, y = centre
    if partial:
        angle = rng.uniform(0, 2 * np.pi)
        x, y = x + 0.25 * radius * np.cos(angle), y + 0.25 * radius * np.sin(angle)
        r = 0.8 * radius
    else:
        r = 0.95 * radius
    reach = int(radius) + 3
    left, top = int(x) - reach, int(y) - reach
    patch = image[top:top + 2 * reach + 1, left:left + 2 * reach + 1]
    shade = np.full(patch.shape, 255, np.uint8)
    centre = (int(round((x - left) * 4)), int(round((y - top) * 4)))
    cv2.circle(shade, centre, int(round(r * 4)), level, -1, cv2.LINE_AA, shift=2)
    grain = np.random.default_rng(rng.randrange(2 ** 32)).integers(0, 40, patch.shape)  # graphite
    shade = np.where(shade < 255, np.clip(shade.astype(int) + grain - 20, 0, 255), 255).astype(np.uint8)
    np.minimum(patch, shade, out=patch)


def _make_ambiguous(image, bubbles, chosen, radius, rng) -> None:
    """A second filled bubble in a row (a double mark) or a fill too faint to be sure of."""
    rows = sorted({row for row, _ in chosen} - {0})
    if rows and rng.random() < 0.5:
        row = rng.choice(rows)
        other = rng.choice([spot for spot in bubbles if spot[0] == row and spot not in chosen])
        _pencil(image, bubbles[other], radius, rng)
        return
    spot = rng.choice(chosen)
    x, y = bubbles[spot]
    r = int(round(radius * 1.1))
    box = image[int(y) - r:int(y) + r + 1, int(x) - r:int(x) + r + 1]
    box[box < 200] = 255  # the dark fill undone, then drawn faint
    _pencil(image, (x, y), radius, rng, level=FAINT)


def _erasure(image, centre, radius, rng) -> None:
    _pencil(image, centre, radius, rng, level=ERASED)


def _tick(image, centre, radius, rng) -> None:
    x, y = centre
    cv2.line(image, (int(x - radius), int(y + radius * 0.3)), (int(x + radius * 0.2), int(y + radius * 1.4)),
             PENCIL, 1, cv2.LINE_AA)


# --- the scanner ---------------------------------------------------------------------------------

SCANNER_MARGIN = 0.25  # inches of the scanner's glass around the paper, on each side
GLASS = 238  # its grey


def _as_scanned(image: np.ndarray, dpi: int, upside_down: bool, rng: random.Random) -> tuple[bytes, int]:
    """The page as a scanner sees it: the paper turned and shifted on a larger glass."""
    pad = int(SCANNER_MARGIN * dpi)
    height, width = image.shape[0] + 2 * pad, image.shape[1] + 2 * pad
    angle = rng.uniform(-3, 3)
    matrix = cv2.getRotationMatrix2D((image.shape[1] / 2, image.shape[0] / 2), angle, 1.0)
    matrix[:, 2] += (pad + rng.uniform(-12, 12) * dpi / 150, pad + rng.uniform(-12, 12) * dpi / 150)
    scanned = cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderValue=GLASS)
    if upside_down:
        scanned = np.ascontiguousarray(scanned[::-1, ::-1])
    noise = _noise(scanned.shape, rng)
    scanned = np.clip((scanned.astype(np.int16) * 31 >> 5) + noise, 0, 255).astype(np.uint8)
    ok, jpeg = cv2.imencode(".jpg", scanned, [cv2.IMWRITE_JPEG_QUALITY, rng.randrange(55, 86)])
    assert ok
    return jpeg.tobytes(), dpi


_NOISE: dict = {}


def _noise(shape, rng: random.Random) -> np.ndarray:
    """Sensor noise: a window at a random place of one larger field of it (cheaper than
    drawing it anew per page)."""
    if shape not in _NOISE:
        field_ = np.empty((shape[0] + 64, shape[1] + 64), np.int16)
        cv2.setRNGSeed(len(_NOISE) + 1)
        cv2.randn(field_, 0, 4)
        _NOISE[shape] = field_
    dy, dx = rng.randrange(64), rng.randrange(64)
    return _NOISE[shape][dy:dy + shape[0], dx:dx + shape[1]]


def _write_pdf(pages: list[tuple[bytes, int]], out: Path) -> None:
    rl_config.useA85 = 0  # as the project's own PDFs (output.pdf.prepare_libraries)
    glass = (612 + 144 * SCANNER_MARGIN, 792 + 144 * SCANNER_MARGIN)
    canvas = Canvas(str(out), pagesize=glass)
    for jpeg, dpi in pages:
        canvas.drawImage(ImageReader(io.BytesIO(jpeg)), 0, 0, width=glass[0], height=glass[1])
        canvas.showPage()
    canvas.save()


# --- what follows from a student's earlier answers (written apart from worksheets.grading.ecf) ----

def _g(name):
    return {"relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float)),
            "linear": (lambda z: z, lambda z: np.ones_like(z))}[name]


def carried_forward(sheet_folder):
    """follows(version, item key, values meant by key) -> the value the item takes from the
    values of the earlier parts of its problem, or None. Matrix passes in floats over
    ReLU/linear networks without a loss (quiz-07), the given values put in as they go."""
    sheet = Sheet(sheet_folder)

    def follows(version, key, meant):
        regions = sheet.regions[version]
        problem = next(p for p in regions["problems"] if p["number"] == key[0])
        net = problem["network"]
        if net is None or net["loss"] != "none":
            return None
        labels = [part["label"] for part in problem["parts"]]
        names = {item_key(r): _name(r) for r in regions["regions"] if r.get("problem") == key[0]}
        given = {names[k]: float(v) for k, v in meant.items() if k[0] == key[0] and v is not None
                 and not isinstance(v, bool) and labels.index(k[1]) < labels.index(key[1])}
        if not given:
            return None
        return _passes(net, given).get(names[key])

    return follows


def _name(region):
    name, entry = region["quantity"], region.get("entry")
    if entry is None:
        return name
    return f"{name}_{entry[0] + 1}{entry[1] + 1}" if "/dW" in name else f"{name}_{entry[1] + 1}"


def _passes(net, given):
    def fraction(v):
        return float(Fraction(v)) if isinstance(v, str) else float(v)

    depth = len(net["layers"]) - 1
    Ws = [np.array([[fraction(v) for v in row] for row in w]) for w in net["W"]]
    bs = [np.array([fraction(v) for v in b]) for b in net["b"]] if net["b"] else [np.zeros(n) for n in net["layers"][1:]]
    out = {}

    def override(prefix, vector, name_of=lambda j: f"_{j + 1}"):
        for j in range(len(vector)):
            name = prefix + name_of(j)
            if name in given:
                vector[j] = given[name]
            out[name] = vector[j]
        return vector

    acts, zs = [np.array([fraction(v) for v in net["x"]])], []
    for l in range(1, depth + 1):
        g = _g(net["output"] if l == depth else net["hidden"])
        zs.append(override(f"z{l}", Ws[l - 1].T @ acts[-1] + bs[l - 1]))
        acts.append(override(f"a{l}", g[0](zs[-1])))
    acts[-1] = override("H", acts[-1], lambda j: "")
    upstream = np.ones(1)
    for l in range(depth, 0, -1):
        slope = _g(net["output"] if l == depth else net["hidden"])[1]
        upstream = override(f"dH/da{l}", upstream)
        dz = override(f"dH/dz{l}", upstream * slope(zs[l - 1]))
        override(f"dH/db{l}", dz.copy())
        grid = np.outer(acts[l - 1], dz)
        for i, j in np.ndindex(grid.shape):
            out[f"dH/dW{l}_{i + 1}{j + 1}"] = given.get(f"dH/dW{l}_{i + 1}{j + 1}", grid[i, j])
        upstream = Ws[l - 1] @ dz
    override("dH/dx", upstream)
    return out
