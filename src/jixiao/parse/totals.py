"""Passes after the tables: the 总分 row, 评分等级, the money unit, and table completeness."""

from __future__ import annotations

from jixiao.domain import vocabulary as vocab
from jixiao.layout import Cell, Row
from jixiao.models import Form
from jixiao.parse.record import Recorder
from jixiao.parse.resplit import token_cells
from jixiao.parse.segment import FormSection, is_grade_row, is_note_row, is_total_row
from jixiao.values import parse_number

_YUAN_THRESHOLD = 100_000.0  # a line item of ≥ 10亿 万元 is implausible; such amounts are in 元


def read_totals(section: FormSection, form: Form, rec: Recorder) -> None:
    """总分 row: its last two numbers are 分值 and 得分 (one number: 得分); 评分等级: the next cell."""
    header_total = form.total_score
    for printed in section.totals:
        one = printed.filled[0].text if len(printed.filled) == 1 else ""  # borders lost: '100 合计 91.17', '100合计91.17'
        spaced = bool(one) and (" " in one or vocab.header_key(one) not in vocab.TOTAL_LABELS | vocab.GRADE_LABELS)
        row = printed.model_copy(update={"cells": tuple(token_cells(printed, unglue=True))}) if spaced else printed
        filled = row.filled
        if is_total_row(row):
            numbers = [(c, v) for c in filled if (v := parse_number(c.text)) is not None]
            by_column = _by_column(section, row, numbers) if not spaced else None
            if by_column is not None:
                for field, (cell, value) in by_column.items():
                    setattr(form, field, value)
                    rec.cell(field, row, cell)
                if "total_score" not in by_column:
                    continue
                score = by_column["total_score"][1]
            elif len(numbers) >= 2:
                (wcell, weight), (scell, score) = numbers[-2], numbers[-1]
                form.total_weight = weight
                rec.cell("total_weight", row, wcell)
            elif numbers:
                scell, score = numbers[0]
                if _is_weight_sum(form, score):
                    form.total_weight = score
                    rec.cell("total_weight", row, scell, 0.85, "the one number of the 总分 row equals Σ 分值, not Σ 得分")
                    continue
            else:
                continue
            if by_column is None:
                form.total_score = score
                rec.cell("total_score", row, scell)
            if header_total is not None and abs(header_total - score) > 0.01:
                rec.finding("TOTAL_SCORE_CONFLICT", "warning", "total_score",
                            f"表头自评总分（{header_total:g}）与总分行得分（{score:g}）不一致",
                            expected=header_total, found=score)
        elif is_grade_row(row) and len(filled) >= 2:
            form.grade = filled[1].text
            rec.cell("grade", row, filled[1])
        elif is_note_row(row) and form.explanation is None:
            form.explanation = " ".join(c.text for c in filled[1:])
            rec.cell("explanation", row, filled[1])


def _is_weight_sum(form: Form, number: float) -> bool:
    """One number in the 总分 row, its column unknown: Σ 分值 (a printed 100 with the score left empty)
    when it equals the weights' sum and not the scores'."""
    weights = [i.weight for i in form.indicators if i.weight is not None]
    scores = [i.score for i in form.indicators if i.score is not None]
    be = form.budget_execution
    weight_sum = sum(weights) + (be.weight or 0.0)
    score_sum = sum(scores) + (be.score or 0.0)
    return bool(weights) and abs(weight_sum - number) <= 0.01 and abs(score_sum - number) > 0.01


def _by_column(section: FormSection, row: Row, numbers: list[tuple[Cell, float]]
               ) -> dict[str, tuple[Cell, float]] | None:
    """The 总分 row's numbers placed by the indicator table's 分值/得分 columns, when every number sits
    exactly under one of them (so '100' under 分值 with 得分 empty is a weight, not a score)."""
    header = section.indicator_header
    if header is None or not numbers:
        return None
    fields = {c.index: vocab.indicator_column(c.text) for c in header.filled}
    placed: dict[str, tuple[Cell, float]] = {}
    for cell, value in numbers:
        field = {"weight": "total_weight", "score": "total_score"}.get(fields.get(cell.index) or "")
        if field is None or field in placed:
            return None
        placed[field] = (cell, value)
    return placed


def infer_amount_unit(section: FormSection, form: Form, rec: Recorder) -> None:
    """When no cell states the unit, infer it from the amounts' size (渝中 prints 元 without saying so)."""
    if form.amount_unit is not None:
        return
    amounts = [v for f in form.funds for v in (f.initial_budget, f.adjusted_budget, f.executed) if v]
    if not amounts:
        return
    biggest = max(amounts)
    form.amount_unit = "元" if biggest >= _YUAN_THRESHOLD else "万元"
    rec.inferred("amount_unit", f"largest amount {biggest:,.2f}", 0.7,
                 "unit not printed; inferred from the size of the amounts")


def report_orphan_rows(section: FormSection, form: Form, rec: Recorder) -> None:
    """Table rows found where no table header announced them: said out loud, not read as goal text."""
    if section.orphans:
        first = section.orphans[0]
        rec.finding("ROWS_WITHOUT_HEADER", "warning", "indicators",
                    f"第{first.line or '?'}行起有{len(section.orphans)}行表格数据没有表头（表头行可能丢失），规则未读取",
                    found=" | ".join(c.text for c in first.filled))


def check_table_complete(section: FormSection, form: Form, rec: Recorder) -> None:
    """A table that runs to the end of the input with a half row was cut off."""
    if section.indicator_header is None or not section.ended_in_indicators or not section.indicators:
        return
    last_row = section.indicators[-1]
    header_cols = len(section.indicator_header.filled)
    last = form.indicators[-1] if form.indicators else None
    incomplete = last is None or last.weight is None or last.score is None
    if incomplete and len(last_row.filled) < header_cols - 2:
        rec.finding("INDICATOR_TABLE_TRUNCATED", "error", f"indicators[{len(form.indicators) - 1}]",
                    f"指标表在第{last_row.line or '?'}行中断（行不完整，且无总分行），表格可能被截断",
                    found=" | ".join(c.text for c in last_row.filled))


__all__ = ["check_table_complete", "infer_amount_unit", "read_totals", "report_orphan_rows"]
