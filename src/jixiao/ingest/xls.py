"""Excel 97–2003 workbooks (.xls, and WPS .et saved in that format) with xlrd.

Values are the results the file stores (xlrd never evaluates formulas), printed through the
cell's number format (`formatting_info=True` gives formats and merged ranges). An encrypted
workbook is refused with one line.
"""

from __future__ import annotations

from pathlib import Path

import xlrd
from xlrd.biffh import XLRDError

from jixiao.errors import InputError
from jixiao.ingest.numfmt import format_date, format_number, is_date_format
from jixiao.ingest.sheetgrid import Merge, TooManyCells, address
from jixiao.ingest.sheets import SheetTexts, choose_sheets, hidden_note, sheet_page
from jixiao.layout import IngestNote, LayoutDocument, Page
from jixiao.limits import current

MAX_BYTES = 20 * 1024 * 1024  # a form workbook is well under 1 MiB


class EncryptedWorkbook(InputError):
    pass


class CorruptXls(InputError):
    pass


def _format_of(book: xlrd.book.Book, xf_index: int) -> str | None:
    try:
        return str(book.format_map[book.xf_list[xf_index].format_key].format_str)
    except (IndexError, KeyError):
        return None


def _text(book: xlrd.book.Book, sheet: xlrd.sheet.Sheet, row: int, col: int) -> tuple[str, bool]:
    """(displayed text, is an error value)."""
    ctype, value = sheet.cell_type(row, col), sheet.cell_value(row, col)
    if ctype == xlrd.XL_CELL_TEXT:
        return str(value), False
    if ctype == xlrd.XL_CELL_NUMBER:
        code = _format_of(book, sheet.cell_xf_index(row, col))
        if is_date_format(code):
            return format_date(xlrd.xldate.xldate_as_datetime(value, book.datemode), code), False
        return format_number(float(value), code), False
    if ctype == xlrd.XL_CELL_DATE:
        code = _format_of(book, sheet.cell_xf_index(row, col))
        return format_date(xlrd.xldate.xldate_as_datetime(value, book.datemode), code), False
    if ctype == xlrd.XL_CELL_BOOLEAN:
        return ("TRUE" if value else "FALSE"), False
    if ctype == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(int(value), "#ERR"), True
    return "", False


def _sheet_texts(book: xlrd.book.Book, index: int, notes: list[IngestNote], budget: list[int]) -> SheetTexts:
    sheet = book.sheet_by_index(index)
    ordinal = index + 1
    texts: dict[tuple[int, int], str] = {}
    for row in range(sheet.nrows):
        budget[0] += sheet.row_len(row)
        if budget[0] > current().max_cells:
            raise TooManyCells(f"more than {current().max_cells:,} cells (--max-cells); not read "
                               "(a form holds a few thousand)")
        for col in range(sheet.row_len(row)):
            text, error = _text(book, sheet, row, col)
            if error:
                where = f"工作表“{sheet.name}”单元格{address(row, col)}"
                notes.append(IngestNote(code="CELL_ERROR", severity="warning", page=ordinal,
                                        message=f"{where}显示公式错误{text}，其值未读取"))
            if text:
                texts[(row, col)] = text
    merges = [Merge(r0, c0, r1 - 1, c1 - 1) for r0, r1, c0, c1 in sheet.merged_cells]
    hidden_rows = frozenset(r for r, info in sheet.rowinfo_map.items() if info.hidden)
    hidden_cols = frozenset(c for c, info in sheet.colinfo_map.items() if info.hidden)
    return SheetTexts(name=sheet.name, ordinal=ordinal, texts=texts, merges=merges, hidden_rows=hidden_rows,
                      hidden_cols=hidden_cols, hidden=sheet.visibility != 0)


def ingest_xls(path: Path, data: bytes, sha256: str) -> LayoutDocument:
    """Read the 自评表 sheets of a BIFF workbook."""
    if len(data) > MAX_BYTES:
        raise TooManyCells(f"{path}: {len(data) / 1048576:.0f} MiB .xls workbook "
                           f"(limit {MAX_BYTES // 1048576} MiB); not read")
    notes: list[IngestNote] = []
    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True, ragged_rows=True,
                                  logfile=_Silent())
        budget = [0]
        sheets = [_sheet_texts(book, i, notes, budget) for i in range(book.nsheets)]
    except TooManyCells as exc:
        raise TooManyCells(f"{path}: {exc}") from None
    except XLRDError as exc:
        if "encrypt" in str(exc).lower():
            raise EncryptedWorkbook(f"{path}: password-protected .xls workbook; save it without a password") from None
        raise CorruptXls(f"{path}: damaged .xls workbook, cannot be read ({exc})") from None
    except (AssertionError, IndexError, KeyError, ValueError, TypeError, EOFError) as exc:
        raise CorruptXls(f"{path}: damaged .xls workbook, cannot be read ({type(exc).__name__}: {exc})") from None
    chosen = choose_sheets(sheets, notes)
    notes = [n for n in notes if n.code != "CELL_ERROR" or any(s.ordinal == n.page for s in chosen)]
    pages: list[Page] = []
    for sheet in chosen:
        note = hidden_note(sheet)
        if note is not None:
            notes.append(note)
        pages.append(sheet_page(sheet))
    return LayoutDocument(path=str(path), sha256=sha256, kind="xls", pages=pages, notes=notes)


class _Silent:
    """xlrd writes warnings to a log file; a batch tool has no use for them."""

    def write(self, _text: str) -> int:
        return 0
