"""One scanned page: find its corner marks, undo rotation, shift and scale (a homography
from the page's points to the image's pixels), decode its QR code, and read its bubbles
by how dark they are.

A bubble is read by the mean darkness of the disc inside its outline (0 white paper,
1 black): at least FILLED is a mark, at most EMPTY is no mark, anything between is a
mark nobody can be sure of (faint, half-erased) and goes to a person.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..output.scanmarks import MARK_SIZE, QR_BOX, QR_LEFT, QR_TOP, PageCode, mark_boxes, read_qr_text

FILLED = 0.45
EMPTY = 0.25
INNER = 0.62  # the part of a bubble's radius that is read (its outline and edges are not)
QR_PIXELS_PER_POINT = 6.0  # the QR code is straightened to this resolution to be decoded
QR_MARGIN = 6.0  # points of white added around the straightened code (its quiet zone)


@dataclass
class ScannedPage:
    """What was found on one page of a scan; `problem` says why it cannot be read."""
    source: str
    index: int  # 1-based page of the scan file
    image: np.ndarray  # grey levels, 0 black .. 255 white
    dpi: float
    code: PageCode | None = None
    to_image: np.ndarray | None = None  # 3x3: page points (top-left, y down) -> image pixels
    problem: str | None = None
    serial: int = 0  # its place among all the pages graded together

    @property
    def where(self) -> str:
        return f"{self.source} page {self.index}"


def read_page(source: str, index: int, image: np.ndarray, dpi: float, pagesize) -> ScannedPage:
    """Finds the marks and the QR code of one page image (grey, uint8)."""
    page = ScannedPage(source, index, image, dpi)
    marks = find_marks(image, dpi)
    if marks is None:
        page.problem = "no corner marks found (a blank page, or not a page of a worksheet)"
        return page
    targets = np.array([_centre(box) for box in mark_boxes(pagesize)], dtype=np.float64)
    for turn in (0, 2, 1, 3):  # as scanned, turned half round, a quarter either way
        order = [(k + turn) % 4 for k in range(4)]
        matrix = cv2.getPerspectiveTransform(targets.astype(np.float32), marks[order].astype(np.float32))
        text = decode_qr(image, matrix)
        if text is not None:
            page.to_image, page.code = matrix, read_qr_text(text)
            if page.code is None:
                page.problem = f"the QR code is not one of ours ({text[:40]!r})"
            return page
    page.problem = "the QR code cannot be read"
    page.to_image = cv2.getPerspectiveTransform(targets.astype(np.float32), marks.astype(np.float32))
    return page


def _centre(box) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def find_marks(image: np.ndarray, dpi: float) -> np.ndarray | None:
    """The centres of the four corner marks, clockwise from the image's top-left, or None.
    A mark is a solid dark square of about MARK_SIZE points: in each corner quarter of the
    image, the one nearest the corner."""
    height, width = image.shape
    reach_y, reach_x = height // 4, width // 4
    corners = [(0, 0), (width - reach_x, 0), (width - reach_x, height - reach_y), (0, height - reach_y)]
    found = []
    for (left, top), corner in zip(corners, [(0, 0), (reach_x, 0), (reach_x, reach_y), (0, reach_y)]):
        crop = image[top:top + reach_y, left:left + reach_x]
        centre = _nearest_square(crop, MARK_SIZE * dpi / 72, corner)
        if centre is None:
            return None
        found.append((centre[0] + left, centre[1] + top))
    return np.array(found, dtype=np.float64)


def _nearest_square(crop: np.ndarray, side: float, corner) -> tuple[float, float] | None:
    """The centre of the solid square of about `side` pixels nearest `corner` of the crop:
    its box a little larger than its side when turned, nearly all of it dark (not a QR
    code's finder ring, nor a letter)."""
    _, dark = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    _, _, stats, centres = cv2.connectedComponentsWithStats(dark, connectivity=8)
    w, h, area = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_AREA]
    sized = (w >= 0.82 * side) & (h >= 0.82 * side) & (w <= 1.3 * side) & (h <= 1.3 * side)
    candidates = centres[sized & (area >= 0.72 * w * h)]
    if not len(candidates):
        return None
    distances = np.hypot(candidates[:, 0] - corner[0], candidates[:, 1] - corner[1])
    return tuple(candidates[int(np.argmin(distances))])


def decode_qr(image: np.ndarray, to_image: np.ndarray) -> str | None:
    """The text of the QR code where the page has it, straightened and on white paper
    (whatever is printed next to it is left out), or None."""
    scale = QR_PIXELS_PER_POINT
    size = int(round((QR_BOX + 2 * QR_MARGIN) * scale))
    # canonical pixel -> page point -> image pixel
    shift = np.array([[1 / scale, 0, QR_LEFT - QR_MARGIN], [0, 1 / scale, QR_TOP - QR_MARGIN], [0, 0, 1]])
    straight = cv2.warpPerspective(image, to_image @ shift, (size, size), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                   borderValue=255)
    margin = int(QR_MARGIN * scale) - 2
    clean = np.full_like(straight, 255)
    clean[margin:size - margin, margin:size - margin] = straight[margin:size - margin, margin:size - margin]
    text, _, _ = _DETECTOR.detectAndDecode(clean)
    if not text:  # once more in black and white
        _, binary = cv2.threshold(clean, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        text, _, _ = _DETECTOR.detectAndDecode(binary)
    return text or None


_DETECTOR = cv2.QRCodeDetector()


def darkness(page: ScannedPage, points: np.ndarray, radius: float) -> np.ndarray:
    """The mean darkness (0 paper .. 1 black) inside each bubble centred at `points`
    (page points, N x 2) of that radius in points."""
    homogeneous = np.c_[points, np.ones(len(points))] @ page.to_image.T
    centres = homogeneous[:, :2] / homogeneous[:, 2:]
    pixels = radius * INNER * page.dpi / 72
    reach = int(np.ceil(pixels))
    dy, dx = np.mgrid[-reach:reach + 1, -reach:reach + 1]
    inside = dx ** 2 + dy ** 2 <= pixels ** 2
    dx, dy = dx[inside], dy[inside]
    height, width = page.image.shape
    xs = np.clip(np.rint(centres[:, :1] + dx).astype(int), 0, width - 1)
    ys = np.clip(np.rint(centres[:, 1:] + dy).astype(int), 0, height - 1)
    grey = page.image[ys, xs].astype(np.float64).mean(axis=1)
    paper = _paper(page)
    return np.clip((paper - grey) / paper, 0.0, 1.0)


def _paper(page: ScannedPage) -> float:
    """The grey level of blank paper on this scan."""
    if not hasattr(page, "_paper_level"):
        sample = page.image[::7, ::7]
        page._paper_level = max(float(np.percentile(sample, 90)), 64.0)
    return page._paper_level


def straightened(page: ScannedPage, pagesize, pixels_per_point: float) -> np.ndarray:
    """The page as printed: the scan warped back onto the page's own coordinates."""
    size = (int(pagesize[0] * pixels_per_point), int(pagesize[1] * pixels_per_point))
    scale = np.diag([1 / pixels_per_point, 1 / pixels_per_point, 1.0])
    return cv2.warpPerspective(page.image, page.to_image @ scale, size,
                               flags=cv2.INTER_AREA | cv2.WARP_INVERSE_MAP, borderValue=255)
