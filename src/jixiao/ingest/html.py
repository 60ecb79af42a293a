"""HTML tables → layout rows: a saved web page (.html/.htm), or a markdown text with HTML tables in it, as MinerU
and other converters print a table with merged cells.

A `<td>`/`<th>` is placed on the table's grid as a browser places it (`rowspan`/`colspan` honoured, clamped as
browsers clamp them); a merged cell's text sits at its top-left with `span` = its width. Everything outside the
tables is text, one row per line (a block element ends a line), read by the text ingest's own line rules.
Nothing in the page runs: scripts and styles are skipped, entities decoded, tags dropped. Each row keeps the
source line it starts on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from jixiao.errors import InputError
from jixiao.ingest.sheetgrid import join_cell_lines
from jixiao.layout import Cell, Row
from jixiao.limits import current

HTML_TABLE = re.compile(r"<table[\s>]", re.IGNORECASE)
_BLOCKS = frozenset({"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "title", "section", "article",
                     "header", "footer", "center", "blockquote", "pre", "hr", "caption"})
_SKIPPED = frozenset({"script", "style", "head", "noscript", "template"})
MAX_COLSPAN = 1000  # as browsers clamp colspan


@dataclass
class _Cell:
    line: int
    rowspan: int
    colspan: int
    text: list[str] = field(default_factory=list)


@dataclass
class _Table:
    rows: list[tuple[int, list[_Cell]]] = field(default_factory=list)  # (source line, cells)


class _Reader(HTMLParser):
    """Collects, in document order, text lines outside tables and tables of cells. A table inside a cell is read
    as that cell's text (its rows one line each)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[tuple[int, str] | _Table] = []  # (line, text) or a table
        self.line: tuple[int, list[str]] | None = None
        self.table: _Table | None = None  # the open outermost table
        self.depth = 0  # tables open
        self.cell: _Cell | None = None  # the open cell of the outermost table
        self.skipping = 0
        self.cells = 0

    def _break(self) -> None:
        if self.line is not None:
            self.items.append((self.line[0], "".join(self.line[1])))
            self.line = None

    def _text(self, text: str) -> None:
        if self.depth:
            if self.cell is not None:
                self.cell.text.append(text)
            return  # text between a table's cells is not printed in any cell
        line_no = self.getpos()[0]
        for k, piece in enumerate(text.split("\n")):
            if k:
                self._break()
            if self.line is None:
                self.line = (line_no + k, [])
            self.line[1].append(piece)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag == "table":
            self.depth += 1
            if self.depth == 1:
                self._break()
                self.table = _Table()
                self.items.append(self.table)
            elif self.cell is not None:
                self.cell.text.append("\n")
        elif self.depth > 1:
            if self.cell is not None and tag in ("tr", "td", "th", *_BLOCKS):
                self.cell.text.append("\n" if tag != "td" and tag != "th" else " ")
        elif tag == "tr" and self.table is not None:
            self.table.rows.append((self.getpos()[0], []))
            self.cell = None
        elif tag in ("td", "th") and self.table is not None:
            self.cells += 1
            if self.cells > current().max_cells:
                raise InputError(f"more than {current().max_cells:,} table cells (--max-cells); not read")
            values = dict(attrs)
            self.cell = _Cell(self.getpos()[0], _span(values.get("rowspan"), 65534),
                              _span(values.get("colspan"), MAX_COLSPAN))
            if not self.table.rows:
                self.table.rows.append((self.getpos()[0], []))
            self.table.rows[-1][1].append(self.cell)
        elif tag in _BLOCKS:
            if self.cell is not None:
                self.cell.text.append("\n")
            elif not self.depth:
                self._break()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "table" and self.depth:
            self.depth -= 1
            if not self.depth:
                self.table, self.cell = None, None
        elif tag in ("td", "th") and self.depth == 1:
            self.cell = None
        elif tag in _BLOCKS and not self.depth:
            self._break()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self._text(data)

    def close(self) -> None:
        super().close()
        self._break()


def _span(value: str | None, limit: int) -> int:
    try:
        return max(1, min(limit, int(str(value).strip())))
    except ValueError:
        return 1


def _table_rows(table: _Table, page: int) -> list[Row]:
    """The table's rows of cells, placed on its grid (a row-spanning cell pushes later cells of the rows it covers
    to the right, as a browser lays them out)."""
    taken: set[tuple[int, int]] = set()
    out: list[Row] = []
    height = len(table.rows)
    for r, (line, cells) in enumerate(table.rows):
        col = 0
        placed: list[Cell] = []
        for cell in cells:
            while (r, col) in taken:
                col += 1
            for rr in range(r, min(height, r + cell.rowspan)):
                for cc in range(col, col + cell.colspan):
                    taken.add((rr, cc))
            raw = "".join(cell.text)
            text = join_cell_lines(raw)
            if text:
                placed.append(Cell(text=text, raw=raw.strip(), index=col, span=cell.colspan))
            col += cell.colspan
        if placed:
            out.append(Row(cells=tuple(placed), page=page, line=line))
    return out


def html_items(text: str) -> list[tuple[int, str] | list[Row]]:
    """The text lines (line number, text) outside tables and the tables as rows, in document order."""
    reader = _Reader()
    reader.feed(text)
    reader.close()
    return [item if isinstance(item, tuple) else _table_rows(item, 1) for item in reader.items]
