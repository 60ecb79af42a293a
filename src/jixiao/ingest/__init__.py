"""Ingest backends: any input file → `LayoutDocument`.

Only this package may import PDF, OCR or Office libraries (enforced by ruff's banned-api).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from jixiao.errors import EmptyInput, NotText, UnsupportedInput
from jixiao.ingest.office import OFFICE_SUFFIXES, ingest_office
from jixiao.ingest.pdf import ingest_image, ingest_pdf
from jixiao.ingest.text import ingest_text, stream_text
from jixiao.layout import IngestNote, LayoutDocument, Row
from jixiao.models import PageGeometry

TEXT_SUFFIXES = frozenset({".txt", ".md", ".text", ".markdown", ".csv", ".html", ".htm"})
PDF_SUFFIXES = frozenset({".pdf"})
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | PDF_SUFFIXES | IMAGE_SUFFIXES | OFFICE_SUFFIXES


# codes of the findings ingest notes become (kept when the checks are re-run)
INGEST_CODES = frozenset({"SCAN_TURNED", "SEAL_REMOVED", "TEXT_LAYER_UNREADABLE", "PDF_REPAIRED", "PAGE_UNREADABLE",
                          "PAGE_OVER_BUDGET",
                          "MIXED_PDF", "PAGE_BLANK", "CONTENT_NOT_SUFFIX", "SHEET_SKIPPED", "HIDDEN_CELLS_SKIPPED",
                          "SUFFIX_MISMATCH", "CONVERTED"})
# codes of ingest notes about the form's own data (a cell showing #REF!, a formula never calculated, values
# cached from another file): kept when the checks are re-run, and part of the expected findings
INGEST_DATA_CODES = frozenset({"CELL_ERROR", "FORMULA_NOT_CACHED", "EXTERNAL_LINKS"})
_MAGIC = {b"%PDF-": ".pdf", b"\x89PNG\r\n": ".png", b"\xff\xd8\xff": ".jpg", b"II*\x00": ".tif", b"MM\x00*": ".tif"}


def _sniff(path: Path) -> str | None:
    """The suffix the file's first bytes say it has (PDF, PNG, JPEG, TIFF), or None."""
    with path.open("rb") as handle:
        head = handle.read(1024)
    if b"%PDF-" in head:  # a PDF may start after a little junk
        return ".pdf"
    return next((suffix for magic, suffix in _MAGIC.items() if head.startswith(magic)), None)


def ingest(path: Path) -> LayoutDocument:
    """Read one input file into the layout IR: the content decides the reader, the suffix only when it agrees."""
    suffix = path.suffix.lower()
    sniffed = suffix in TEXT_SUFFIXES | PDF_SUFFIXES | IMAGE_SUFFIXES
    actual = _sniff(path) if sniffed else None
    claimed = ".pdf" if suffix in PDF_SUFFIXES else "image" if suffix in IMAGE_SUFFIXES else "text"
    found = "image" if actual not in (None, ".pdf") else actual or "text"
    if sniffed and found != claimed:
        return _mismatched(path, suffix, actual)
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


def ingest_stream(path: Path) -> tuple[LayoutDocument, Iterator[Row] | None]:
    """A text input as its layout head and its rows made lazily (see `ingest.text.stream_text`); any other input
    read whole by `ingest`, with None for the rows (its layout holds them)."""
    if path.suffix.lower() in TEXT_SUFFIXES and _sniff(path) is None:
        return stream_text(path)
    return ingest(path), None


def _mismatched(path: Path, suffix: str, actual: str | None) -> LayoutDocument:
    """A file whose content is not what its suffix says: read by its content, with a note."""
    if actual == ".pdf":
        layout, what = ingest_pdf(path), "PDF"
    elif actual is not None:
        layout, what = ingest_image(path), "图像"
    else:
        try:
            layout, what = ingest_text(path), "文本"
        except (NotText, EmptyInput):  # not text either: the suffix's reader names the problem
            return ingest_pdf(path) if suffix in PDF_SUFFIXES else ingest_image(path)
    layout.notes.append(IngestNote(code="CONTENT_NOT_SUFFIX", severity="info",
                                   message=f"文件扩展名为{suffix}，但内容是{what}，已按{what}读取"))
    return layout


__all__ = ["INGEST_CODES", "INGEST_DATA_CODES", "SUPPORTED_SUFFIXES", "ingest", "ingest_stream", "page_pictures"]


def page_pictures(path: Path, pages: list[PageGeometry]) -> dict[int, bytes]:
    """JPEG pictures of a PDF's or scan's pages for the report (see `jixiao.ingest.render`)."""
    from jixiao.ingest.render import page_pictures as render

    return render(path, pages)
