"""The rules settle a column gap themselves when its cheapest readings all read the same values.

Of the readings `jixiao.mapcands` finds for a table whose header the rules cannot map, the cheapest tier
(those within TIE of the cheapest) is what the cells' content supports best. When every reading of that
tier reads the same values (one reading; or 分值 and 得分 swapped between two equal columns), the table is
read with it by the rules, with or without a model: each value from its own cell, at confidence 0.8 with an
INDICATOR_HEADER_GUESSED finding for a reviewer. When they read different values (目标值 and 完成值 of two
columns of plain numbers), the scores decide where they can: full marks where the target is reached under
≥/≤, fewer where it is not; the reading that agrees on more rows than any other is read. Otherwise the gap
is left for the LLM layer.
"""

from __future__ import annotations

import json

from jixiao.gapmap import MAPPED_CONFIDENCE, checker, read_with
from jixiao.gaps import Gap, TableReader
from jixiao.mapcands import Candidate, candidates
from jixiao.models import Document, Finding, Indicator

TIE = 0.5  # readings this close to the cheapest are as well supported by the content
_TOLERANCE = 0.051


def agreement(indicators: list[Indicator]) -> int:
    """Rows where the score agrees with the target under the operator: full marks where the target is reached
    (≥: 完成值 ≥ 目标值; ≤: 完成值 ≤ 目标值), fewer where it is not."""
    agree = 0
    for ind in indicators:
        values = (ind.target_value, ind.actual_value, ind.weight, ind.score)
        if ind.operator not in ("≥", "≤") or any(v is None for v in values):
            continue
        target, actual, weight, score = (float(v) for v in values)  # type: ignore[arg-type]
        met = actual >= target if ind.operator == "≥" else actual <= target
        agree += met == (score >= weight - _TOLERANCE)
    return agree


def decided(document: Document, gap: Gap, found: list[Candidate], reader: TableReader) -> Candidate | None:
    """The reading the rules can stand behind: of the cheapest tier, readings that read the same values count as
    one (the cheapest); among those that differ, the one whose scores agree with their targets on more rows, then
    the cheaper one, when it is strictly ahead of every other; else None (the model is asked)."""
    if not found:
        return None
    distinct: dict[str, tuple[Candidate, int]] = {}
    for candidate in (c for c in found if c.cost <= found[0].cost + TIE):  # cheapest first
        indicators = read_with(document, gap, candidate.fields, reader)[0].indicators
        key = json.dumps([i.model_dump(mode="json") for i in indicators], ensure_ascii=False)
        distinct.setdefault(key, (candidate, agreement(indicators)))
    ranked = sorted(distinct.values(), key=lambda item: (-item[1], item[0].cost))
    if len(ranked) == 1:
        return ranked[0][0]
    (best, best_agree), (second, second_agree) = ranked[0], ranked[1]
    ahead = best_agree > second_agree or (best_agree == second_agree and best.cost < second.cost - 1e-9)
    return best if ahead else None


def settle_tables(document: Document, gaps: list[Gap], reader: TableReader) -> list[Gap]:
    """Read every column gap the content and the arithmetic decide; returns the gaps still open."""
    settled: set[int] = set()
    for gap in gaps:
        if gap.kind != "columns" or document.forms[gap.form].indicators:
            continue
        reading = decided(document, gap, candidates(gap, checker(document, gap, reader)), reader)
        if reading is None:
            continue
        _apply(document, gap, reading, reader)
        settled.add(gap.form)
    return [g for g in gaps if not (g.form in settled and g.kind in ("columns", "indicator_row"))]


def _apply(document: Document, gap: Gap, reading: Candidate, reader: TableReader) -> None:
    form = document.forms[gap.form]
    read = read_with(document, gap, reading.fields, reader)[0]
    header = ", ".join(f"{c.text}→{f or 'none'}" for c, f in zip(gap.cells, reading.fields, strict=True))
    form.indicators, form.layout = read.indicators, read.layout
    for path, prov in read.provenance.items():
        form.provenance[path] = prov.model_copy(update={
            "confidence": min(prov.confidence, MAPPED_CONFIDENCE),
            "note": "column inferred by the rules from the cells' content and the arithmetic" + (
                f"; {prov.note}" if prov.note else "")})
    document.findings = [f for f in document.findings if not (f.form == gap.form and f.code == "ROWS_WITHOUT_HEADER")]
    document.findings.extend(read.findings)
    document.findings.append(Finding(
        code="INDICATOR_HEADER_GUESSED", severity="warning", form=gap.form, path="indicators",
        message=f"第{gap.line or '?'}行起的指标表表头无法识别，按各列内容和表内算术推断为（{header}），"
                f"{reading.confirmed}，请复核", found=header))
