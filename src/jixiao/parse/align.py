"""Align a data row's cells to the table's columns by content, not only by position.

Text dumps shift cells: a lost tab moves a row left, a doubled tab moves it right, a merged
一级指标 cell leaves the 二级指标 in the first column. Each filled cell is assigned to at most
one column, in order (a monotone alignment solved by dynamic programming), minimising
  type cost (does this text look like what the column holds?) + distance from its position.
A cell that fits nowhere is dropped at a high cost and reported.
"""

from __future__ import annotations

import math
from functools import lru_cache

from pydantic import BaseModel

from jixiao.domain.columns import SUSPICIOUS, type_cost
from jixiao.layout import Cell

INF = math.inf
DROP_COST = 8.0
_MAX_SHIFT_COST = 3.0


class Column(BaseModel):
    index: int
    field: str | None  # None: a column the parser ignores (e.g. a spanning 绩效指标 label)


class Placement(BaseModel):
    field: str | None
    cell: Cell
    column_index: int

    @property
    def shifted(self) -> bool:
        return self.cell.index != self.column_index


class Alignment(BaseModel):
    placements: list[Placement]
    dropped: list[Cell]
    cost: float
    exact: bool = False  # placed by the grid position of a spreadsheet/Word cell, not by content

    @property
    def suspicious(self) -> list[Placement]:
        """Placements whose text does not look like what their column holds."""
        if self.exact:
            return []
        return [p for p in self.placements if type_cost(p.cell.text, p.field) >= SUSPICIOUS]

    @property
    def uncertain(self) -> bool:
        return bool(self.dropped or self.suspicious)


@lru_cache(maxsize=65536)
def _type_costs(text: str, fields: tuple[str | None, ...]) -> tuple[float, ...]:
    return tuple(type_cost(text, field) for field in fields)


def align(cells: list[Cell], columns: list[Column]) -> Alignment:
    """Best monotone assignment of `cells` (filled, in order) to `columns` (in order)."""
    n, m = len(cells), len(columns)
    # place[i][j]: cost of putting cell i in column j (its type cost plus its distance from there)
    fields = tuple(column.field for column in columns)
    place = [[fit + min(abs(cell.index - column.index), _MAX_SHIFT_COST)
              for fit, column in zip(_type_costs(cell.text, fields), columns, strict=True)] for cell in cells]
    # cost[i][j]: best cost placing the first i cells within the first j columns
    cost = [[INF] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int, str]]] = [[(0, 0, "")] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    for i in range(n + 1):
        row, below = cost[i], cost[i + 1] if i < n else None
        for j in range(m + 1):
            here = row[j]
            if here == INF:
                continue
            if j < m and here < row[j + 1]:  # leave column j empty
                row[j + 1], back[i][j + 1] = here, (i, j, "skip")
            if below is not None:
                if here + DROP_COST < below[j]:  # drop cell i
                    below[j], back[i + 1][j] = here + DROP_COST, (i, j, "drop")
                if j < m:
                    total = here + place[i][j]
                    if total < below[j + 1]:
                        below[j + 1], back[i + 1][j + 1] = total, (i, j, "place")
    steps = backtrack(back, n, m)
    placements = [Placement(field=columns[pj].field, cell=cells[pi], column_index=columns[pj].index)
                  for pi, _, pj, move in steps if move == "place"]
    return Alignment(placements=placements, dropped=[cells[pi] for pi, _, _, move in steps if move == "drop"],
                     cost=cost[n][m])


def backtrack(back: list[list[tuple[int, int, str]]], n: int, m: int) -> list[tuple[int, int, int, str]]:
    """The moves of a monotone alignment's best path, first to last, from its back-pointer table (`back[i][j]`:
    the state (i', j') the best way to (i, j) came from, and the move): (first cell, end cell, column, move)."""
    steps = []
    i, j = n, m
    while i > 0 or j > 0:
        pi, pj, move = back[i][j]
        steps.append((pi, i, pj, move))
        i, j = pi, pj
    steps.reverse()
    return steps


def positional(cells: list[Cell], header: list[Cell], columns: list[Column], ignored: frozenset[str]) -> Alignment | None:
    """Place the cells of a spreadsheet or Word table by their grid position: the file's own grid is
    exact, so a cell belongs to the header cell above it (a merged header covers its span). None when
    a cell lies under no header, two cells share a column, or a cell cannot be what its column holds
    (then the row is aligned by content and its oddities reported). Block labels such as a merged
    绩效指标 cell beside the rows are skipped."""
    field_of = {c.index: c for c in columns}
    column_at: dict[int, Column] = {}
    for head in header:
        column = field_of.get(head.index)
        if column is not None:
            for i in range(head.index, head.index + head.span):
                column_at[i] = column
    placements: list[Placement] = []
    used: set[int] = set()
    for cell in cells:
        column = column_at.get(cell.index)
        if column is None:
            if cell.text in ignored:
                continue
            return None
        if column.index in used or (column.field is not None and type_cost(cell.text, column.field) == INF):
            return None
        used.add(column.index)
        placements.append(Placement(field=column.field, cell=cell, column_index=column.index))
    return Alignment(placements=placements, dropped=[], cost=0.0, exact=True)
