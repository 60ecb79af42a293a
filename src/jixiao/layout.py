"""Layout intermediate representation: what every ingest backend produces.

pages → blocks (text lines or tables) → rows → cells. A cell keeps its text as printed, its
page, its box (None for plain text) and how sure the backend is of it (OCR confidence). The
rule parser reads only this, so text, digital-PDF and scanned inputs share one parser.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from jixiao.models import BBox

InputKind = Literal["text", "pdf", "scan", "image", "xlsx", "xls", "docx"]
Origin = Literal["text", "pdf", "ocr"]


class CellRef(BaseModel):
    """Where a cell sits in a spreadsheet (sheet + address) or a Word document (table, row, column)."""

    model_config = ConfigDict(frozen=True)

    sheet: str | None = Field(None, description="worksheet name")
    cell: str | None = Field(None, description="spreadsheet address of the cell (top-left of a merged range), e.g. B7")
    table: int | None = Field(None, description="1-based table ordinal in a Word document")
    row: int | None = Field(None, description="1-based row of the Word table")
    column: int | None = Field(None, description="1-based grid column of the Word table")


class Cell(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str = Field(description="normalised text: markup removed, whitespace collapsed")
    raw: str = Field(description="the cell as it appears in the source")
    index: int = Field(description="0-based column position within its row")
    bbox: BBox | None = None
    confidence: float = 1.0
    span: int = Field(1, description="grid columns a merged cell covers (1 for plain text)")
    origin: Origin = Field("text", description="text file, PDF text layer, or OCR")
    ref: CellRef | None = Field(None, description="spreadsheet/Word position of the cell")


class Row(BaseModel):
    model_config = ConfigDict(frozen=True)

    cells: tuple[Cell, ...]
    page: int = 1
    line: int | None = Field(None, description="1-based source line for plain text")
    bbox: BBox | None = None
    heading: bool = Field(False, description="marked as a heading in the source (markdown #, <b>)")

    @property
    def filled(self) -> list[Cell]:
        """The cells that hold text, in order. Kept for these very cells (the parser asks ~15 times per row): a copy
        made with other cells (`model_copy(update={"cells": …})` copies the keep too) works it out again."""
        kept = self.__dict__.get("_filled")
        if kept is not None and kept[0] is self.cells:
            return list(kept[1])
        filled = [c for c in self.cells if c.text]
        self.__dict__["_filled"] = (self.cells, tuple(filled))
        return filled

    def cell_at(self, index: int) -> Cell | None:
        for cell in self.cells:
            if cell.index == index:
                return cell
        return None


class Block(BaseModel):
    kind: Literal["text", "table"]
    rows: list[Row]


class Page(BaseModel):
    number: int
    width: float | None = Field(None, description="page width in points (PDF) or pixels × 72 / dpi (scans)")
    height: float | None = None
    rotation: int = Field(0, description="clockwise degrees the scan was turned to read it upright")
    skew: float = Field(0.0, description="degrees of skew corrected before OCR")
    ocr: bool = Field(False, description="the page was read by OCR (no usable text layer)")
    blocks: list[Block] = Field(default_factory=list)


class IngestNote(BaseModel):
    """Something the backend corrected or could not read; becomes a finding on the document."""

    code: str
    severity: Literal["error", "warning", "info"]
    message: str
    page: int | None = None


class LayoutDocument(BaseModel):
    path: str
    sha256: str
    kind: InputKind
    encoding: str | None = None
    pages: list[Page]
    notes: list[IngestNote] = Field(default_factory=list)

    def rows(self) -> Iterator[Row]:
        """All rows in reading order, across pages and blocks."""
        for page in self.pages:
            for block in page.blocks:
                yield from block.rows
