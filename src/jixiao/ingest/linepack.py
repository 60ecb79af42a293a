"""Packed text-line recognition: several short line crops read in one strip, each decoded from its own columns.

The recogniser (PP-OCRv4, CTC) sees a 48-px-high strip and emits one prediction per 8 px column. RapidOCR
pads every crop to at least 320 px, so a cell holding '10' costs as much as a 320-px line, and a form page
is mostly short cells. Here crops are scaled to the model's height and laid side by side on one strip with
white gaps (as words on a printed line), the strip is read once, and each crop's characters are the CTC
path over its own columns. The model still sees text with margins, never a crop squeezed narrower than it was.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np

HEIGHT = 48  # the recogniser's input height (PP-OCRv4)
STEP = 8  # input pixels per CTC time step
GAP = 32  # white columns between two crops on a strip (4 time steps)
STRIP_WIDTH = 1280  # pack crops into strips up to this width; a longer crop is read alone
MIN_WIDTH = 320  # a strip (or lone crop) is never narrower than RapidOCR's own minimum


def _scaled(crop: np.ndarray, line_height: int) -> np.ndarray:
    """The crop at the model's height; a crop much lower than the page's text lines (a dash, a dot) is first
    set on white margins of a line's height, so it is not blown up to a glyph three times its size."""
    if crop.shape[0] < 0.75 * line_height:
        top = (line_height - crop.shape[0]) // 2
        crop = cv2.copyMakeBorder(crop, top, line_height - crop.shape[0] - top, 0, 0, cv2.BORDER_CONSTANT,
                                  value=(255, 255, 255))
    h, w = crop.shape[:2]
    width = max(1, min(math.ceil(HEIGHT * w / max(h, 1)), 16 * STRIP_WIDTH))
    return cv2.resize(crop, (width, HEIGHT))


def _strips(widths: list[int]) -> list[list[int]]:
    """Crop indices per strip: longest first, each strip filled first-fit up to STRIP_WIDTH."""
    order = sorted(range(len(widths)), key=lambda i: -widths[i])
    strips: list[list[int]] = []
    used: list[int] = []
    for i in order:
        need = _span(widths[i])
        for s, taken in enumerate(used):
            if taken + need <= STRIP_WIDTH:
                strips[s].append(i)
                used[s] += need
                break
        else:
            strips.append([i])
            used.append(need)
    return strips


def _span(width: int) -> int:
    """Columns a crop takes on a strip: its width rounded up to whole time steps, plus the gap after it."""
    return math.ceil(width / STEP) * STEP + GAP


def _decode(index: np.ndarray, prob: np.ndarray, characters: list[str]) -> tuple[str, float]:
    """Greedy CTC over one crop's time steps; the line's score is its least sure character."""
    keep = np.ones(len(index), dtype=bool)
    keep[1:] = index[1:] != index[:-1]
    keep &= index != 0
    chars = index[keep]
    if not len(chars):
        return "", 0.0
    return "".join(characters[i] for i in chars), float(prob[keep].min())


def read_packed(recogniser: Any, crops: list[np.ndarray]) -> list[tuple[str, float]]:
    """Text and score of each crop (RGB, any size), in the crops' order."""
    if not crops:
        return []
    line_height = int(np.median([c.shape[0] for c in crops]))
    scaled = [_scaled(c, line_height) for c in crops]
    widths = [s.shape[1] for s in scaled]
    characters: list[str] = recogniser.postprocess_op.character
    results: list[tuple[str, float]] = [("", 0.0)] * len(crops)
    for members in _strips(widths):
        total = max(MIN_WIDTH, sum(_span(widths[i]) for i in members))
        strip = np.full((HEIGHT, total, 3), 255, dtype=np.uint8)
        starts = []
        x = 0
        for i in members:
            strip[:, x:x + widths[i]] = scaled[i]
            starts.append(x)
            x += _span(widths[i])
        tensor = (strip.astype(np.float32).transpose(2, 0, 1) / 255 - 0.5) / 0.5
        preds = recogniser.session(tensor[np.newaxis])[0][0]
        index, prob = preds.argmax(axis=1), preds.max(axis=1)
        for i, x0 in zip(members, starts, strict=True):
            first = max(0, (x0 - GAP // 2) // STEP)
            last = min(len(index), (x0 + _span(widths[i]) - GAP // 2) // STEP)
            results[i] = _decode(index[first:last], prob[first:last], characters)
    return results
