"""The source grid of a spreadsheet or Word input for the HTML report: each sheet/table read, as rows of
cells with their addresses, so the report can mark the cell a field came from (as it outlines a box on a
PDF page picture). Cell text is shown as text only (autoescaped); formulas and fields are never run."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from jixiao.ingest import ingest
from jixiao.layout import CellRef
from jixiao.models import Document, Provenance

OFFICE_KINDS = frozenset({"xlsx", "xls", "docx"})


class GridCell(BaseModel):
    text: str
    colspan: int = 1
    key: str | None = None


class GridRow(BaseModel):
    label: str
    cells: list[GridCell]


class SourceGrid(BaseModel):
    page: int
    title: str
    rows: list[GridRow]


def ref_key(page: int | None, sheet: str | None, cell: str | None, row: int | None, column: int | None) -> str | None:
    """One key for a cell: 'page:B7' in a sheet, 'page:row:column' in a Word table."""
    if page is None:
        return None
    if cell is not None:
        return f"{page}:{cell}"
    if row is not None and column is not None:
        return f"{page}:{row}:{column}"
    return None


def cell_label(prov: Provenance | None) -> str | None:
    """Where a value sits, as a reviewer looks it up: 工作表!B7, or 表2 第5行第3列."""
    if prov is None:
        return None
    if prov.sheet is not None and prov.cell is not None:
        return f"{prov.sheet}!{prov.cell}"
    if prov.table is not None:
        return f"表{prov.table} 第{prov.row}行第{prov.column}列"
    return None


def provenance_key(prov: Provenance | None) -> str | None:
    return None if prov is None else ref_key(prov.page, prov.sheet, prov.cell, prov.row, prov.column)


def _key(page: int, ref: CellRef | None) -> str | None:
    return None if ref is None else ref_key(page, ref.sheet, ref.cell, ref.row, ref.column)


def _row_label(ref: CellRef | None) -> str:
    if ref is None:
        return ""
    if ref.cell is not None:
        return ref.cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return str(ref.row or "")


def source_grids(document: Document) -> list[SourceGrid]:
    """The grids of a spreadsheet/Word input (re-read from its path); [] for other kinds or a moved file."""
    if document.source.kind not in OFFICE_KINDS:
        return []
    try:
        layout = ingest(Path(document.source.path))
    except Exception:  # the input moved or changed: the report is still useful without the grid
        return []
    grids: list[SourceGrid] = []
    for page in layout.pages:
        rows: list[GridRow] = []
        sheet = None
        for block in page.blocks:
            for row in block.rows:
                first = next((c.ref for c in row.cells if c.ref is not None), None)
                sheet = sheet or (first.sheet if first else None)
                cells: list[GridCell] = []
                for c in row.cells:  # empty grid positions between the cells read, so columns line up
                    cells += [GridCell(text="") for _ in range(c.index - sum(g.colspan for g in cells))]
                    cells.append(GridCell(text=c.text, colspan=c.span, key=_key(page.number, c.ref)))
                rows.append(GridRow(label=_row_label(first) if first else "¶", cells=cells))
        title = f"工作表“{sheet}”（第{page.number}个）" if sheet else f"表格{page.number}"
        grids.append(SourceGrid(page=page.number, title=title, rows=rows))
    return grids
