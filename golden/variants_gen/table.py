"""The drawing model every rendering starts from: text lines above a grid of cells with spans.

A family turns a form into a `Sheet`; the text, collapsed, PDF and scan renderings all draw
the same `Sheet`, so what differs between them is only the drawing.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field


@dataclass
class Cell:
    row: int
    col: int
    text: str
    colspan: int = 1
    rowspan: int = 1
    head: bool = False  # a label cell (drawn bold/shaded by some PDF styles)
    seal: bool = False  # a red seal goes here on scans
    role: str = ""  # what the cell holds, for renderings that store meaning (a formula, a typed number)


@dataclass
class Sheet:
    """Lines printed above the table (title, year, 填报单位 …), the table, lines below it."""

    widths: list[float]
    cells: list[Cell] = field(default_factory=list)
    above: list[str] = field(default_factory=list)
    below: list[str] = field(default_factory=list)
    breaks: list[int] = field(default_factory=list)  # rows that start a new page (continuation without header)
    rows: int = 0
    marks: dict[str, int] = field(default_factory=dict)  # first row of each block: header, funds, goals, …

    def tag(self, *roles: str) -> None:
        """Name what the last len(roles) cells hold ("" leaves a cell untagged)."""
        for cell, role in zip(self.cells[-len(roles):], roles, strict=True):
            cell.role = role or cell.role

    def add(self, col: int, text: str, colspan: int = 1, rowspan: int = 1, head: bool = False,
            seal: bool = False) -> Cell:
        cell = Cell(self.rows, col, text, colspan, rowspan, head, seal)
        self.cells.append(cell)
        return cell

    def next_row(self) -> None:
        self.rows += 1

    def row(self, *items: tuple[int, str] | tuple[int, str, int] | Cell, head: bool = False) -> None:
        """Add one row: (col, text) or (col, text, colspan) items; then move on."""
        for item in items:
            if isinstance(item, Cell):
                item.row = self.rows
                self.cells.append(item)
            elif len(item) == 2:
                self.add(item[0], item[1], head=head)
            else:
                self.add(item[0], item[1], item[2], head=head)
        self.next_row()

    @property
    def ncols(self) -> int:
        return len(self.widths)

    def grid(self) -> list[list[Cell | None]]:
        """Row-major positions: the cell whose top-left is there, else None (empty or covered)."""
        out: list[list[Cell | None]] = [[None] * self.ncols for _ in range(self.rows)]
        for cell in self.cells:
            out[cell.row][cell.col] = cell
        return out


@dataclass
class TextStyle:
    """How one exporter dumps a table as text."""

    keep_covered: bool = True  # a merged cell leaves empty fields for the columns it covers (Excel); else one
    # field per merged cell across, as a Word table exports (rows it covers below still give empty fields)
    trim: bool = True  # trailing empty fields dropped
    split_span_labels: bool = False  # a row-spanning label printed over its rows ("项目资金" / "（万元）")
    markdown_title: bool = False  # "# 标题"


_SPLIT = re.compile(r"^(.+?)([（(].+[)）])$")


def _span_pieces(text: str, rows: int) -> list[str]:
    """A tall merged cell as an exporter dumps it: its wrapped lines over the rows it covers."""
    match = _SPLIT.match(text)
    if match and rows >= 2:
        return [match.group(1), match.group(2)]
    return [text]


def render_text(sheet: Sheet, style: TextStyle) -> str:
    fields: list[list[str]] = [["" for _ in range(sheet.ncols)] for _ in range(sheet.rows)]
    covered: set[tuple[int, int]] = set()  # covered by a cell to their left
    for cell in sheet.cells:
        for r in range(cell.row, cell.row + cell.rowspan):
            for c in range(cell.col + 1, cell.col + cell.colspan):
                covered.add((r, c))
        text = cell.text.replace("\n", " ")
        if style.split_span_labels and cell.rowspan > 1:
            for k, piece in enumerate(_span_pieces(text, cell.rowspan)):
                fields[cell.row + k][cell.col] = piece
        else:
            fields[cell.row][cell.col] = text
    lines: list[str] = []
    for line in sheet.above:
        lines.append(f"# {line}" if style.markdown_title and not lines else line)
    lines.append("")
    for r in range(sheet.rows):
        if r in sheet.breaks:
            lines.append("\f")
        row = [fields[r][c] for c in range(sheet.ncols)
               if style.keep_covered or (r, c) not in covered or fields[r][c]]
        if style.trim:
            while row and not row[-1]:
                row.pop()
        lines.append("\t".join(row))
    lines += sheet.below
    return "\n".join(lines).replace("\n\f\n", "\n\f") + "\n"


def collapse(text: str, rng: random.Random, glue_share: float = 0.08) -> str:
    """What copy-paste out of a PDF viewer gives: every run of tabs one space; a few rows glued together."""
    out: list[str] = []
    for line in text.split("\n"):
        cells = [c for c in line.split("\t")]
        if len(cells) > 2 and rng.random() < glue_share:
            out.append(_glue([c for c in cells if c]))
        else:
            out.append(re.sub(r"\t+", " ", line).strip(" "))
    return "\n".join(out)


def _glue(cells: list[str]) -> str:
    """Cells run together with no separator, except where two numbers would merge into one."""
    text = cells[0] if cells else ""
    for cell in cells[1:]:
        numeric_joint = text[-1:].isdigit() and (cell[:1].isdigit() or cell[:1] in "-.")
        text += (" " if numeric_joint else "") + cell
    return text
