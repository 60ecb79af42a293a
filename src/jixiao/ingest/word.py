"""Word documents (.docx, and .doc/.wps after LibreOffice conversion) with python-docx.

Tables are read from their XML rows, not through `table.cell(r, c)`, which returns the same
cell for every grid position a `gridSpan`/`vMerge` cell covers: each `<w:tc>` is one cell, its
`gridSpan` its width, a `vMerge="continue"` cell the continuation of the one above (an empty
position, as a spreadsheet prints it). Paragraphs before a table are its title/year/header lines
(split into cells at tabs and wide spaces, like a text dump). A table nested in a cell follows its
outer table as a table of its own. Field codes are never evaluated: only their last shown result
text is in the paragraphs.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
from docx.oxml.ns import qn
from docx.table import Table

from jixiao.errors import InputError, NotAForm
from jixiao.ingest.sheetgrid import Merge, TooManyCells, grid_rows
from jixiao.ingest.text import split_cells
from jixiao.ingest.xlsx import MAX_UNCOMPRESSED
from jixiao.layout import Block, Cell, CellRef, LayoutDocument, Page, Row
from jixiao.limits import current
from jixiao.values import clean_text


class CorruptDocument(InputError):
    pass


# elements that wrap rows, cells or paragraphs without changing the table (content controls, smart tags)
_WRAPPERS = frozenset({qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml"), qn("w:smartTag")})
_TEXT = {qn("w:t"): None, qn("w:tab"): "\t", qn("w:br"): "\n", qn("w:cr"): "\n"}


def _direct(element: Any, tag: str) -> Iterator[Any]:
    """Children with `tag`, looking through content-control wrappers (WPS and form templates use them)."""
    for child in element:
        if child.tag == tag:
            yield child
        elif child.tag in _WRAPPERS:
            yield from _direct(child, tag)


def _body(body: Any) -> Iterator[Any]:
    """Paragraphs and tables of the body in order, looking through content-control wrappers."""
    for child in body:
        if child.tag in (qn("w:p"), qn("w:tbl")):
            yield child
        elif child.tag in _WRAPPERS:
            yield from _body(child)


def _paragraph_text(p: Any) -> str:
    """A paragraph's shown text: runs, hyperlinks, content controls; not field codes or deleted text."""
    parts = []
    for el in p.iter(*_TEXT):
        shown = _TEXT[el.tag]
        parts.append(el.text or "" if shown is None else shown)
    return "".join(parts)


def _table_grid(table: Table) -> tuple[dict[tuple[int, int], str], list[Merge], list[Table]]:
    """Displayed text per (row, grid column), merged ranges, and the tables nested in its cells."""
    texts: dict[tuple[int, int], str] = {}
    merges: dict[tuple[int, int], Merge] = {}
    open_at: dict[int, tuple[int, int]] = {}  # grid column → anchor of the vertical merge running there
    nested: list[Table] = []
    for r, tr in enumerate(_direct(table._tbl, qn("w:tr"))):
        col = tr.grid_before
        for tc in _direct(tr, qn("w:tc")):
            span = max(1, tc.grid_span)
            if tc.vMerge == "continue" and col in open_at:
                top, left = open_at[col]
                m = merges[(top, left)]
                merges[(top, left)] = Merge(m.top, m.left, r, m.right)
            else:
                texts[(r, col)] = "\n".join(_paragraph_text(p) for p in _direct(tc, qn("w:p")))
                merges[(r, col)] = Merge(r, col, r, col + span - 1)
                nested.extend(Table(t, table) for t in _direct(tc, qn("w:tbl")))
                if tc.vMerge == "restart":
                    open_at[col] = (r, col)
                else:
                    open_at.pop(col, None)
            col += span
    spanning = [m for m in merges.values() if m.bottom > m.top or m.right > m.left]
    return texts, spanning, nested


def _paragraph_row(paragraph: Any, number: int, page: int) -> Row | None:
    parts = [p for p in split_cells(_paragraph_text(paragraph)) if p.strip()]
    if not parts:
        return None
    heading = (paragraph.style or "").lower().startswith(("heading", "title"))  # the pStyle id
    cells = tuple(Cell(text=clean_text(p), raw=p, index=i) for i, p in enumerate(parts))
    return Row(cells=cells, page=page, line=number, heading=heading)


def _check_size(data: bytes, path: Path) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(i.file_size for i in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise CorruptDocument(f"{path}: damaged Word document, cannot be read ({exc})") from None
    if total > MAX_UNCOMPRESSED:
        raise TooManyCells(f"{path}: the document unpacks to {total / 1048576:.0f} MiB "
                           f"(limit {MAX_UNCOMPRESSED // 1048576} MiB); not read (zip bomb?)")


def ingest_docx(path: Path, data: bytes, sha256: str) -> LayoutDocument:
    """Read a .docx: paragraphs and tables in document order, one page per table."""
    _check_size(data, path)
    try:
        document = docx.Document(io.BytesIO(data))
    except (KeyError, ValueError, zipfile.BadZipFile, OSError) as exc:
        raise CorruptDocument(f"{path}: damaged Word document, cannot be read ({type(exc).__name__}: {exc})") from None
    pages: dict[int, Page] = {}
    pending: list[tuple[int, Any]] = []  # (paragraph number, <w:p>) waiting for the next table
    paragraph_no = 0
    cells = 0
    ordinal = 0
    for item in _body(document.element.body):
        if item.tag == qn("w:p"):
            paragraph_no += 1
            pending.append((paragraph_no, item))
            continue
        queue = [Table(item, document)]
        while queue:
            table = queue.pop(0)
            ordinal += 1
            page = pages.setdefault(ordinal, Page(number=ordinal))
            text_rows = [r for n, p in pending if (r := _paragraph_row(p, n, ordinal)) is not None]
            pending = []
            if text_rows:
                page.blocks.append(Block(kind="text", rows=text_rows))
            texts, merges, nested = _table_grid(table)
            cells += len(texts)
            if cells > current().max_cells:
                raise TooManyCells(f"{path}: more than {current().max_cells:,} table cells (--max-cells); not read")

            def ref(row: int, col: int, table_no: int = ordinal) -> CellRef:
                return CellRef(table=table_no, row=row + 1, column=col + 1)

            rows = grid_rows(texts, merges, ordinal, ref)
            if rows:
                page.blocks.append(Block(kind="table", rows=rows))
            queue = nested + queue
    if not pages:
        raise NotAForm(f"{path}: the Word document holds no table (a 绩效自评表 is a table); nothing read")
    tail = [r for n, p in pending if (r := _paragraph_row(p, n, ordinal)) is not None]
    if tail:
        pages[ordinal].blocks.append(Block(kind="text", rows=tail))
    return LayoutDocument(path=str(path), sha256=sha256, kind="docx", pages=[pages[n] for n in sorted(pages)])
