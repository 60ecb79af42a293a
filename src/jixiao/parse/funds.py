"""Pass for the funds table (资金情况 / 项目资金): one `Fund` per row, plus 预算执行.

Columns are mapped from the header by meaning. Data rows are aligned to the header by their
label cell: the first value column sits right after the label, so a row printed one cell to
the right (a lost or doubled tab) is still read into the right columns.
"""

from __future__ import annotations

import re

from jixiao.domain import vocabulary as vocab
from jixiao.layout import Cell, Row
from jixiao.models import Form, Fund
from jixiao.parse.record import Recorder
from jixiao.parse.resplit import data_tokens, fund_rows, is_spaced
from jixiao.parse.segment import FormSection
from jixiao.values import money_unit_of, parse_number, squash

_AMOUNTS = ("initial_budget", "adjusted_budget", "executed")


def _columns(header: Row) -> dict[int, str]:
    columns: dict[int, str] = {}
    for cell in header.filled:
        field = vocab.fund_column(cell.text)
        if field and field not in columns.values():
            columns[cell.index] = field
    return columns


def _label_cell(row: Row) -> tuple[Cell | None, bool]:
    """The row's label cell, and whether it names a known kind of funds. A row of amounts whose
    label names none ('社会资本投入') is still a fund row, of kind 'other'."""
    labels = [c for c in row.filled
              if parse_number(c.text) is None and not (money_unit_of(c.text) and len(c.text) <= 6)
              and c.text not in vocab.FILLER_WORDS]
    for cell in labels:
        if vocab.fund_kind(cell.text):
            return cell, True
    if labels and any(parse_number(c.text) is not None for c in row.filled if c.index > labels[0].index):
        return labels[0], False
    return None, False


def _block_label(header: Row) -> Cell | None:
    """The funds block's own label (项目资金（万元）), left of the column headers."""
    first = next((c for c in header.filled if vocab.fund_column(c.text)), None)
    return next((c for c in header.filled if first is not None and c.index < first.index), None)


def _amounts_in(row: Row, columns: dict[int, str]) -> bool:
    return any((c := row.cell_at(col)) is not None and parse_number(c.text) is not None
               for col, field in columns.items() if field in _AMOUNTS)


def note_unit(form: Form, rec: Recorder, row: Row) -> None:
    """Take the money unit from a cell that states it ('(万元)', '项目资金（万元）', '51万元')."""
    if form.amount_unit is not None:
        return
    for cell in row.filled:
        unit = money_unit_of(cell.text)
        if unit:
            form.amount_unit = unit
            rec.cell("amount_unit", row, cell)
            return


def read_funds(section: FormSection, form: Form, rec: Recorder) -> None:
    """Fund rows and the budget-execution rate/weight/score."""
    if section.funds_header is None:
        return
    note_unit(form, rec, section.funds_header)
    columns = _columns(section.funds_header)
    if not columns:
        return
    first_value_col = min(columns)
    if section.funds_title is not None:
        note_unit(form, rec, section.funds_title)
    for printed in section.funds:
        note_unit(form, rec, printed)
        if _by_spending(printed):
            break  # 按支出性质分 (基本支出/项目支出): the same money again, split by use, not a source of funds
        for row in _rows_of(printed, first_value_col, columns):
            _read_row(form, rec, row, columns, first_value_col, section.funds_header)
    _weight_from_points(section, form, rec)
    _rates_as_ratios(section.funds_header, columns, form, rec)


_POINTS = re.compile(r"(\d+(?:\.\d+)?)\s*分")


def _weight_from_points(section: FormSection, form: Form, rec: Recorder) -> None:
    """No 分值 column: the points printed in the block title ('预算执行情况（万元）（20分）') or in the
    score column's name ('得分（20分*执行率）') are the execution rate's weight."""
    be = form.budget_execution
    if be.weight is not None:
        return
    header = section.funds_header
    assert header is not None
    candidates = [(section.funds_title, c) for c in (section.funds_title.filled if section.funds_title else [])]
    candidates += [(header, c) for c in header.filled if vocab.fund_column(c.text) in ("score", "rate")]
    for row, cell in candidates:
        match = _POINTS.search(squash(cell.text))
        if row is not None and match:
            be.weight = float(match.group(1))
            rec.cell("budget_execution.weight", row, cell, 0.9, f"points printed in “{cell.text}”")
            return


def _rates_as_ratios(header: Row, columns: dict[int, str], form: Form, rec: Recorder) -> None:
    """执行率 printed as a ratio (0.88, no % anywhere in its column): read as a percent. Confirmed by
    执行数/预算数 when the amounts are there; otherwise flagged."""
    rate_col = next((i for i, f in columns.items() if f == "rate"), None)
    if rate_col is None or any(c.index == rate_col and ("%" in c.text or "％" in c.text) for c in header.filled):
        return
    paths = [(f"funds[{i}].rate", f) for i, f in enumerate(form.funds) if f.rate is not None]
    printed = [f.rate for _, f in paths if f.rate is not None]
    be = form.budget_execution
    if be.rate is not None:
        printed.append(be.rate)
    if not printed or max(printed) > 1.5:
        return
    for path, fund in paths:
        assert fund.rate is not None
        fund.rate = _percent(path, fund.rate, fund, rec)
    if be.rate is not None:
        main = next((f for f in form.funds if f.kind == "total" and f.adjusted_budget), None) or next(
            (f for f in form.funds if f.adjusted_budget), None)
        be.rate = _percent("budget_execution.rate", be.rate, main, rec)


def _percent(path: str, ratio: float, fund: Fund | None, rec: Recorder) -> float:
    value = round(ratio * 100, 10)
    prov = rec.provenance.get(path)
    confirmed = (fund is not None and fund.executed is not None and fund.adjusted_budget
                 and abs(fund.executed / fund.adjusted_budget - ratio) <= 0.006)
    if prov is not None:
        rec.provenance[path] = prov.model_copy(update={
            "confidence": prov.confidence if confirmed else min(prov.confidence, 0.8),
            "note": f"执行率 printed as a ratio ({ratio:g}); read as {value:g}%"
                    + ("" if confirmed else ", not confirmed by 执行数/预算数")})
    return value


_SPENDING = ("支出性质", "基本支出", "项目支出", "人员经费", "公用经费")


def _by_spending(row: Row) -> bool:
    first = next((c for c in row.filled if parse_number(c.text) is None and not money_unit_of(c.text)), None)
    return first is not None and any(word in squash(first.text) for word in _SPENDING)


def _rows_of(row: Row, first_value_col: int, columns: dict[int, str]) -> list[Row]:
    """A row whose cell borders were lost, cut into its label and values (one row per label)."""
    if not is_spaced(row):
        return [row]
    parts = [p for c in row.filled for p in data_tokens(c.text)]
    return [_percent_under_rate(r, columns) for r in fund_rows(parts, row, row.filled[0], max(0, first_value_col - 1))
            ] or [row]


def _percent_under_rate(row: Row, columns: dict[int, str]) -> Row:
    """A re-split row's values fill the columns in order; a percentage is the 执行率, so where it would land
    before that column (分值 left empty: '815.1 815.1 719.71 88.30%' under 年初|全年|执行|分值|执行率|得分) it and
    what follows it move right, under 执行率."""
    rate = next((col for col, field in columns.items() if field == "rate"), None)
    cells = list(row.cells)
    for k, cell in enumerate(cells):
        if rate is not None and cell.index < rate and cell.text.rstrip().endswith(("%", "％")):
            shift = rate - cell.index
            cells[k:] = [c.model_copy(update={"index": c.index + shift}) for c in cells[k:]]
            return row.model_copy(update={"cells": tuple(cells)})
    return row


def _offset(row: Row, label: Cell, columns: dict[int, str], first_value_col: int) -> int:
    """How far the row's values sit right of the header's columns. Either none (the label spans the
    empty cells before them, as spreadsheet exports print it) or as far as the label is from the
    first value column (a lost or doubled tab); whichever puts more of the row's values under a column."""
    values = [c.index for c in row.filled if c.index > label.index]
    by_label = label.index + label.span - first_value_col

    def fits(offset: int) -> int:
        return sum(1 if i - offset in columns else -1 for i in values)

    return by_label if fits(by_label) > fits(0) else 0


def _read_row(form: Form, rec: Recorder, row: Row, columns: dict[int, str], first_value_col: int,
              header: Row) -> None:
    """One fund row: its label, amounts and the execution columns."""
    label, known = _label_cell(row)
    label_row, kind = row, None
    if label is None:  # one unlabelled row under the block label (项目预算执行情况 | 全年预算数 …): the total
        label = _block_label(header) if not form.funds and _amounts_in(row, columns) else None
        if label is None:
            return
        label_row, kind, known = header, "total", True
        offset = 0
    else:
        offset = _offset(row, label, columns, first_value_col)
    i = len(form.funds)
    fund = Fund(kind=kind or vocab.fund_kind(label.text) or "other", label=label.text.rstrip(":：—－ "))
    rec.cell(f"funds[{i}].label", label_row, label, 1.0 if known else 0.85,
             None if known else "label names no known kind of funds; read as 'other'")
    confidence = 1.0 if offset == 0 else 0.9
    note = None if offset == 0 else f"row shifted by {offset} cell(s); aligned to its label"
    execution: dict[str, tuple[float, Cell]] = {}
    for col, field in columns.items():
        cell = row.cell_at(col + offset)
        if cell is None or not cell.text:
            continue
        value = parse_number(cell.text)
        if value is None:
            continue
        if field in _AMOUNTS:
            setattr(fund, field, value)
            rec.cell(f"funds[{i}].{field}", row, cell, confidence, note)
        else:
            execution[field] = (value, cell)
    if "rate" in execution:
        fund.rate = execution["rate"][0]
        rec.cell(f"funds[{i}].rate", row, execution["rate"][1], confidence, note)
    form.funds.append(fund)
    _take_execution(form, rec, row, execution, confidence, note)


def _take_execution(form: Form, rec: Recorder, row: Row, execution: dict[str, tuple[float, Cell]],
                    confidence: float, note: str | None) -> None:
    """The first row that prints an execution score (or weight) carries 预算执行; rate may come
    from it or from the first row that prints one."""
    be = form.budget_execution
    if be.score is None and be.weight is None and ("score" in execution or "weight" in execution):
        for field in ("weight", "score", "rate"):
            if field in execution:
                setattr(be, field, execution[field][0])
                rec.cell(f"budget_execution.{field}", row, execution[field][1], confidence, note)
    elif be.rate is None and "rate" in execution:
        be.rate = execution["rate"][0]
        rec.cell("budget_execution.rate", row, execution["rate"][1], confidence, note)
