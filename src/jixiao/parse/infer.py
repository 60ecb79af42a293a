"""An indicator table whose header row was lost: guess the header from what the rows hold.

Candidates are the indicator headers of the other forms in the same document and the common
printed layouts (`STANDARD_HEADERS`, mapped by meaning like any printed header). Each candidate,
at each horizontal offset, is scored by aligning the rows to it with the aligner's type costs;
the best one is used only when it fits well and clearly better than the next. Every value read
under a guessed header carries `GUESSED_CONFIDENCE` (under the flag threshold) and the form
gets an `INDICATOR_HEADER_GUESSED` finding.
"""

from __future__ import annotations

from jixiao.domain import vocabulary as vocab
from jixiao.layout import Cell, Row
from jixiao.models import Form
from jixiao.parse.align import Column, align
from jixiao.parse.record import Recorder
from jixiao.parse.segment import FormSection

GUESSED_CONFIDENCE = 0.7
_SAMPLE = 12
_MAX_COST_PER_ROW = 4.0

STANDARD_HEADERS: tuple[tuple[str, ...], ...] = (
    ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"),
    ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"),
    ("一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "实际完成值", "分值", "得分",
     "偏差原因分析及改进措施"),
    ("指标名称", "计量单位", "指标性质", "指标值", "全年完成值", "偏离度", "得分系数", "指标权重", "指标得分",
     "是否核心指标", "说明"),
    ("一级指标", "二级指标", "三级指标", "指标值", "实际完成值", "分值", "得分", "未完成原因和改进措施"),
    ("指标名称", "指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"),
)


def _columns(texts: tuple[str, ...], offset: int) -> list[Column]:
    return [Column(index=offset + i, field=vocab.indicator_column(t)) for i, t in enumerate(texts)]


def _cost(rows: list[Row], columns: list[Column]) -> float:
    total = 0.0
    for row in rows:
        alignment = align(row.filled, columns)
        placed = {p.field for p in alignment.placements}
        total += alignment.cost + (0.0 if "name" in placed or placed & {"level1", "level2"} else 6.0)
    return total


def guess_header(rows: list[Row], known: list[tuple[str, ...]]) -> tuple[tuple[str, ...], int, float] | None:
    """(header texts, offset, cost per row) of the best-fitting candidate, or None when none fits clearly."""
    sample = [r for r in rows if len(r.filled) >= 3 and sum(c.text in vocab.FILLER_WORDS for c in r.filled) < 2][:_SAMPLE]
    if not sample:
        return None
    width = max(c.index for r in sample for c in r.filled) + 1
    scored: list[tuple[float, tuple[str, ...], int]] = []
    for texts in dict.fromkeys([*known, *STANDARD_HEADERS]):
        for offset in range(0, max(1, width - len(texts) + 2)):
            scored.append((_cost(sample, _columns(texts, offset)) / len(sample), texts, offset))
    scored.sort(key=lambda s: s[0])
    best = scored[0]
    if best[0] > _MAX_COST_PER_ROW:
        return None
    return best[1], best[2], best[0]


def infer_indicator_header(section: FormSection, form: Form, rec: Recorder) -> None:
    """Orphan table rows and no indicator header: read them under the best-fitting guessed header."""
    if section.indicator_header is not None or not section.orphans:
        return
    guess = guess_header(section.orphans, section.known_headers)
    if guess is None:
        return
    texts, offset, _ = guess
    first = section.orphans[0]
    section.indicator_header = Row(
        cells=tuple(Cell(text=t, raw=t, index=offset + i, confidence=GUESSED_CONFIDENCE) for i, t in enumerate(texts)),
        page=first.page, line=None)
    section.indicators = [
        row.model_copy(update={"cells": tuple(c.model_copy(update={"confidence": min(c.confidence, GUESSED_CONFIDENCE)})
                                              for c in row.cells)})
        for row in section.orphans]
    section.orphans = []
    rec.finding("INDICATOR_HEADER_GUESSED", "warning", "indicators",
                f"第{first.line or '?'}行起的指标表没有表头，按各列内容推断为“{' | '.join(texts)}”，请核对",
                found=" | ".join(c.text for c in first.filled))
