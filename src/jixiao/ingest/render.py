"""Page pictures for the HTML report, in the geometry the values' boxes refer to.

Digital pages are rendered as they are; scanned pages are turned and deskewed exactly as they
were before OCR, so a field's bbox (points of the upright page) lands on its cell.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pymupdf
from PIL import Image, ImageSequence

from jixiao.ingest.pdf import page_image
from jixiao.ingest.scan import rotate, turn_clockwise
from jixiao.models import PageGeometry

WIDTH_PX = 1100


def _jpeg(image: np.ndarray) -> bytes:
    scale = WIDTH_PX / image.shape[1]
    if scale < 1:
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 70])
    return data.tobytes() if ok else b""


def _upright(image: np.ndarray, geometry: PageGeometry) -> np.ndarray:
    image = turn_clockwise(image, geometry.rotation // 90)
    if abs(geometry.skew) >= 0.1:
        image = rotate(image, geometry.skew)
    return image


def page_pictures(path: Path, pages: list[PageGeometry]) -> dict[int, bytes]:
    """JPEG bytes per page number; pages that cannot be rendered are left out."""
    out: dict[int, bytes] = {}
    if path.suffix.lower() == ".pdf":
        with pymupdf.open(path) as doc:
            for geometry in pages:
                page = doc[geometry.number - 1]
                if geometry.ocr:
                    image, _ = page_image(page, path)
                    out[geometry.number] = _jpeg(_upright(image, geometry))
                else:
                    zoom = WIDTH_PX / page.rect.width
                    pix = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), colorspace=pymupdf.csRGB, alpha=False)
                    out[geometry.number] = pix.tobytes("jpeg", jpg_quality=75)
        return out
    with Image.open(path) as img:
        for index, frame in enumerate(ImageSequence.Iterator(img)):
            found = next((g for g in pages if g.number == index + 1), None)
            if found is not None:
                out[found.number] = _jpeg(_upright(np.asarray(frame.convert("RGB")), found))
    return out
