"""Pass for the funds table (资金情况 / 项目资金): one `Fund` per row, plus 预算执行.

Columns are mapped from the header by meaning. Data rows are aligned to the header by their
label cell: the first value column sits right after the label, so a row printed one cell to
the right (a lost or doubled tab) is still read into the right columns.
"""

from __future__ import annotations

from jixiao.layout import Cell, Row
from jixiao.models import Form, Fund
from jixiao.parse import vocabulary as vocab
from jixiao.parse.record import Recorder
from jixiao.parse.resplit import fund_rows, is_spaced, tokens
from jixiao.parse.segment import FormSection
from jixiao.values import money_unit_of, parse_number

_AMOUNTS = ("initial_budget", "adjusted_budget", "executed")


def _columns(header: Row) -> dict[int, str]:
    columns: dict[int, str] = {}
    for cell in header.filled:
        field = vocab.fund_column(cell.text)
        if field and field not in columns.values():
            columns[cell.index] = field
    return columns


def _label_cell(row: Row) -> Cell | None:
    for cell in row.filled:
        if parse_number(cell.text) is not None or (money_unit_of(cell.text) and len(cell.text) <= 6):
            continue
        if vocab.fund_kind(cell.text):
            return cell
    return None


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
    for printed in section.funds:
        note_unit(form, rec, printed)
        for row in _rows_of(printed, first_value_col):
            _read_row(form, rec, row, columns, first_value_col)


def _rows_of(row: Row, first_value_col: int) -> list[Row]:
    """A row whose cell borders were lost, cut into its label and values (one row per label)."""
    if not is_spaced(row):
        return [row]
    parts = [p for c in row.filled for p in tokens(c.text)]
    return fund_rows(parts, row, row.filled[0], max(0, first_value_col - 1)) or [row]


def _read_row(form: Form, rec: Recorder, row: Row, columns: dict[int, str], first_value_col: int) -> None:
    """One fund row: its label, amounts and the execution columns."""
    label = _label_cell(row)
    if label is None:
        return
    offset = label.index + label.span - first_value_col
    i = len(form.funds)
    fund = Fund(kind=vocab.fund_kind(label.text) or "other", label=label.text.rstrip(":："))
    rec.cell(f"funds[{i}].label", row, label)
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
