"""Excel 2007+ workbooks (.xlsx/.xlsm) with openpyxl: every sheet that holds a 自评表, as displayed.

Before openpyxl sees the file, the zip is checked without unpacking it to memory: its total
uncompressed size and the number of cells in its sheets (streamed and counted) have limits, so a
zip bomb or a million-row dump is refused in about a second. Values are the cached results a
spreadsheet shows (`data_only`), printed through the cell's number format; a formula with no cached
value is reported, never evaluated; macros are neither loaded nor run; external links are not
followed (their cached values are read and the link is reported).
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet

from jixiao.errors import InputError
from jixiao.ingest.numfmt import format_date, format_number
from jixiao.ingest.sheetgrid import MAX_CELLS, Merge, TooManyCells, address
from jixiao.ingest.sheets import SheetTexts, choose_sheets, hidden_note, sheet_page
from jixiao.layout import IngestNote, LayoutDocument, Page

MAX_UNCOMPRESSED = 100 * 1024 * 1024  # bytes of XML; a form workbook is well under 1 MiB
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[ >/]")
_TARGET = re.compile(r'Target="([^"]+)"')


class CorruptWorkbook(InputError):
    pass


def precheck(archive: zipfile.ZipFile, path: Path) -> tuple[bool, list[str]]:
    """Refuse bombs before loading: (has formulas, external link targets)."""
    infos = archive.infolist()
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED:
        raise TooManyCells(f"{path}: the workbook unpacks to {total / 1048576:.0f} MiB "
                           f"(limit {MAX_UNCOMPRESSED // 1048576} MiB); not read (zip bomb or data dump?)")
    cells, formulas = 0, False
    for info in infos:
        if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
            continue
        with archive.open(info) as stream:
            tail = b""
            while chunk := stream.read(1 << 20):
                block = tail + chunk
                cells += len(_CELL_TAG.findall(block))
                formulas = formulas or b"<f" in block
                tail = block[-8:]
                cells -= len(_CELL_TAG.findall(tail))  # counted again with the next chunk
                if cells > MAX_CELLS:
                    raise TooManyCells(f"{path}: more than {MAX_CELLS:,} cells; not read "
                                       f"(a form holds a few thousand; zip bomb or data dump?)")
    links = []
    for info in infos:
        if re.match(r"xl/externalLinks/_rels/.*\.rels$", info.filename):
            links += _TARGET.findall(archive.read(info).decode("utf-8", "replace"))
    return formulas, links


def display(value: Any, number_format: str | None, data_type: str) -> str:
    """The text a cell shows."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return format_number(float(value), number_format)
    if isinstance(value, datetime | date | time):
        return format_date(value, number_format)
    return str(value)


def _sheet_texts(ws: Worksheet, notes: list[IngestNote], ordinal: int) -> SheetTexts:
    texts: dict[tuple[int, int], str] = {}
    for (row, col), cell in ws._cells.items():
        if cell.value is None:
            continue
        text = display(cell.value, cell.number_format, cell.data_type)
        if cell.data_type == "e":
            notes.append(IngestNote(code="CELL_ERROR", severity="warning", page=ordinal,
                                    message=f"工作表“{ws.title}”单元格{cell.coordinate}显示公式错误{text}，其值未读取"))
        texts[(row - 1, col - 1)] = text
    merges = [Merge(r.min_row - 1, r.min_col - 1, r.max_row - 1, r.max_col - 1) for r in ws.merged_cells.ranges]
    hidden_rows = frozenset(r - 1 for r, dim in ws.row_dimensions.items() if dim.hidden)
    hidden_cols: set[int] = set()
    for dim in ws.column_dimensions.values():
        if dim.hidden and dim.min is not None and dim.max is not None:
            hidden_cols.update(range(dim.min - 1, min(dim.max, 16384)))
    return SheetTexts(name=ws.title, ordinal=ordinal, texts=texts, merges=merges, hidden_rows=hidden_rows,
                      hidden_cols=frozenset(hidden_cols), hidden=ws.sheet_state != "visible")


def _uncached_formulas(data: bytes, cached: Any, names: list[str]) -> list[tuple[str, str, str]]:
    """(sheet, address, formula) of formula cells in `names` that hold no cached value."""
    formulas = openpyxl.load_workbook(io.BytesIO(data), data_only=False, keep_links=False, keep_vba=False)
    out = []
    for name in names:
        values = cached[name]._cells
        for (row, col), cell in formulas[name]._cells.items():
            value = values.get((row, col))
            if cell.data_type == "f" and (value is None or value.value is None):
                out.append((name, address(row - 1, col - 1), str(cell.value)))
    return out


def ingest_xlsx(path: Path, data: bytes, sha256: str) -> LayoutDocument:
    """Read the 自评表 sheets of an .xlsx/.xlsm workbook."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            formulas, links = precheck(archive, path)
        workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=True, keep_links=False, keep_vba=False)
    except TooManyCells:
        raise
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError, OSError, EOFError) as exc:
        raise CorruptWorkbook(f"{path}: damaged Excel workbook, cannot be read ({type(exc).__name__}: {exc})") from None
    notes: list[IngestNote] = []
    if links:
        notes.append(IngestNote(code="EXTERNAL_LINKS", severity="warning",
                                message="工作簿引用外部文件（" + "、".join(sorted(set(links)))
                                        + "），引用的数值为保存时的缓存值，未更新也未打开外部文件；请核对"))
    sheets = [_sheet_texts(ws, notes, n) for n, ws in enumerate(workbook.worksheets, start=1)]
    chosen = choose_sheets(sheets, notes)
    if formulas:
        for name, where, formula in _uncached_formulas(data, workbook, [s.name for s in chosen]):
            notes.append(IngestNote(code="FORMULA_NOT_CACHED", severity="warning",
                                    message=f"工作表“{name}”单元格{where}是公式（{formula}）但没有保存计算结果；"
                                            "公式不会被计算，该单元格按空白读取。请在Excel中打开并保存后重新提交"))
    notes = [n for n in notes if n.code != "CELL_ERROR" or any(s.ordinal == n.page for s in chosen)]
    pages: list[Page] = []
    for sheet in chosen:
        note = hidden_note(sheet)
        if note is not None:
            notes.append(note)
        pages.append(sheet_page(sheet))
    return LayoutDocument(path=str(path), sha256=sha256, kind="xlsx", pages=pages, notes=notes)
