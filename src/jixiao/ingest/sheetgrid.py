"""Spreadsheet and Word-table grids → layout rows, the same shape the PDF grid builder gives.

A backend hands over the displayed text of every filled grid position and the merged ranges;
a merged range's text sits at its top-left position with `span` = its width. Only cells that hold
text are emitted: a cell's `index` is its grid column (hidden columns not counted), so positions
stay exact without empty placeholders. Rows with no text are dropped; hidden rows and columns are not printed, so they
are not read either (the caller reports them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from jixiao.errors import InputError
from jixiao.layout import Cell, CellRef, Row
from jixiao.limits import current
from jixiao.values import clean_text


class TooManyCells(InputError):
    pass


@dataclass(frozen=True)
class Merge:
    """A merged range, 0-based and inclusive."""

    top: int
    left: int
    bottom: int
    right: int


def column_letters(col: int) -> str:
    """0-based column → A, B, …, Z, AA …"""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def address(row: int, col: int) -> str:
    """0-based (row, col) → 'B7'."""
    return f"{column_letters(col)}{row + 1}"


def join_cell_lines(raw: str) -> str:
    """A cell's text with its line breaks removed as a printed cell reads: no space between CJK
    characters, one space between Latin words (the same rule as wrapped PDF cells)."""
    if "\n" not in raw and "\r" not in raw:
        return clean_text(raw)
    out = ""
    for line in raw.replace("\r", "\n").split("\n"):
        line = line.strip()
        if not line:
            continue
        if out and out[-1].isascii() and out[-1].isalnum() and line[0].isascii() and line[0].isalnum():
            out += " "
        out += line
    return clean_text(out)


def grid_rows(texts: dict[tuple[int, int], str], merges: Iterable[Merge], page: int,
              ref: Callable[[int, int], CellRef], hidden_rows: frozenset[int] = frozenset(),
              hidden_cols: frozenset[int] = frozenset()) -> list[Row]:
    """Rows of cells for one sheet or table. `texts` maps 0-based (row, col) to the displayed text."""
    anchor: dict[tuple[int, int], tuple[int, int]] = {}
    width: dict[tuple[int, int], int] = {}
    covered = 0
    for m in merges:
        covered += (m.bottom - m.top + 1) * (m.right - m.left + 1)
        if covered > current().max_cells:
            raise TooManyCells(f"merged ranges cover more than {current().max_cells:,} cells "
                               f"({address(m.top, m.left)}:{address(m.bottom, m.right)})")
        visible = [c for c in range(m.left, m.right + 1) if c not in hidden_cols]
        width[(m.top, m.left)] = max(1, len(visible))
        for r in range(m.top, m.bottom + 1):
            for c in range(m.left, m.right + 1):
                anchor[(r, c)] = (m.top, m.left)
    filled = {pos for pos, text in texts.items() if text.strip()}
    if not filled:
        return []
    first_col = min(c for _, c in filled)
    last_col = max([c for _, c in filled] + [c for (_, c), a in anchor.items() if a in filled])
    visible = [c for c in range(first_col, last_col + 1) if c not in hidden_cols]
    index_of = {c: i for i, c in enumerate(visible)}
    by_row: dict[int, list[int]] = {}
    for r, c in filled:
        if r not in hidden_rows and c in index_of and anchor.get((r, c), (r, c)) == (r, c):
            by_row.setdefault(r, []).append(c)
    rows: list[Row] = []
    for r in sorted(by_row):  # only filled cells: their index is their grid position, so no empty placeholders
        cells = [Cell(text=join_cell_lines(texts[(r, c)]), raw=texts[(r, c)], index=index_of[c],
                      span=width.get((r, c), 1), ref=ref(r, c)) for c in sorted(by_row[r])]
        rows.append(Row(cells=tuple(cells), page=page))
    return rows
