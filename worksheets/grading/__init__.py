"""Grading scanned worksheets: `python -m worksheets grade SCANS.pdf... --sheet out/<sheet>`.

    pages (page.py)      every scanned page: corner marks -> homography, QR code -> sheet,
                         version and page
    packets (here)       a student's pages: a page 1 (with the ID) and the pages after it
    readings (read.py)   each answer's bubbles -> a value, or a doubt
    marks (marking.py)   each value against the version's answers.json and tolerance
                         (with --ecf also against what follows from the student's own
                         earlier answers)
    report (report.py)   grades.csv, and review.pdf with everything a person must decide

Nothing is guessed: a page, an ID or an answer that cannot be read with confidence goes
to review.pdf, and its points stay open in grades.csv.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import pypdfium2
import pypdfium2.raw
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from ..errors import BuildError
from .ecf import carried_forward
from .marking import Row, items_of, key_of, mark_packet
from .page import ScannedPage, read_page
from .read import Reading, read_regions
from .report import grades_csv, review_pdf

DPI = 150  # scans are read at this resolution: bubbles are 17 pixels across
MAX_PIXELS = 4000  # on a page's longer side: a page of a poster's size is read smaller


@dataclass
class Built:
    """The built sheet the scans are of: per version its regions and answers."""
    folder: Path
    name: str
    code: str
    versions: list[str]
    regions: dict  # version -> answer-regions.json
    answers: dict  # version -> answers.json

    @classmethod
    def load(cls, folder: Path) -> "Built":
        """A sheet with versions (manifest.json, <V>/...) or one without (its files at the
        top, version None)."""
        manifest_path = folder / "manifest.json"
        if manifest_path.is_file():
            manifest = _json(manifest_path)
        elif (folder / "answer-regions.json").is_file():
            if folder.name in _versions_beside(folder):
                raise BuildError(f"{folder}: one version of a sheet; give the sheet's folder: --sheet {folder.parent}")
            manifest = {"sheet": _json(folder / "answer-regions.json")["sheet"], "versions": [None]}
        else:
            raise BuildError(f"{folder}: not a built sheet with scan marks (no manifest.json, no answer-regions.json)")
        regions, answers = {}, {}
        for version in manifest["versions"]:
            path = folder / (version or "") / "answer-regions.json"
            if not path.is_file():
                raise BuildError(f"{path}: missing; build the sheet with scan_marks: true")
            regions[version] = _json(path)
            answers[version] = _json(folder / (version or "") / "answers.json")
        code = regions[manifest["versions"][0]]["code"]
        if not code:
            raise BuildError(f"{folder}: the sheet has no scan marks; build it with scan_marks: true")
        return cls(folder, manifest["sheet"], code, manifest["versions"], regions, answers)

    def page_count(self, version: str) -> int:
        return max(r["page"] for r in self.regions[version]["regions"]) if self.regions[version]["regions"] else 1

    def pages_of(self, version: str) -> int:
        return self.regions[version].get("pages") or self.page_count(version)


def _why_unreadable(path: Path, exc: Exception) -> str:
    """PDFium opens no PDF without pages (and says "Success"): that one is named as such."""
    try:
        pages = len(PdfReader(path).pages)
    except (PyPdfError, OSError, ValueError):
        pages = None
    return "the PDF has no pages to grade" if pages == 0 else f"cannot be read as a PDF ({exc})"


def _versions_beside(folder: Path) -> list:
    """The versions of the sheet whose folder holds this one (none when it is not a version)."""
    try:
        return list(json.loads((folder.parent / "manifest.json").read_text()).get("versions", []))
    except (OSError, ValueError, AttributeError):
        return []


def _json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BuildError(f"{path}: cannot be read ({exc}); build the sheet again") from None


@dataclass
class Packet:
    """One student's pages: page 1 and the pages that followed it in the scan."""
    version: str
    pages: dict = field(default_factory=dict)  # page number -> ScannedPage
    readings: list[Reading] = field(default_factory=list)


@dataclass
class Review:
    """Something a person must decide: on a page (with boxes to look at) or about a packet."""
    reason: str
    page: ScannedPage | None = None
    boxes: list = field(default_factory=list)  # (x0, y0, x1, y1) in page points
    student: str | None = None
    keys: list = field(default_factory=list)  # the items in doubt
    near: ScannedPage | None = None  # for one without a page: the page it is about (its order)

    @property
    def order(self) -> int:
        page = self.page or self.near
        return page.serial if page is not None else 0


def scanned_pages(paths: list[Path], dpi: float = DPI):
    """(source name, 1-based index, grey image, its dots per inch) of every page."""
    for path in paths:
        try:
            document = pypdfium2.PdfDocument(str(path))
        except (pypdfium2.PdfiumError, OSError) as exc:
            raise BuildError(f"{path}: {_why_unreadable(path, exc)}") from None
        for index in range(len(document)):
            page = document[index]
            scanned = _scanner_image(page)
            if scanned is None:  # anything else: drawn as a whole (a huge page smaller)
                scale = min(dpi / 72, MAX_PIXELS / max(page.get_size()))
                bitmap = page.render(scale=scale, grayscale=True)
                pixels = bitmap.to_numpy()
                scanned = np.ascontiguousarray(pixels[:, :, 0] if pixels.ndim == 3 else pixels), scale * 72
            yield path.name, index + 1, *scanned
            page.close()
        document.close()


def _scanner_image(page) -> tuple[np.ndarray, float] | None:
    """The fast path: a page that is one upright JPEG covering it, as scanners write
    them, decoded as it is (a quarter of the time of rendering the page)."""
    images = list(page.get_objects(filter=(pypdfium2.raw.FPDF_PAGEOBJ_IMAGE,), max_depth=1))
    if len(images) != 1 or page.get_rotation() != 0 or images[0].get_filters() != ["DCTDecode"]:
        return None
    image = images[0]
    a, b, c, d, _, _ = image.get_matrix().get()
    width, height = page.get_size()
    if b or c or a < 0.95 * width or d < 0.95 * height:
        return None
    data = np.frombuffer(bytes(image.get_data(decode_simple=False)), np.uint8)
    dpi, longest = image.get_px_size()[0] / (a / 72), max(image.get_px_size())
    # 300 dpi and more is read at half the resolution (or less, for a huge image)
    flag = next((f for f, n in ((cv2.IMREAD_GRAYSCALE, 1), (cv2.IMREAD_REDUCED_GRAYSCALE_2, 2),
                                (cv2.IMREAD_REDUCED_GRAYSCALE_4, 4), (cv2.IMREAD_REDUCED_GRAYSCALE_8, 8))
                 if dpi / n <= 250 and longest / n <= MAX_PIXELS), None)
    if flag is None:
        return None
    pixels = cv2.imdecode(data, flag)
    if pixels is None:
        return None
    return pixels, pixels.shape[1] / (a / 72)


def read_scans(paths: list[Path], built: Built, dpi: float = DPI) -> tuple[list[Packet], list[Review], int]:
    """Every page read and sorted into students' packets; what could not be placed or
    read; the number of pages."""
    packets: list[Packet] = []
    count = 0
    reviews: list[Review] = []
    current: Packet | None = None
    pagesize = built.regions[built.versions[0]]["page_size"]
    for source, index, image, image_dpi in scanned_pages(paths, dpi):
        page = read_page(source, index, image, image_dpi, pagesize)
        count += 1
        page.serial = count
        problem = page.problem or _foreign(page, built)
        if problem:
            reviews.append(Review(f"{page.where}: {problem}", page))
            continue
        version, number = page.code.version, page.code.page
        if number == 1:
            current = Packet(version)
            packets.append(current)
        elif current is None or current.version != version or number in current.pages:
            reviews.append(Review(f"{page.where}: page {number} of version {version} does not follow "
                                  f"a page 1 of its version; whose is it?", page))
            continue
        current.pages[number] = page
        regions = [r for r in built.regions[version]["regions"] if r["page"] == number]
        current.readings += read_regions(page, regions)
    return packets, reviews, count


def _foreign(page: ScannedPage, built: Built) -> str | None:
    code = page.code
    if code.code != built.code:
        return f"a page of another sheet ({code.name or '?'}, spec {code.code}), not of {built.name} ({built.code})"
    if code.version not in built.versions:
        return f"version {code.version} is not one of {built.name}'s"
    return None


@dataclass
class Graded:
    rows: list
    items: list
    reviews: list
    pages: int
    pagesize: tuple


def grade(scans: list[Path], sheet_folder: Path, ecf: bool = False, dpi: float = DPI) -> Graded:
    """Reads the scans and grades each student's packet (nothing written)."""
    built = Built.load(sheet_folder)
    packets, reviews, pages = read_scans(scans, built, dpi)
    items = items_of(built.regions[built.versions[0]])
    rows = []
    for packet in packets:
        version_items = items_of(built.regions[packet.version])
        if [i.key for i in version_items] != [i.key for i in items]:
            raise BuildError(f"{sheet_folder}: versions {built.versions[0]} and {packet.version} ask "
                             "different items; they cannot share one grades.csv")
        follows = carried_forward(built, packet.version) if ecf else None
        rows.append(_grade_packet(packet, built, items, reviews, follows))
    _same_student_twice(packets, rows, reviews)
    reviews.sort(key=lambda review: review.order)  # in the order of the scans
    return Graded(rows, items, reviews, pages, tuple(built.regions[built.versions[0]]["page_size"]))


def _same_student_twice(packets: list[Packet], rows: list[Row], reviews: list) -> None:
    """A student ID read on two page 1s (a page scanned twice, a mistyped ID)."""
    seen: dict = {}
    for packet, row in zip(packets, rows):
        seen.setdefault(row.student, []).append(packet.pages[1].where)
    for student, places in seen.items():
        if len(places) > 1 and not student.startswith("unread"):
            reviews.append(Review(f"student {student} has {len(places)} page 1s ({', '.join(places)}): "
                                  "one student's pages scanned twice, or an ID filled in wrongly?", student=student,
                                  near=next(p.pages[1] for p, r in zip(packets, rows) if r.student == student)))


def _grade_packet(packet: Packet, built: Built, items, reviews: list, follows) -> Row:
    by_key, student = {}, None
    for reading in packet.readings:
        if reading.region["kind"] == "student-id":
            student = reading
        else:
            by_key[key_of(reading.region)] = reading
    first = packet.pages[1]
    name = student.value if student is not None and student.doubt is None else f"unread ({first.where})"
    who = f"student {name}" + (f", version {packet.version}" if packet.version else "")
    if student is not None and student.doubt is not None:
        reviews.append(Review(f"{first.where}: {who}: the student ID cannot be read: {student.doubt}",
                              first, [student.region["box"]]))
    for number in range(1, built.pages_of(packet.version) + 1):
        if number not in packet.pages:
            reviews.append(Review(f"{who} (from {first.where}): page {number} is missing from the scans",
                                  student=name, near=first))
    for number, page in sorted(packet.pages.items()):
        doubts = [r for r in packet.readings if r.doubt is not None and r.region["page"] == number
                  and r.region["kind"] != "student-id"]
        if doubts:
            reasons = "; ".join(f"{_label(r.region)}: {r.doubt}" for r in doubts)
            reviews.append(Review(f"{page.where}: {who}, page {number}: {reasons}", page,
                                  [r.region["box"] for r in doubts], name, [key_of(r.region) for r in doubts]))
    return mark_packet(name, packet.version, by_key, items, built.answers[packet.version], follows)


def _label(region: dict) -> str:
    entry = region.get("entry")
    where = f", entry ({entry[0] + 1}, {entry[1] + 1})" if entry is not None else ""
    return f"problem {region['problem']} ({region['part']}){where}"


def write_grades(graded: Graded, out_folder: Path, pagesize) -> list[Path]:
    """grades.csv, and review.pdf when anything needs a person; each written whole
    (a temporary file renamed into place)."""
    out_folder.mkdir(parents=True, exist_ok=True)
    files = {"grades.csv": grades_csv(graded.rows, graded.items)}
    review = out_folder / "review.pdf"
    if graded.reviews:
        files["review.pdf"] = review_pdf(graded.reviews, pagesize)
    elif review.exists():
        review.unlink()  # an old one would be taken for this grading's
    written = []
    for name, data in files.items():
        target = out_folder / name
        temporary = out_folder / f".{name}.partial"
        temporary.write_bytes(data)
        temporary.replace(target)
        written.append(target)
    return written
