"""Scanned pages: upright, deskew, drop red seal ink and ruling lines, OCR, rebuild the cell grid.

Input is an RGB page image and its resolution; output is the page's blocks in PDF points (the
corrected image's coordinates × 72 / dpi), each cell carrying its OCR confidence, plus what was
corrected so the report can show the same picture.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from jixiao.ingest import ocr
from jixiao.ingest.grid import Segment, TextBox, page_blocks
from jixiao.layout import Block, Cell, IngestNote, Row
from jixiao.values import normalise_ocr_numeric

MAX_SKEW_DEGREES = 10.0


@dataclass
class ScannedPage:
    blocks: list[Block]
    width: float
    height: float
    rotation: int
    skew: float
    notes: list[IngestNote] = field(default_factory=list)


def _gray(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)


def remove_seal(image: np.ndarray) -> tuple[np.ndarray, float]:
    """Take red seal ink out, keeping the print under it; returns the image and the red share of the page.

    Red ink barely absorbs red light, so a seal pixel's red channel is close to what the paper and
    toner under it would show; red pixels are replaced by their red channel (a ruling line or
    digit under the seal stays dark, the seal itself turns white)."""
    hsv = cv2.cvtColor(image, cv2.COLOR_RGB2HSV)
    hue, sat, val = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    red = ((hue <= 12) | (hue >= 160)) & (sat >= 60) & (val >= 60)
    out = image.copy()
    under = np.clip(image[..., 0][red].astype(np.float32) / 0.9, 0, 255).astype(np.uint8)
    out[red] = under[:, None]
    return out, float(red.mean())


def _upright_turn(image: np.ndarray) -> int:
    """Clockwise quarter-turns (0–3) that make the text upright, from text-line shapes and the 0/180 classifier."""
    small_scale = 1000 / max(image.shape[:2])
    small = cv2.resize(image, None, fx=small_scale, fy=small_scale, interpolation=cv2.INTER_AREA) \
        if small_scale < 1 else image
    boxes = ocr.detect_boxes(small)
    long_boxes = [b for b in boxes if max(b.x1 - b.x0, b.height) > 2.5 * min(b.x1 - b.x0, b.height)]
    vertical = sum(1 for b in long_boxes if b.height > (b.x1 - b.x0))
    turns = 1 if long_boxes and vertical > len(long_boxes) / 2 else 0
    work = np.ascontiguousarray(np.rot90(small, k=-turns)) if turns else small
    if turns:
        boxes = ocr.detect_boxes(work)
    crops = []
    for b in sorted(boxes, key=lambda b: -(b.x1 - b.x0))[:24]:
        crop = work[int(b.y0):int(b.y1) + 1, int(b.x0):int(b.x1) + 1]
        if crop.size and crop.shape[1] > crop.shape[0]:
            crops.append(crop)
    if ocr.upside_down_share(crops).upside_down:
        turns += 2
    return turns % 4


def _skew_degrees(gray: np.ndarray) -> float:
    """Median angle of long near-horizontal ruling lines (Hough), 0 when there are none."""
    edges = cv2.Canny(gray, 50, 150)
    width = gray.shape[1]
    lines = cv2.HoughLinesP(edges, 1, np.pi / 1800, threshold=200, minLineLength=width // 4, maxLineGap=20)
    if lines is None:
        return 0.0
    angles = [math.degrees(math.atan2(y2 - y1, x2 - x1)) for x1, y1, x2, y2 in lines.reshape(-1, 4)]
    angles = [a for a in angles if abs(a) <= MAX_SKEW_DEGREES]
    return float(np.median(angles)) if angles else 0.0


def _rotate(image: np.ndarray, degrees: float) -> np.ndarray:
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))


def ruling_lines(gray: np.ndarray, dpi: float) -> tuple[list[Segment], np.ndarray]:
    """Horizontal and vertical ruling lines (opening with a kernel longer than any glyph) and a mask of their pixels."""
    binary = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 10)
    # longer than a glyph (or a run of strokes across neighbouring glyphs), shorter than a cell side
    long_side = {True: max(25, int(dpi * 0.35)), False: max(15, int(dpi * 0.2))}
    segments: list[Segment] = []
    mask = np.zeros_like(binary)
    for horizontal in (True, False):
        size = long_side[horizontal]
        shape = (size, 1) if horizontal else (1, size)
        lines = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, shape))
        count, _, stats, _ = cv2.connectedComponentsWithStats(lines)
        for x, y, bw, bh, _area in stats[1:count]:
            if horizontal and bw >= size and bh <= size / 3:
                segments.append(Segment(float(x), y + bh / 2, float(x + bw), y + bh / 2))
            elif not horizontal and bh >= size and bw <= size / 3:
                segments.append(Segment(x + bw / 2, float(y), x + bw / 2, float(y + bh)))
        mask |= cv2.dilate(lines, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    return segments, mask


def _scaled(box: TextBox, k: float) -> TextBox:
    return TextBox(box.x0 * k, box.y0 * k, box.x1 * k, box.y1 * k, box.text, box.confidence)


def _normalise_numbers(blocks: list[Block]) -> list[Block]:
    """OCR digit artefacts ('≥2 0 0', full-width digits, O/l for 0/1) repaired in numeric cells only."""
    out: list[Block] = []
    for block in blocks:
        rows = []
        for row in block.rows:
            cells: list[Cell] = []
            for cell in row.cells:
                fixed = normalise_ocr_numeric(cell.text) if cell.text else cell.text
                cells.append(cell if fixed == cell.text else cell.model_copy(update={"text": fixed}))
            rows.append(Row(cells=tuple(cells), page=row.page, bbox=row.bbox))
        out.append(Block(kind=block.kind, rows=rows))
    return out


def read_scanned_page(image: np.ndarray, dpi: float, page: int) -> ScannedPage:
    """OCR one page image into blocks; coordinates in points of the corrected page."""
    notes: list[IngestNote] = []
    turns = _upright_turn(image)
    if turns:
        image = np.ascontiguousarray(np.rot90(image, k=-turns))
        notes.append(IngestNote(code="SCAN_TURNED", severity="info", page=page,
                                message=f"第{page}页扫描件方向旋转了{turns * 90}°，已自动转正"))
    image, red_share = remove_seal(image)
    if red_share > 0.002:
        notes.append(IngestNote(code="SEAL_REMOVED", severity="info", page=page,
                                message=f"第{page}页有红色印章（占页面{red_share:.1%}），识别前已滤除；印章下的数值请核对"))
    skew = _skew_degrees(_gray(image))
    if abs(skew) >= 0.1:
        image = _rotate(image, skew)
    gray = _gray(image)
    segments, line_mask = ruling_lines(gray, dpi)
    clean = image.copy()
    clean[line_mask > 0] = 255  # a ruling line beside a digit must not be read as '1'
    boxes = ocr.read_text(clean)
    k = 72.0 / dpi
    segments = [Segment(s.x0 * k, s.y0 * k, s.x1 * k, s.y1 * k) for s in segments]
    blocks = page_blocks(segments, [_scaled(b, k) for b in boxes], page, "ocr", tol=max(2.0, 4.0 * k * dpi / 150))
    h, w = gray.shape
    return ScannedPage(blocks=_normalise_numbers(blocks), width=w * k, height=h * k, rotation=turns * 90,
                       skew=round(skew, 2), notes=notes)
