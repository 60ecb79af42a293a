"""Ingest backends: any input file → `LayoutDocument`.

Only this package may import PDF or OCR libraries (enforced by ruff's banned-api).
"""

from __future__ import annotations

from pathlib import Path

from jixiao.errors import UnsupportedInput
from jixiao.ingest.text import ingest_text
from jixiao.layout import LayoutDocument

TEXT_SUFFIXES = frozenset({".txt", ".md", ".text", ".markdown"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES


def ingest(path: Path) -> LayoutDocument:
    """Read one input file into the layout IR, choosing the backend by file type."""
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return ingest_text(path)
    raise UnsupportedInput(
        f"{path}: unsupported file type {suffix or '(none)'}; this version reads "
        + ", ".join(sorted(SUPPORTED_SUFFIXES))
    )


__all__ = ["SUPPORTED_SUFFIXES", "ingest"]
