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
        return _blurred_sign(ink)
    top = ink[top_rows[0]:top_rows[-1] + 1]
    first, last = _centre(top[0]), _centre(top[-1])
    middle = [c for r in top[len(top) // 4:len(top) - len(top) // 4] if (c := _centre(r)) is not None]
    if first is None or last is None or not middle:
        return _blurred_sign(ink)
    mid = max(middle) if first < 0.5 else min(middle)
    if first < 0.4 and last < 0.4 and mid > 0.6:
        return "≥" if underline else ">"
    if first > 0.6 and last > 0.6 and mid < 0.4:
        return "≤" if underline else "<"
    return _blurred_sign(ink)


def _blurred_sign(ink: np.ndarray) -> str | None:
    """'≥' or '≤' of a small, blurred glyph whose lower arm runs into the underline (10–12 px tall at 150 dpi).

    The underline is the bottom third at most; above it the chevron's outer edge goes from one side to the
    other and back: for ≥ the first ink of each row starts at the left, moves right to the tip and returns,
    while the top row's ink stays in the left half (a '2' is inked across its top)."""
    h, w = ink.shape
    if h < 7 or w < 5:
        return None
    wide = [np.count_nonzero(r) >= 0.6 * w for r in ink]
    if not (wide[-1] and wide[-2]):
        return None
    bar = h - 2
    while bar > h * 0.67 and wide[bar - 1]:
        bar -= 1
    arms = [np.nonzero(r)[0] for r in ink[:bar]]
    if len(arms) < 4 or any(len(xs) == 0 for xs in arms):
        return None
    left = [xs[0] / (w - 1) for xs in arms]
    right = [xs[-1] / (w - 1) for xs in arms]
    tip = len(arms) // 2
    for starts, ends in ((left, right), ([1 - x for x in right], [1 - x for x in left])):
        peak = max(range(len(starts)), key=lambda i: starts[i])
        if (starts[0] <= 0.2 and ends[0] <= 0.6 and starts[-1] <= 0.2 and starts[peak] >= 0.35
                and 0 < peak < len(starts) - 1 and abs(peak - tip) <= max(1, len(arms) // 3) and ends[peak] >= 0.8):
            return "≥" if starts is left else "≤"
    return None
