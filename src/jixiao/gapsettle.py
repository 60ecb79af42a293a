"""The rules settle a column gap themselves when its cheapest readings all read the same values.

Of the readings `jixiao.mapcands` finds for a table whose header the rules cannot map, the cheapest tier
(those within TIE of the cheapest) is what the cells' content supports best. When every reading of that
tier reads the same values (one reading; or 分值 and 得分 swapped between two equal columns), the table is
read with it by the rules, with or without a model: each value from its own cell, at confidence 0.8 with an
INDICATOR_HEADER_GUESSED finding for a reviewer. When they read different values (目标值 and 完成值 of two
columns of plain numbers, with no header to tell them apart), the gap is left for the LLM layer.
"""

from __future__ import annotations

from jixiao.gapmap import MAPPED_CONFIDENCE, checker, read_with
from jixiao.gaps import Gap, TableReader
from jixiao.mapcands import Candidate, candidates
from jixiao.models import Document, Finding

TIE = 0.5  # readings this close to the cheapest are as well supported by the content


def decided(document: Document, gap: Gap, found: list[Candidate], reader: TableReader) -> Candidate | None:
    """The cheapest reading when every reading of the cheapest tier reads the same values, else None."""
    if not found:
        return None
    tier = [c for c in found if c.cost <= found[0].cost + TIE]
    values = {read_with(document, gap, c.fields, reader)[0].model_dump_json(include={"indicators"}) for c in tier}
    return found[0] if len(values) == 1 else None


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
