"""grades.csv and review.pdf."""
from __future__ import annotations

import csv
import io
from fractions import Fraction

import cv2
from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import letter
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from ..typeset.fonts import BOLD, REGULAR, register_fonts
from .marking import Item, Row
from .page import straightened
from .read import BLANK

REVIEW_PIXELS_PER_POINT = 100 / 72  # review.pdf shows pages at 100 dpi
RED = Color(0.85, 0.1, 0.1)


def grades_csv(rows: list[Row], items: list[Item]) -> bytes:
    """A row per student: ID, version, then per item the answer read, its result and its
    points; the total of the points given, and the items whose points are still open."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = ["student_id", "version"]
    for item in items:
        header += [f"{item.label} read", f"{item.label} result", f"{item.label} points"]
    writer.writerow(header + ["total", "pending"])
    for row in rows:
        cells = [row.student, row.version]
        for item in items:
            mark = row.marks[item.key]
            cells += [_value(mark.read), mark.result, _number(mark.points)]
        pending = " ".join(item.label for item in items if item.key in row.pending)
        writer.writerow(cells + [_number(row.total), pending])
    return out.getvalue().encode()


def _value(value) -> str:
    if value is None or value is BLANK:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, str):  # an option chosen: an expression in quantity notation
        return value
    if isinstance(value, Fraction) and value.denominator != 1:
        return str(float(value))
    return str(int(value))


def _number(value) -> str:
    if value is None:
        return ""
    value = Fraction(value)
    return str(value.numerator) if value.denominator == 1 else f"{float(value):.2f}".rstrip("0")


def review_pdf(reviews: list, pagesize) -> bytes:
    """A page per thing to decide: its reason at the top, the page as scanned (turned
    upright when its marks were found) with the regions in question outlined."""
    register_fonts()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=letter, invariant=1, initialFontName=REGULAR)
    width, height = letter
    for review in reviews:
        canvas.setFont(BOLD, 10)
        canvas.setFillColor(black)
        y = height - 30
        for line in _wrap(review.reason, 110):
            canvas.drawString(30, y, line)
            y -= 13
        if review.page is not None:
            _draw_page(canvas, review, pagesize, top=y - 6)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def _draw_page(canvas, review, pagesize, top: float) -> None:
    page = review.page
    upright = page.to_image is not None
    image = straightened(page, pagesize, REVIEW_PIXELS_PER_POINT) if upright else page.image
    ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])
    room_w, room_h = letter[0] - 60, top - 20
    scale = min(room_w / pagesize[0], room_h / pagesize[1])
    w, h = pagesize[0] * scale, pagesize[1] * scale
    x0, y0 = 30 + (room_w - w) / 2, top - h
    canvas.drawImage(ImageReader(io.BytesIO(jpeg.tobytes())), x0, y0, width=w, height=h)
    canvas.setStrokeColor(black)
    canvas.setLineWidth(0.5)
    canvas.rect(x0, y0, w, h)
    if not upright:
        return
    canvas.setStrokeColor(RED)
    canvas.setLineWidth(1.5)
    for bx0, by0, bx1, by1 in review.boxes:
        pad = 3
        canvas.rect(x0 + (bx0 - pad) * scale, top - (by1 + pad) * scale, (bx1 - bx0 + 2 * pad) * scale,
                    (by1 - by0 + 2 * pad) * scale)


def _wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + [line]
