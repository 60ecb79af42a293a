"""The OCR engine: RapidOCR (PP-OCRv4 det/rec ONNX models shipped inside the wheel, CPU, offline).

`rapidocr_onnxruntime` 1.4 loads its models from its own package folder and never downloads;
the engine is created once per process, on first use, so text and digital-PDF runs never pay
for it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from jixiao.ingest.grid import TextBox

# Keep every line down to this score: low scores become low-confidence cells that are flagged,
# which is better than a value silently missing.
_MIN_TEXT_SCORE = 0.3


@dataclass(frozen=True)
class Orientation:
    """Majority vote of the angle classifier over text crops: 0 or 180 degrees, and its share."""

    upside_down: bool
    share: float


@lru_cache(maxsize=1)
def engine() -> Any:
    """The process-wide RapidOCR engine (models load in ~0.1 s; first call compiles ~1 s)."""
    from rapidocr_onnxruntime import RapidOCR

    logging.getLogger("RapidOCR").setLevel(logging.ERROR)
    return RapidOCR(text_score=_MIN_TEXT_SCORE, max_side_len=4000, print_verbose=False)


def _box(points: Any, text: str, score: float) -> TextBox:
    xs = [float(p[0]) for p in points]
    ys = [float(p[1]) for p in points]
    return TextBox(min(xs), min(ys), max(xs), max(ys), text, float(score))


def read_text(image: np.ndarray) -> list[TextBox]:
    """Detect and recognise every text line of an upright page image (pixel coordinates)."""
    result, _ = engine()(image, use_cls=False, box_thresh=0.5, unclip_ratio=1.6, text_score=_MIN_TEXT_SCORE)
    return [_box(points, text, score) for points, text, score in (result or []) if text.strip()]


def detect_boxes(image: np.ndarray) -> list[TextBox]:
    """Text-line boxes only (no recognition): cheap, used to find the page's orientation."""
    result, _ = engine()(image, use_det=True, use_cls=False, use_rec=False)
    return [_box(points, "", 1.0) for points in (result or [])]


def upside_down_share(crops: list[np.ndarray]) -> Orientation:
    """Ask the 0°/180° classifier about text-line crops and take the majority."""
    if not crops:
        return Orientation(False, 0.0)
    _, cls_res, _ = engine().text_cls(crops)
    flipped = sum(1 for label, score in cls_res if label == "180" and score > 0.6)
    share = flipped / len(crops)
    return Orientation(share > 0.5, share)
