"""Comparison signs that OCR misses: a shape test for ≥ ≤ > < = on one glyph image.

PP-OCR reads an isolated '≥' as '>', '2' or nothing, and sometimes drops it in front of a
number ('≥95' → '95'). The signs are simple shapes: a chevron (tip right for > and ≥, left
for < and ≤), an underline bar for ≥ and ≤, two bars for =. Used only to repair OCR output;
every value repaired this way keeps a confidence below the review floor.
"""

from __future__ import annotations

import cv2
import numpy as np


def _ink(gray: np.ndarray) -> np.ndarray | None:
    _, binary = cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary.astype(np.uint8))
    total = int(stats[1:, cv2.CC_STAT_AREA].sum()) if count > 1 else 0
    for label in range(1, count):  # specks of scan noise are not part of the glyph
        if stats[label, cv2.CC_STAT_AREA] < max(4, 0.05 * total):
            binary[labels == label] = 0
    ys, xs = np.nonzero(binary)
    if len(xs) < 8:
        return None
    return np.asarray(binary[ys.min():ys.max() + 1, xs.min():xs.max() + 1])


def _centre(row: np.ndarray) -> float | None:
    xs = np.nonzero(row)[0]
    return None if len(xs) == 0 else float(xs.mean()) / max(1, len(row) - 1)


def classify_sign(gray: np.ndarray) -> str | None:
    """'≥', '≤', '>', '<' or '=' when the glyph has that shape, else None."""
    ink = _ink(gray)
    if ink is None:
        return None
    h, w = ink.shape
    if h < 6 or w < 4 or not 0.3 <= w / h <= 2.5:
        return None
    wide = [np.count_nonzero(r) >= 0.6 * w for r in ink]
    blank = [not r.any() for r in ink]
    if all(wide[i] or blank[i] for i in range(h)) and any(blank) and h <= 1.2 * w:
        return "="
    # an underline: wide rows at the bottom (a speck row or two below them allowed); the chevron lies above
    lowest = max((i for i in range(h) if wide[i]), default=-1)
    underline = lowest >= h - 3 and lowest >= h * 0.5
    bottom = h
    if underline:
        bottom = lowest
        while bottom > 0 and wide[bottom - 1]:
            bottom -= 1
        bottom = bottom if bottom < lowest else lowest
    top_rows = [i for i in range(bottom) if not blank[i]]
    if len(top_rows) < 5:
        return None
    top = ink[top_rows[0]:top_rows[-1] + 1]
    first, last = _centre(top[0]), _centre(top[-1])
    middle = [c for r in top[len(top) // 4:len(top) - len(top) // 4] if (c := _centre(r)) is not None]
    if first is None or last is None or not middle:
        return None
    mid = max(middle) if first < 0.5 else min(middle)
    if first < 0.4 and last < 0.4 and mid > 0.6:
        return "≥" if underline else ">"
    if first > 0.6 and last > 0.6 and mid < 0.4:
        return "≤" if underline else "<"
    return None
