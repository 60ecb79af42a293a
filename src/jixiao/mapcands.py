"""Candidate column mappings: the few complete readings of a table that its content and its arithmetic allow.

A table whose header the rules cannot map is not handed to the model as an open question. The rules first
enumerate the complete mappings (one field per column, each field at most once, a 指标名称 and a 得分 column) that fit
the cells by content type (`domain.columns.type_cost`: numbers, percentages, operators, vocabulary words)
and by how the fields are filled (a name on every row, a 偏差原因 only on some, a target more often written
with ≥/≤ than an actual), rank them by that cost, and keep those the arithmetic confirms when the rules read
the table with them (得分 ≤ 分值, Σ得分 = 总分 or Σ分值 = 总分值). What is left is two to four readings that
differ in a few columns (分值 vs 得分 of equal columns, 目标值 vs 完成值 without operators): the model picks
one by the header words, which the rules cannot read. The rules never apply a candidate on their own.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from pydantic import BaseModel, Field

from jixiao.domain.columns import SUSPICIOUS, type_cost
from jixiao.gaps import Gap
from jixiao.layouts import COLUMN_FIELDS
from jixiao.values import split_operator

MAX_CANDIDATES = 4
MARGIN = 2.0  # candidates cost at most this much more than the cheapest reading
_MAX_ENUMERATED = 400  # readings checked by the arithmetic, cheapest first
_SKIP_COST = 1.5  # a column with text that no field reads
_DENSE = ("name", "target", "actual", "weight", "score")  # printed on every indicator row
_RARE = ("review_score", "deviation_pct", "score_coef")  # numeric fields a table seldom has
_COMPLETE = frozenset({"name", "score"})  # a reading names each indicator and reads its 得分
_SCORING_WORDS = re.compile(r"满分|扣分|得分|分值|×|按比例|计分")

# (refusal, confirmation) of the table read with a mapping: the arithmetic of gapmap
Check = Callable[[list[str | None]], tuple[str | None, str | None]]


class Candidate(BaseModel):
    """One complete reading of a table, as the rules rank it."""

    fields: list[str | None] = Field(description="the schema field of each column (None: not read)")
    cost: float = Field(description="content-type cost of the reading; lower fits better")
    confirmed: str = Field(description="the arithmetic that confirmed it, e.g. Σ得分=总分")


def column_samples(gap: Gap) -> list[list[str]]:
    """Every non-empty cell text of each column of the gap's table."""
    return [[c.text for row in gap.rows if (c := row.cell_at(cell.index)) is not None and c.text]
            for cell in gap.cells]


def _share(samples: list[str], test: Callable[[str], bool]) -> float:
    return sum(1 for s in samples if test(s)) / len(samples)


def field_costs(samples: list[str], rows: int) -> dict[str | None, float]:
    """The cost of reading a column with these samples as each field it can be (an absent field cannot)."""
    if not samples:
        return {None: 0.0}
    costs: dict[str | None, float] = {None: _SKIP_COST}
    fill = len(samples) / max(rows, 1)
    operators = _share(samples, lambda s: split_operator(s)[0] is not None)
    scoring = _share(samples, lambda s: bool(_SCORING_WORDS.search(s)))
    for field in COLUMN_FIELDS:
        each = [type_cost(s, field) for s in samples]
        if max(each) >= SUSPICIOUS:
            continue
        cost = sum(each) / len(each)
        if field in _DENSE:
            cost += 2.0 * (1.0 - fill)
        if field in _RARE:
            cost += 1.0
        if field in ("name", "target", "actual") and scoring >= 0.5:  # a scoring rule is no name and no value
            cost += 1.5
        if field == "target":
            cost -= 0.4 * operators
        elif field == "actual":
            cost += 1.0 * operators
        elif field == "scoring_method":
            cost += -0.5 if scoring >= 0.5 else 1.0
        elif field == "explanation" and scoring >= 0.5:
            cost += 1.0
        costs[field] = cost
    return costs


def _cheapest(costs: list[dict[str | None, float]]) -> float | None:
    """The cost of the cheapest complete reading (branch and bound), None when there is none."""
    order = sorted(range(len(costs)), key=lambda i: len(costs[i]))
    floor = [0.0] * (len(order) + 1)
    for k in range(len(order) - 1, -1, -1):
        floor[k] = floor[k + 1] + min(costs[order[k]].values())
    best = [math.inf]

    def walk(k: int, spent: float, used: frozenset[str]) -> None:
        if spent + floor[k] >= best[0] - 1e-9:
            return
        if k == len(order):
            if used >= _COMPLETE:
                best[0] = spent
            return
        for field, cost in sorted(costs[order[k]].items(), key=lambda item: item[1]):
            if field is None or field not in used:
                walk(k + 1, spent + cost, used | {field} if field else used)

    walk(0, 0.0, frozenset())
    return None if best[0] == math.inf else best[0]


def _readings(costs: list[dict[str | None, float]], limit: float) -> list[tuple[float, list[str | None]]]:
    """Every complete reading that costs at most `limit` (each field once, a name column), cheapest first."""
    order = sorted(range(len(costs)), key=lambda i: len(costs[i]))
    floor = [0.0] * (len(order) + 1)
    for k in range(len(order) - 1, -1, -1):
        floor[k] = floor[k + 1] + min(costs[order[k]].values())
    found: list[tuple[float, list[str | None]]] = []
    chosen: list[str | None] = [None] * len(costs)

    def walk(k: int, spent: float, used: frozenset[str]) -> None:
        if len(found) >= 20 * _MAX_ENUMERATED or spent + floor[k] > limit + 1e-9:
            return
        if k == len(order):
            if used >= _COMPLETE:
                found.append((spent, list(chosen)))
            return
        column = order[k]
        for field, cost in sorted(costs[column].items(), key=lambda item: item[1]):
            if field is not None and field in used:
                continue
            chosen[column] = field
            walk(k + 1, spent + cost, used | {field} if field else used)
        chosen[column] = None

    walk(0, 0.0, frozenset())
    found.sort(key=lambda item: item[0])
    return found[:_MAX_ENUMERATED]


def candidates(gap: Gap, check: Check) -> list[Candidate]:
    """Up to MAX_CANDIDATES readings of the gap's table that fit its cells and that the arithmetic confirms,
    cheapest first (empty when none does: the table is then asked about column by column)."""
    samples = column_samples(gap)
    costs = [field_costs(s, len(gap.rows)) for s in samples]
    best = _cheapest(costs) if len(costs) <= 16 else None
    if best is None:
        return []
    out: list[Candidate] = []
    for cost, fields in _readings(costs, best + MARGIN):
        refused, confirmed = check(fields)
        if refused is None and confirmed is not None:
            out.append(Candidate(fields=fields, cost=round(cost, 3), confirmed=confirmed))
            if len(out) == MAX_CANDIDATES:
                break
    return out
