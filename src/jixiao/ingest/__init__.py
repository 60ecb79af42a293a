"""Ingest backends: any input file → `LayoutDocument`.

Only this package may import PDF, OCR or Office libraries (enforced by ruff's banned-api).
"""

from __future__ import annotations

from pathlib import Path

from jixiao.errors import UnsupportedInput
from jixiao.ingest.office import OFFICE_SUFFIXES, ingest_office
from jixiao.ingest.pdf import ingest_image, ingest_pdf
from jixiao.ingest.text import ingest_text
from jixiao.layout import LayoutDocument
from jixiao.models import PageGeometry

TEXT_SUFFIXES = frozenset({".txt", ".md", ".text", ".markdown"})
PDF_SUFFIXES = frozenset({".pdf"})
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | PDF_SUFFIXES | IMAGE_SUFFIXES | OFFICE_SUFFIXES


# codes of the findings ingest notes become (kept when the checks are re-run)
INGEST_CODES = frozenset({"SCAN_TURNED", "SEAL_REMOVED", "TEXT_LAYER_UNREADABLE", "PDF_REPAIRED", "PAGE_UNREADABLE",
                          "MIXED_PDF", "SHEET_SKIPPED", "HIDDEN_CELLS_SKIPPED", "SUFFIX_MISMATCH", "CONVERTED"})
# codes of ingest notes about the form's own data (a cell showing #REF!, a formula never calculated, values
# cached from another file): kept when the checks are re-run, and part of the expected findings
INGEST_DATA_CODES = frozenset({"CELL_ERROR", "FORMULA_NOT_CACHED", "EXTERNAL_LINKS"})


def ingest(path: Path) -> LayoutDocument:
    """Read one input file into the layout IR, choosing the backend by file type."""
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return ingest_text(path)
    if suffix in PDF_SUFFIXES:
        return ingest_pdf(path)
    if suffix in IMAGE_SUFFIXES:
        return ingest_image(path)
    if suffix in OFFICE_SUFFIXES:  # the content decides between workbook and document formats
        return ingest_office(path)
    raise UnsupportedInput(
        f"{path}: unsupported file type {suffix or '(none)'}; this version reads "
        + ", ".join(sorted(SUPPORTED_SUFFIXES))
    )


__all__ = ["INGEST_CODES", "INGEST_DATA_CODES", "SUPPORTED_SUFFIXES", "ingest", "page_pictures"]


def page_pictures(path: Path, pages: list[PageGeometry]) -> dict[int, bytes]:
    """JPEG pictures of a PDF's or scan's pages for the report (see `jixiao.ingest.render`)."""
    from jixiao.ingest.render import page_pictures as render

    return render(path, pages)
