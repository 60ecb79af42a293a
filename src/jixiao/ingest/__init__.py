"""Ingest backends: any input file → `LayoutDocument`.

Only this package may import PDF or OCR libraries (enforced by ruff's banned-api).
"""

from __future__ import annotations

from pathlib import Path

from jixiao.errors import UnsupportedInput
from jixiao.ingest.pdf import ingest_image, ingest_pdf
from jixiao.ingest.text import ingest_text
from jixiao.layout import LayoutDocument
from jixiao.models import PageGeometry

TEXT_SUFFIXES = frozenset({".txt", ".md", ".text", ".markdown"})
PDF_SUFFIXES = frozenset({".pdf"})
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | PDF_SUFFIXES | IMAGE_SUFFIXES


# codes of the findings ingest notes become (kept when the checks are re-run)
INGEST_CODES = frozenset({"SCAN_TURNED", "SEAL_REMOVED", "TEXT_LAYER_UNREADABLE", "PDF_REPAIRED", "PAGE_UNREADABLE",
                          "MIXED_PDF"})


def ingest(path: Path) -> LayoutDocument:
    """Read one input file into the layout IR, choosing the backend by file type."""
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return ingest_text(path)
    if suffix in PDF_SUFFIXES:
        return ingest_pdf(path)
    if suffix in IMAGE_SUFFIXES:
        return ingest_image(path)
    raise UnsupportedInput(
        f"{path}: unsupported file type {suffix or '(none)'}; this version reads "
        + ", ".join(sorted(SUPPORTED_SUFFIXES))
    )


__all__ = ["INGEST_CODES", "SUPPORTED_SUFFIXES", "ingest", "page_pictures"]


def page_pictures(path: Path, pages: list[PageGeometry]) -> dict[int, bytes]:
    """JPEG pictures of a PDF's or scan's pages for the report (see `jixiao.ingest.render`)."""
    from jixiao.ingest.render import page_pictures as render

    return render(path, pages)
