"""Excel 2007+ workbooks (.xlsx/.xlsm): every sheet that holds a 自评表, as displayed.

Before any XML is parsed the zip is checked without unpacking it to memory: its total uncompressed
size and the number of cells in its sheets (streamed and counted) have limits, so a zip bomb or a
million-row dump is refused in about a second. Values are the cached results a spreadsheet shows,
printed through the cell's number format (`ooxml.Package`); a formula with no cached value is
reported, never evaluated; macros (vbaProject.bin) are never read; external links are not followed
(their cached values are read and the link is reported).
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from jixiao.errors import InputError
from jixiao.ingest.ooxml import Package, SheetData
from jixiao.ingest.sheetgrid import TooManyCells
from jixiao.ingest.sheets import SheetTexts, choose_sheets, hidden_note, sheet_page
from jixiao.layout import IngestNote, LayoutDocument, Page
from jixiao.limits import current

MAX_UNCOMPRESSED = 100 * 1024 * 1024  # bytes of XML; a form workbook is well under 1 MiB
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[ >/]")
_TARGET = re.compile(r'Target="([^"]+)"')


class CorruptWorkbook(InputError):
    pass


def precheck(archive: zipfile.ZipFile) -> list[str]:
    """Refuse bombs before parsing: the total unpacked size from the zip directory, then the cell tags
    counted in the streamed sheet XML (a regex, no parser; `Package.read_sheet` counts again as it reads).
    Returns the targets of external links."""
    infos = archive.infolist()
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED:
        raise TooManyCells(f"the workbook unpacks to {total / 1048576:.0f} MiB "
                           f"(limit {MAX_UNCOMPRESSED // 1048576} MiB); not read (zip bomb or data dump?)")
    cells = 0
    for info in infos:
        if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
            continue
        if info.file_size < current().max_cells * len(b'<c r="A1"/>'):  # too small to hold that many cells on its own
            continue  # (`Package.read_sheet` still counts the workbook's cells as it reads)
        with archive.open(info) as stream:
            tail = b""
            while chunk := stream.read(1 << 20):
                block = tail + chunk
                tail = block[-8:]
                cells += len(_CELL_TAG.findall(block)) - len(_CELL_TAG.findall(tail))  # the tail is counted next time
                if cells > current().max_cells:
                    raise TooManyCells(f"more than {current().max_cells:,} cells (--max-cells); not read "
                                       "(a form holds a few thousand; "
                                       "zip bomb or data dump?)")
    links = []
    for info in infos:
        if re.match(r"xl/externalLinks/_rels/.*\.rels$", info.filename):
            links += _TARGET.findall(archive.read(info).decode("utf-8", "replace"))
    return links


def _sheet_texts(name: str, ordinal: int, hidden: bool, data: SheetData) -> SheetTexts:
    return SheetTexts(name=name, ordinal=ordinal, texts=data.texts, merges=data.merges,
                      hidden_rows=frozenset(data.hidden_rows), hidden_cols=frozenset(data.hidden_cols), hidden=hidden)


def _data_notes(sheet: SheetTexts, data: SheetData) -> list[IngestNote]:
    notes = [IngestNote(code="CELL_ERROR", severity="warning", page=sheet.ordinal,
                        message=f"工作表“{sheet.name}”单元格{where}显示公式错误{text}，其值未读取")
             for where, text in data.errors]
    notes += [IngestNote(code="FORMULA_NOT_CACHED", severity="warning", page=sheet.ordinal,
                         message=f"工作表“{sheet.name}”单元格{where}是公式（{formula}）但没有保存计算结果；"
                                 "公式不会被计算，该单元格按空白读取。请在Excel中打开并保存后重新提交")
              for where, formula in data.uncached]
    return notes


def ingest_xlsx(path: Path, data: bytes, sha256: str) -> LayoutDocument:
    """Read the 自评表 sheets of an .xlsx/.xlsm workbook."""
    notes: list[IngestNote] = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            links = precheck(archive)
            package = Package(archive)
            budget = [0]
            read = [(info, package.read_sheet(info.part, budget)) for info in package.sheets]
    except TooManyCells as exc:
        raise TooManyCells(f"{path}: {exc}") from None
    except (zipfile.BadZipFile, KeyError, ValueError, IndexError, OSError, EOFError, SyntaxError) as exc:
        # ElementTree's ParseError is a SyntaxError
        raise CorruptWorkbook(f"{path}: damaged Excel workbook, cannot be read ({type(exc).__name__}: {exc})") from None
    if not read:
        raise CorruptWorkbook(f"{path}: damaged Excel workbook, cannot be read (no worksheet)")
    if links:
        notes.append(IngestNote(code="EXTERNAL_LINKS", severity="warning",
                                message="工作簿引用外部文件（" + "、".join(sorted(set(links)))
                                        + "），引用的数值为保存时的缓存值，未更新也未打开外部文件；请核对"))
    sheets = [_sheet_texts(info.name, n, info.hidden, sheet) for n, (info, sheet) in enumerate(read, start=1)]
    chosen = choose_sheets(sheets, notes)
    pages: list[Page] = []
    for sheet in chosen:
        notes += _data_notes(sheet, read[sheet.ordinal - 1][1])
        note = hidden_note(sheet)
        if note is not None:
            notes.append(note)
        pages.append(sheet_page(sheet))
    return LayoutDocument(path=str(path), sha256=sha256, kind="xlsx", pages=pages, notes=notes)
