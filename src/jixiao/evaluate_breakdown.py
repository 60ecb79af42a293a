"""Finer views of an evaluation over many generated cases: accuracy per family × rendering, and the
most frequent misses by field (indicator/fund indexes dropped), for the parser's to-do list."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from rich.table import Table

from jixiao.evaluate import CaseResult, FieldTally

_INDEX = re.compile(r"\[\d+\]")
_ERROR = re.compile(r"^(?P<path>\S+): (?P<what>omitted|expected)")


def matrix_table(results: list[CaseResult]) -> Table:
    """Field accuracy (and wrong-and-unflagged, when any) per family (rows) and rendering (columns)."""
    renderings = sorted({r.rendering or r.kind for r in results})
    cells: dict[tuple[str, str], FieldTally] = defaultdict(FieldTally)
    for r in results:
        cells[(r.template, r.rendering or r.kind)].add(r.fields)
    table = Table(title="jixiao eval — accuracy per family × rendering (unflagged wrong in brackets)",
                  title_justify="left")
    table.add_column("family")
    for name in renderings:
        table.add_column(name, justify="right")
    for family in sorted({r.template for r in results}):
        row = [family]
        for name in renderings:
            tally = cells.get((family, name))
            if tally is None:
                row.append("")
                continue
            row.append(f"{tally.accuracy:.1%}" + (f" [{tally.wrong_unflagged}]" if tally.wrong_unflagged else ""))
        table.add_row(*row)
    return table


def error_classes(results: list[CaseResult]) -> list[tuple[str, int, int, str]]:
    """(field, omitted, wrong, an example) for every field that was missed, most frequent first."""
    omitted: Counter[str] = Counter()
    wrong: Counter[str] = Counter()
    example: dict[str, str] = {}
    for r in results:
        for line in r.fields.errors:
            match = _ERROR.match(line)
            if not match:
                continue
            field = _INDEX.sub("[]", match.group("path"))
            (omitted if match.group("what") == "omitted" else wrong)[field] += 1
            example.setdefault(field, f"{r.case}: {line}")
    fields = sorted(set(omitted) | set(wrong), key=lambda f: -(omitted[f] + wrong[f]))
    return [(f, omitted[f], wrong[f], example[f]) for f in fields]


def error_classes_table(results: list[CaseResult], limit: int = 25) -> Table:
    table = Table(title="jixiao eval — most frequent misses", title_justify="left")
    for col in ("field", "omitted", "wrong", "example"):
        table.add_column(col, justify="right" if col in ("omitted", "wrong") else "left")
    for field, om, wr, ex in error_classes(results)[:limit]:
        table.add_row(field, str(om), str(wr), ex[:110])
    return table
