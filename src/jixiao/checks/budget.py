"""Budget checks (docs/checks.md rules 1, 2, 9): 执行率, 资金合计, 执行率得分, 预算调整."""

from __future__ import annotations

from jixiao.checks.base import Sink
from jixiao.domain.format import fmt
from jixiao.models import Form, Fund


def main_fund(form: Form) -> Fund | None:
    """The row that carries the project's totals: 年度资金总额, else the first row with amounts."""
    for fund in form.funds:
        if fund.kind == "total" and fund.adjusted_budget is not None:
            return fund
    return next((f for f in form.funds if f.adjusted_budget is not None), None)


def computed_rate(fund: Fund) -> float | None:
    if fund.executed is None or not fund.adjusted_budget:
        return None
    return fund.executed / fund.adjusted_budget * 100


def check_execution_rate(sink: Sink) -> None:
    form, tol = sink.form, sink.profile.tolerance
    fund = main_fund(form)
    if fund is None:
        return
    rate = computed_rate(fund)
    printed = form.budget_execution.rate
    unit = form.amount_unit or ""
    if rate is not None and rate > 100 + tol.percent:
        sink.emit("EXEC_RATE_OVER_100", "warning", "budget_execution.rate",
                  f"执行数（{fmt(fund.executed)}{unit}）超过全年预算数（{fmt(fund.adjusted_budget)}{unit}），"
                  f"执行率{fmt(rate)}%超过100%，请核实", expected="≤100", found=round(rate, 2))
    low = sink.profile.budget.low_rate_threshold
    if rate is not None and low is not None and rate < low:
        sink.emit("EXEC_RATE_LOW", "warning", "budget_execution.rate",
                  f"执行率{fmt(rate)}%低于{fmt(low)}%，须说明原因", expected=f"≥{low:g}", found=round(rate, 2))
    if rate is None or printed is None:
        return
    allowed = sink.percent_tolerance("budget_execution.rate")
    if abs(printed - rate) <= allowed:
        return
    on_initial = fund.initial_budget and fund.executed is not None and abs(
        printed - fund.executed / fund.initial_budget * 100) <= allowed
    if on_initial:
        assert fund.initial_budget and fund.executed is not None
        sink.emit("EXEC_RATE_ON_INITIAL_BUDGET", "warning", "budget_execution.rate",
                  f"填报执行率{fmt(printed)}%是按执行数/年初预算数（{fmt(fund.executed)}/{fmt(fund.initial_budget)}）"
                  f"计算的；应按执行数/全年预算数计算，为{fmt(rate)}%", expected=round(rate, 2), found=printed)
    else:
        sink.emit("EXEC_RATE_MISMATCH", "warning", "budget_execution.rate",
                  f"填报执行率{fmt(printed)}%与执行数/全年预算数（{fmt(fund.executed)}/{fmt(fund.adjusted_budget)}）"
                  f"计算的{fmt(rate)}%不符", expected=round(rate, 2), found=printed)


def check_fund_rates(sink: Sink) -> None:
    """Each fund row that prints its own 执行率 (other than the one checked above)."""
    headline = sink.form.budget_execution.rate
    for i, fund in enumerate(sink.form.funds):
        rate = computed_rate(fund)
        if fund.rate is None or rate is None or fund.rate == headline:
            continue
        if abs(fund.rate - rate) > sink.percent_tolerance(f"funds[{i}].rate"):
            sink.emit("FUND_RATE_MISMATCH", "warning", f"funds[{i}].rate",
                      f"“{fund.label}”行执行率{fmt(fund.rate)}%与执行数/全年预算数计算的{fmt(rate)}%不符",
                      expected=round(rate, 2), found=fund.rate)


_PARTS = ("fiscal", "carryover", "other")  # the sources 年度资金总额 is the sum of on the national template
_AMOUNT_NAMES = {"initial_budget": "年初预算数", "adjusted_budget": "全年预算数", "executed": "全年执行数"}


def check_fund_sum(sink: Sink) -> None:
    """年度资金总额 = 当年财政拨款 + 上年结转 + 其他资金, per amount column (rule 1). Only where the rows are
    exactly those sources, each once: other breakdowns (中央/省级 under 财政拨款, 收入性质 and 支出性质 side by
    side) nest, and their sums prove nothing. Where the table lists one source only, its row is flagged too (the two
    must be equal); where other sources are listed but left empty, they may be what is missing."""
    funds = sink.form.funds
    totals = [i for i, f in enumerate(funds) if f.kind == "total"]
    parts = [i for i, f in enumerate(funds) if f.kind != "total"]
    if len(totals) != 1 or not parts or sorted(funds[i].kind for i in parts) != sorted({funds[i].kind for i in parts}) \
            or any(funds[i].kind not in _PARTS for i in parts):
        return
    total, unit = funds[totals[0]], sink.form.amount_unit or ""
    for field, name in _AMOUNT_NAMES.items():
        printed: float | None = getattr(total, field)
        given = [(i, value) for i in parts if (value := getattr(funds[i], field)) is not None]
        if printed is None or not given:
            continue
        summed = sum(value for _, value in given)
        if abs(printed - summed) <= sink.profile.tolerance.money * (len(given) + 1) / 2:  # each printed value rounded
            continue
        rows = "＋".join(f"{funds[i].label}{fmt(v)}" for i, v in given)
        alone = len(given) == 1 and len(parts) == 1  # the one source listed must equal the total: either is wrong
        for i in [totals[0], *([given[0][0]] if alone else [])]:
            sink.emit("FUND_SUM_MISMATCH", "warning", f"funds[{i}].{field}",
                      f"{name}：{total.label}{fmt(printed)}{unit}与各来源之和（{rows}＝{fmt(summed)}{unit}）不符，请核对",
                      expected=round(summed, 2), found=printed)


def check_execution_score(sink: Sink) -> None:
    be = sink.form.budget_execution
    if be.score is None or be.weight is None:
        return
    fund = main_fund(sink.form)
    rate = (computed_rate(fund) if fund else None) or be.rate
    if rate is None:
        return
    expected = min(rate, 100.0) / 100 * be.weight
    if abs(be.score - expected) > sink.score_tolerance("budget_execution.score"):
        direction = "偏低" if be.score < expected else "偏高"
        sink.emit("EXEC_SCORE_MISMATCH", "warning", "budget_execution.score",
                  f"执行率{fmt(rate)}%、分值{fmt(be.weight)}分，按规则执行率得分应为{fmt(expected)}分，"
                  f"填报{fmt(be.score)}分（{direction}）", expected=round(expected, 2), found=be.score)


def check_budget_adjusted(sink: Sink) -> None:
    fund = main_fund(sink.form)
    if fund is None or fund.initial_budget is None or fund.adjusted_budget is None:
        return
    change = fund.adjusted_budget - fund.initial_budget
    if abs(change) <= sink.profile.tolerance.money:
        return
    unit = sink.form.amount_unit or ""
    word = "调增" if change > 0 else "调减"
    path = f"funds[{sink.form.funds.index(fund)}].adjusted_budget"
    sink.emit("BUDGET_ADJUSTED", "info", path,
              f"年初预算数{fmt(fund.initial_budget)}{unit}，全年预算数{fmt(fund.adjusted_budget)}{unit}，"
              f"{word}{fmt(abs(change))}{unit}；预算调整需说明原因", expected=fund.initial_budget,
              found=fund.adjusted_budget)


CHECKS = (check_execution_rate, check_fund_rates, check_fund_sum, check_execution_score, check_budget_adjusted)
