"""Scanned pages: upright, deskew, drop red seal ink and ruling lines, OCR, rebuild the cell grid.

Input is an RGB page image and its resolution; output is the page's blocks in PDF points (the
corrected image's coordinates × 72 / dpi), each cell carrying its OCR confidence, plus what was
corrected so the report can show the same picture.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field

import cv2
import numpy as np

from jixiao.ingest import ocr, ocrfix
from jixiao.ingest.glyphs import classify_sign
from jixiao.ingest.grid import Segment, TextBox, page_blocks
from jixiao.layout import Block, IngestNote

MAX_SKEW_DEGREES = 10.0


@dataclass
class ScannedPage:
    blocks: list[Block]
    width: float
    height: float
    rotation: int
    skew: float
    notes: list[IngestNote] = field(default_factory=list)


def turn_clockwise(image: np.ndarray, quarter_turns: int) -> np.ndarray:
    """The image turned clockwise by `quarter_turns` × 90°."""
    return np.ascontiguousarray(np.rot90(image, k=-quarter_turns)) if quarter_turns % 4 else image


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


def _upright_turn(image: np.ndarray, quads: list[np.ndarray], judge_sideways: bool) -> int:
    """Further clockwise quarter-turns (0, 1 or 2) that make the text upright, judged from the lines the
    detector found on the page as it is: mostly tall lines → sideways (1); else the 0/180 classifier's
    majority over the widest lines → upside down (2)."""
    boxes = [ocr.line_box(q) for q in quads]
    long_boxes = [b for b in boxes if max(b.width, b.height) > 2.5 * min(b.width, b.height)]
    if judge_sideways and long_boxes and sum(1 for b in long_boxes if b.height > b.width) > len(long_boxes) / 2:
        return 1
    crops = []
    for b in sorted(boxes, key=lambda b: -b.width)[:24]:
        crop = image[int(b.y0):int(b.y1) + 1, int(b.x0):int(b.x1) + 1]
        if crop.size and crop.shape[1] > crop.shape[0]:
            crops.append(crop)
    return 2 if ocr.upside_down_share(crops).upside_down else 0


def _skew_degrees(gray: np.ndarray) -> float:
    """Median angle of long near-horizontal ruling lines (Hough), 0 when there are none.

    Measured on the page at half size (a quarter of the edge pixels to vote; a line a quarter of the
    page wide still fixes its angle to ~0.1°)."""
    half = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA) if min(gray.shape) > 1200 else gray
    k = gray.shape[1] / half.shape[1]
    edges = cv2.Canny(half, 50, 150)
    width = half.shape[1]
    lines = cv2.HoughLinesP(edges, 1, np.pi / 1800, threshold=int(200 / k), minLineLength=width // 4,
                            maxLineGap=int(20 / k))
    if lines is None:
        return 0.0
    angles = [math.degrees(math.atan2(y2 - y1, x2 - x1)) for x1, y1, x2, y2 in lines.reshape(-1, 4)]
    angles = [a for a in angles if abs(a) <= MAX_SKEW_DEGREES]
    return float(np.median(angles)) if angles else 0.0


def rotate(image: np.ndarray, degrees: float) -> np.ndarray:
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))


def ruling_lines(gray: np.ndarray, dpi: float) -> tuple[list[Segment], np.ndarray]:
    """Horizontal and vertical ruling lines (opening with a kernel longer than any glyph) and a mask of their pixels.

    A short vertical counts only where both its ends meet a horizontal ruling, as a cell border does: the
    vertical strokes of a large title's glyphs (目, 出, 评 at 22 pt) are as long as a one-line cell's border,
    and blanking them split the title into pieces ('项 支出 出绩效自评 表')."""
    binary = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 10)
    # longer than a glyph (or a run of strokes across neighbouring glyphs), shorter than a cell side
    long_side = {True: max(25, int(dpi * 0.35)), False: max(15, int(dpi * 0.2))}
    segments: list[Segment] = []
    mask = np.zeros(binary.shape, dtype=np.uint8)
    for horizontal in (True, False):
        size = long_side[horizontal]
        shape = (size, 1) if horizontal else (1, size)
        lines = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, shape))
        count, labels, stats, _ = cv2.connectedComponentsWithStats(lines)
        dropped: list[int] = []
        for label, (x, y, bw, bh, _area) in enumerate(stats[1:count], start=1):
            if horizontal and bw >= size and bh <= size / 3:
                segments.append(Segment(float(x), y + bh / 2, float(x + bw), y + bh / 2))
            elif not horizontal and bh >= size and bw <= size / 3:
                vertical = Segment(x + bw / 2, float(y), x + bw / 2, float(y + bh))
                if bh >= 3 * size or _meets_horizontals(vertical, segments, tol=max(4.0, dpi * 0.04)):
                    segments.append(vertical)
                else:
                    dropped.append(label)
        if dropped:
            lines[np.isin(labels, dropped)] = 0
        mask = np.maximum(mask, cv2.dilate(lines, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))))
    return segments, mask


def _meets_horizontals(vertical: Segment, segments: list[Segment], tol: float) -> bool:
    """Both ends of a vertical segment lie on (or just short of) horizontal segments."""
    def met(y: float) -> bool:
        return any(s.horizontal and abs(s.y0 - y) <= tol and s.x0 - tol <= vertical.x0 <= s.x1 + tol
                   for s in segments)
    return met(vertical.y0) and met(vertical.y1)


def _crop(image: np.ndarray, x0: float, y0: float, x1: float, y1: float, pad: int = 4) -> np.ndarray:
    h, w = image.shape[:2]
    return image[max(0, int(y0) - pad):min(h, int(y1) + pad + 1), max(0, int(x0) - pad):min(w, int(x1) + pad + 1)]


def split_at_rulings(quads: list[np.ndarray], segments: list[Segment], image: np.ndarray) -> list[TextBox]:
    """Read the detected lines; a line the detector ran across a (removed) cell border is cut there first and
    only its pieces are read (reading it whole as well cost a second read of the same ink)."""
    verticals = [s for s in segments if not s.horizontal]
    whole: list[np.ndarray] = []
    pieces: list[tuple[float, float, float, float]] = []
    for quad in quads:
        box = ocr.line_box(quad)
        cuts = sorted(v.x0 for v in verticals if box.x0 + box.height * 0.4 < v.x0 < box.x1 - box.height * 0.4
                      and min(v.y0, v.y1) <= box.cy <= max(v.y0, v.y1))
        if not cuts:
            whole.append(quad)
            continue
        edges = [box.x0, *cuts, box.x1]
        pieces += [(a, box.y0, b, box.y1) for a, b in itertools.pairwise(edges) if b - a > box.height * 0.6]
    out = ocr.read_lines(image, whole)
    crops = [_crop(image, x0 + 2, y0, x1 - 2, y1, pad=2) for x0, y0, x1, y1 in pieces]
    for (x0, y0, x1, y1), (text, score) in zip(pieces, ocr.recognise(crops), strict=True):
        if text.strip() and (score >= 0.6 or x1 - x0 >= 1.5 * (y1 - y0)):  # a sliver over the border is noise
            out.append(TextBox(x0, y0, x1, y1, text.strip(), score))
    return out


def recover_missed_ink(boxes: list[TextBox], line_mask: np.ndarray, image: np.ndarray) -> list[TextBox]:
    """Ink that no text line covers and that has the shape of a comparison sign (a lone '≥' the
    detector skipped) becomes a text box with confidence 0.85, so the reviewer is shown it as unsure."""
    if not boxes:
        return boxes
    gray = _gray(image)
    ink = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 20)
    ink[line_mask > 0] = 0
    covered = np.zeros_like(ink)
    for b in boxes:
        covered[max(0, int(b.y0) - 2):int(b.y1) + 3, max(0, int(b.x0) - 2):int(b.x1) + 3] = 255
    ink[covered > 0] = 0
    heights = sorted(b.height for b in boxes)
    text_h = heights[len(heights) // 2]
    # join the strokes of one glyph, and neighbouring glyphs, but not text across a cell border
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, int(text_h * 0.5)), max(3, int(text_h * 0.3))))
    joined = cv2.dilate(ink, kernel)
    joined[line_mask > 0] = 0
    count, _, stats, _ = cv2.connectedComponentsWithStats(joined)
    found: list[tuple[float, float, float, float]] = []
    for x, y, w, h, _area in stats[1:count]:
        strokes = int(np.count_nonzero(ink[y:y + h, x:x + w]))
        if h >= 0.45 * text_h and h <= 2.5 * text_h and w >= 0.3 * text_h and strokes >= 0.04 * text_h * text_h:
            found.append((float(x), float(y), float(x + w), float(y + h)))
    out = list(boxes)
    for rect in found:  # a lone glyph-sized mark: a comparison sign the detector skipped?
        # (general re-reading of leftover ink was tried: it mostly returns seal and noise residue)
        sign = classify_sign(_crop(gray, *rect, pad=1)) if rect[2] - rect[0] <= 1.5 * text_h else None
        if sign is not None:
            out.append(TextBox(*rect, text=sign, confidence=0.85))
    return out


def _glyph_runs(gray: np.ndarray) -> list[tuple[int, int]]:
    """Column ranges of the glyphs in a text-line crop (separated by blank columns)."""
    _, binary = cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    ink = binary.sum(axis=0) > 0
    runs: list[tuple[int, int]] = []
    start = None
    for x, on in enumerate([*ink.tolist(), False]):
        if on and start is None:
            start = x
        elif not on and start is not None:
            runs.append((start, x))
            start = None
    return runs


def fix_signs(boxes: list[TextBox], image: np.ndarray) -> list[TextBox]:
    """Repair comparison signs by shape: a lone sign read as '>'/'2'/nothing, a '≥' before a number dropped
    ('≥2867平方米' → '2867平方米') or read as a digit ('≥841人' → '2841人').

    A text that starts with a digit and whose first glyph has the shape of ≥ or ≤ is read again without that
    glyph, and the sign put in front of what the recogniser reads. A repaired box keeps confidence ≤ 0.85
    (lone sign) or ≤ 0.7 (leading sign), below the review floor."""
    gray = _gray(image)
    out: list[TextBox] = []
    rereads: list[tuple[int, str, np.ndarray]] = []
    for box in boxes:
        crop = _crop(gray, box.x0, box.y0, box.x1, box.y1, pad=1)
        text = box.text.strip()
        if len(text) == 1 and text in ocrfix.SIGN_LOOKALIKES and box.confidence < 0.97:
            sign = classify_sign(crop)
            if sign is not None:
                out.append(TextBox(box.x0, box.y0, box.x1, box.y1, sign, min(box.confidence, 0.85)))
                continue
        leads = text[:1].isdigit() or (text[:1] in _SIGN_AS_DIGIT and text[1:2].isdigit())  # 'Z841人' too
        runs = _glyph_runs(crop) if leads else []
        sign = _leading_sign(crop, runs)
        if sign is not None:
            rest = _crop(image, box.x0 + runs[1][0] - 3, box.y0, box.x1, box.y1, pad=1)
            rereads.append((len(out), sign, rest))
        out.append(box)
    for (at, sign, _), (text, score) in zip(rereads, ocr.recognise([r for *_, r in rereads]), strict=True):
        out[at] = _with_sign(out[at], sign, text.strip(), score)
    return out


_LEADING_NUMBER = re.compile(r"[\d.,]+")


def _with_sign(box: TextBox, sign: str, rest: str, score: float) -> TextBox:
    """The box with the sign its first glyph has the shape of, when the line read without that glyph agrees:
    the same number (the sign was dropped) or the number less a first '2'/'Z' (the sign was read as that).
    Otherwise the box as read: a '6' in some fonts has the shape test's ≤, and the two readings then disagree."""
    text = box.text.strip()
    lead = _LEADING_NUMBER.match(rest)
    if lead is None or score < 0.6:
        return box
    if lead.group() == _number(text):
        fixed = sign + text
    elif text[:1] in _SIGN_AS_DIGIT and lead.group() == _number(text[1:]):
        fixed = sign + text[1:]
    else:
        return box
    return TextBox(box.x0, box.y0, box.x1, box.y1, fixed, min(box.confidence, score, 0.7))


_SIGN_AS_DIGIT = frozenset("2Zz")


def _number(text: str) -> str:
    lead = _LEADING_NUMBER.match(text)
    return lead.group() if lead else ""


def _leading_sign(crop: np.ndarray, runs: list[tuple[int, int]]) -> str | None:
    """'≥' or '≤' when the first of several glyphs of a line has that shape (and stands apart from the next)."""
    if len(runs) < 2:
        return None
    first = crop[:, max(0, runs[0][0] - 2):min(runs[0][1] + 2, runs[1][0])]
    sign = classify_sign(first)
    return sign if sign in ("≥", "≤") else None


def _reread_empty_header_cells(blocks: list[Block], image: np.ndarray, dpi: float) -> list[Block]:
    """An empty cell in a row of header words that holds ink is read on its own, and kept only if it reads as a
    header word: the detector sometimes skips a short one (分值), and the whole column is lost with it."""
    k = dpi / 72.0
    gray = _gray(image)
    todo: list[tuple[int, int, int, np.ndarray]] = []
    for b, block in enumerate(blocks):
        for r, row in enumerate(block.rows):
            if block.kind != "table" or not ocrfix.header_row(row):
                continue
            for cell in row.cells:
                if cell.text or cell.bbox is None:
                    continue
                x0, y0, x1, y1 = (v * k for v in cell.bbox)
                crop = _crop(image, x0 + 3, y0 + 3, x1 - 3, y1 - 3, pad=0)
                ink = _crop(gray, x0 + 3, y0 + 3, x1 - 3, y1 - 3, pad=0) < 128
                if crop.size and 0.002 < ink.mean() < 0.3:
                    todo.append((b, r, cell.index, crop))
    if not todo:
        return blocks
    out = [block.model_copy(update={"rows": list(block.rows)}) for block in blocks]
    for (b, r, index, _), (text, score) in zip(todo, ocr.recognise([c for *_, c in todo]), strict=True):
        word = ocrfix.header_word(text, score < 0.6) or (text.strip() if ocrfix.is_header_word(text) else None)
        if word is None:
            continue
        row = out[b].rows[r]
        cells = tuple(c.model_copy(update={"text": word, "raw": text, "confidence": min(score, 0.85)})
                      if c.index == index else c for c in row.cells)
        out[b].rows[r] = row.model_copy(update={"cells": cells})
    return out


def _scaled(box: TextBox, k: float) -> TextBox:
    return TextBox(box.x0 * k, box.y0 * k, box.x1 * k, box.y1 * k, box.text, box.confidence)


def _prepared(image: np.ndarray, dpi: float, page: int, notes: list[IngestNote]
              ) -> tuple[float, list[Segment], np.ndarray, np.ndarray]:
    """Seal ink out, skew corrected, ruling lines found and blanked: (skew, rulings, their mask, clean page)."""
    image, red_share = remove_seal(image)
    if red_share > 0.002:
        notes.append(IngestNote(code="SEAL_REMOVED", severity="info", page=page,
                                message=f"第{page}页有红色印章（占页面{red_share:.1%}），识别前已滤除；印章下的数值请核对"))
    skew = _skew_degrees(_gray(image))
    if abs(skew) >= 0.1:
        image = rotate(image, skew)
    segments, line_mask = ruling_lines(_gray(image), dpi)
    clean = image.copy()
    clean[line_mask > 0] = 255  # a ruling line beside a digit must not be read as '1'
    return skew, segments, line_mask, clean


def read_scanned_page(image: np.ndarray, dpi: float, page: int) -> ScannedPage:
    """OCR one page image into blocks; coordinates in points of the corrected page."""
    turns = 0
    while True:  # the page as it is; turned and read again only when its text lines say so (rare)
        notes: list[IngestNote] = []
        skew, segments, line_mask, clean = _prepared(turn_clockwise(image, turns), dpi, page, notes)
        quads = ocr.detect_lines(clean)
        more = _upright_turn(clean, quads, judge_sideways=turns == 0) if turns < 2 else 0
        if not more:
            break
        turns += more
    if turns:
        notes.insert(0, IngestNote(code="SCAN_TURNED", severity="info", page=page,
                                   message=f"第{page}页扫描件方向旋转了{turns * 90}°，已自动转正"))
    boxes = split_at_rulings(quads, segments, clean)
    boxes = recover_missed_ink(boxes, line_mask, clean)
    boxes = fix_signs(boxes, clean)
    k = 72.0 / dpi
    segments = [Segment(s.x0 * k, s.y0 * k, s.x1 * k, s.y1 * k) for s in segments]
    blocks = page_blocks(segments, [_scaled(b, k) for b in boxes], page, "ocr", tol=max(2.0, 4.0 * k * dpi / 150))
    h, w = clean.shape[:2]
    blocks = ocrfix.repaired(_reread_empty_header_cells(blocks, clean, dpi))
    del image, clean, line_mask
    ocr.release_freed_memory()
    return ScannedPage(blocks=blocks, width=w * k, height=h * k, rotation=turns * 90, skew=round(skew, 2), notes=notes)
