"""Lay a form out by a family's `Spec` into a `Sheet`, and write down what a reader must get from it.

The expected `Form` is filled while the sheet is drawn, from the same printed strings, so the
two cannot drift apart.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from jixiao.models import BudgetExecution, Form, Fund
from variants_gen import printing as pr
from variants_gen.body import BodyMixin
from variants_gen.content import SemForm, SemFund
from variants_gen.table import Sheet, TextStyle

COLUMN_WIDTH = {"level1": 48, "level2": 58, "name": 130, "op": 34, "unit": 38, "target": 72, "actual": 72,
                "weight": 36, "score": 36, "review": 36, "method": 100, "expl": 130, "dev": 40, "coef": 40,
                "core": 34}
HEADER_LABELS = {"project_name": "项目名称", "project_code": "项目编码", "department": "主管部门",
                 "implementing_unit": "实施单位", "finance_office": "财政归口处室", "contact": "联系人", "phone": "联系电话",
                 "year": "年度", "total_score": "自评总分",
                 "mobile": "手机", "address": "地址", "postcode": "邮编"}
# printed in some headers, not part of the contract: a reader must not take their values for anything
UNLISTED = ("mobile", "address", "postcode")


@dataclass
class Spec:
    family: str
    title: str = "项目支出绩效自评表"
    year_mode: str = "line"  # line （2023年度）, spaced (2023 年度), title, field 年度：2023 above the table
    header: str = "left"  # left, above, inline, outside
    header_rows: list[list[str]] = field(default_factory=lambda: [["project_name"], ["department", "implementing_unit"]])
    labels: dict[str, str] = field(default_factory=dict)
    funds: str = "national"  # national, block, chongqing, split, simple
    fund_kinds: tuple[str, ...] = ("total", "fiscal", "carryover", "other")
    money: str = "plain"
    rate: str = "pct"
    rate_all_rows: bool = False
    exec_weight: float | None = 10.0
    goals: str = "national"  # national, three, rows, none
    columns: tuple[str, ...] = ("level1", "level2", "name", "target", "actual", "weight", "score", "expl")
    col_labels: dict[str, str] = field(default_factory=dict)
    hierarchy: str = "merged"  # merged, repeat, points, none
    ind_label: bool = True  # a 绩效指标 cell spanning the indicator rows
    target_style: str = "suffix"
    eq_prefix: bool = False
    total: str = "row"  # row, row_empty, header, none
    total_label: str = "总分"
    grade: bool = False
    score_style: str = "trim"
    filler: bool = False
    page_break: bool = False
    department_form: bool = False
    amount_unit: str | None = None
    text: TextStyle = field(default_factory=TextStyle)
    above_lines: list[str] = field(default_factory=list)


DEFAULT_COLS = {"level1": "一级指标", "level2": "二级指标", "name": "三级指标", "op": "指标性质", "unit": "计量单位",
                "target": "年度指标值", "actual": "实际完成值", "weight": "分值", "score": "得分", "review": "复核分",
                "method": "得分计算方法", "expl": "偏差原因分析及改进措施", "dev": "偏离度（%）", "coef": "得分系数（%）",
                "core": "是否核心指标"}
FUND_LABELS = {"total": "年度资金总额", "fiscal": "其中：当年财政拨款", "general_budget": "一般公共预算",
               "carryover": "上年结转资金", "other": "其他资金"}


def spans(n: int, total: int) -> list[int]:
    """`total` columns over `n` cells, as evenly as possible."""
    base, extra = divmod(total, n)
    return [base + (1 if i < extra else 0) for i in range(n)]


class Builder(BodyMixin):
    def __init__(self, spec: Spec, sem: SemForm) -> None:
        self.spec, self.sem = spec, sem
        cols = list(spec.columns)
        widths = [48.0] if spec.ind_label else []
        widths += [float(COLUMN_WIDTH[c]) for c in cols]
        while len(widths) < 8:
            widths.insert(len(widths) - 1, 60.0)
        self.sheet = Sheet(widths=widths)
        self.n = len(widths)
        self.form = Form(form_type=sem.form_type, amount_unit=sem.unit)  # type: ignore[arg-type]
        self.label = {**HEADER_LABELS, **spec.labels}

    # ------------------------------------------------------------ header
    def title_lines(self) -> None:
        spec, sem = self.spec, self.sem
        title = f"{sem.year}年度{spec.title}" if spec.year_mode == "title" else spec.title
        self.form.title = title
        self.form.year = sem.year
        self.sheet.above.append(title)
        if spec.year_mode == "line":
            self.sheet.above.append(f"（{sem.year}年度）")
        elif spec.year_mode == "spaced":
            self.sheet.above.append(f"({sem.year} 年度)")
        self.sheet.above += spec.above_lines

    def _value(self, name: str) -> str:
        sem, spec = self.sem, self.spec
        if name == "year":
            return str(sem.year)
        if name in UNLISTED:
            rng = random.Random(f"{sem.project_code}-{name}")
            return {"mobile": f"1{rng.randint(3, 9)}{rng.randint(100000000, 999999999)}",
                    "address": f"{sem.implementing_unit[:3]}{rng.choice(['人民路', '建设路', '中山路'])}"
                               f"{rng.randint(1, 300)}号",
                    "postcode": f"2{rng.randint(10000, 29999)}"}[name]
        if name == "total_score":
            text, value = pr.score(sem.total_score, "fixed")
            self.form.total_score = value
            return text
        value = str(getattr(sem, name))
        setattr(self.form, name, value)
        del spec
        return value

    def header(self) -> None:
        spec, sheet = self.spec, self.sheet
        if spec.year_mode == "field" and not any("year" in row for row in spec.header_rows):
            sheet.above.append(f"{self.label['year']}：{self.sem.year}")
        for names in spec.header_rows:
            pairs = [(self.label[n], self._value(n)) for n in names]
            if spec.header == "outside":
                sheet.above.append("    ".join(f"{lab}：{val}" for lab, val in pairs))
                continue
            widths = spans(len(pairs), self.n)
            if spec.header == "inline":
                col = 0
                for (lab, val), w in zip(pairs, widths, strict=True):
                    sheet.add(col, f"{lab}：{val}", w)
                    col += w
                sheet.next_row()
                continue
            if spec.header == "above":
                for k in (0, 1):
                    col = 0
                    for pair, w in zip(pairs, widths, strict=True):
                        sheet.add(col, pair[k], w, head=k == 0)
                        col += w
                    sheet.next_row()
                continue
            col = 0
            for (lab, val), w in zip(pairs, widths, strict=True):
                lw = 2 if w >= 5 else 1
                sheet.add(col, lab, lw, head=True)
                sheet.add(col + lw, val, w - lw)
                col += w
            sheet.next_row()

    # ------------------------------------------------------------ funds
    def _fund_rows(self) -> list[SemFund]:
        rows = []
        for kind in self.spec.fund_kinds:
            if kind == "general_budget":
                fiscal = self.sem.funds[1]
                rows.append(SemFund("general_budget", FUND_LABELS["general_budget"], fiscal.initial, fiscal.adjusted,
                                    fiscal.executed))
            else:
                rows.append(next(f for f in self.sem.funds if f.kind == kind))
        return rows

    def _fund(self, fund: SemFund, label: str, with_rate: bool, initial: bool = True) -> list[str]:
        m = self.spec.money
        rate_text, rate_value = ("", None)
        if with_rate and fund.adjusted:
            rate_text, rate_value = pr.rate(round((fund.executed or 0) / fund.adjusted * 100, 2), self.spec.rate)
        self.form.funds.append(Fund(kind=fund.kind, label=label,  # type: ignore[arg-type]
                                    initial_budget=fund.initial if initial else None,
                                    adjusted_budget=fund.adjusted, executed=fund.executed, rate=rate_value))
        cells = [pr.money(fund.initial, m)] if initial else []
        return [*cells, pr.money(fund.adjusted, m), pr.money(fund.executed, m), rate_text]

    def _exec(self, rate_value: float | None) -> tuple[str, str]:
        w = self.spec.exec_weight
        if w is None:  # 转移支付: 执行率 printed, no points for it
            self.form.budget_execution = BudgetExecution(rate=rate_value)
            return "", ""
        rate_value = rate_value if rate_value is not None else self.sem.rate
        wt, wv = pr.score(w, "trim")
        st, sv = pr.score(round(min(rate_value, 100.0) / 100 * w, 2), self.spec.score_style)
        self.form.budget_execution = BudgetExecution(rate=rate_value, weight=wv, score=sv)
        return wt, st

    def funds(self) -> None:
        getattr(self, f"funds_{self.spec.funds}")()

    def funds_national(self, title: str = "项目资金", extra: int = 0) -> None:
        spec, sheet, n = self.spec, self.sheet, self.n
        rows = self._fund_rows()
        lw = n - 7
        sheet.add(0, f"{title}（{self.sem.unit}）", 1, rowspan=1 + len(rows) + extra, head=True)
        sheet.row((1, "", lw), (1 + lw, "年初预算数"), (2 + lw, "全年预算数"), (3 + lw, "全年执行数"), (4 + lw, "分值"),
                  (5 + lw, "执行率"), (6 + lw, "得分"), head=True)
        for i, fund in enumerate(rows):
            label = "按收入性质分：财政拨款" if extra and fund.kind == "fiscal" else fund.label
            init, adj, exe, rate_text = self._fund(fund, label, i == 0 or spec.rate_all_rows)
            wt, st = self._exec(self.form.funds[-1].rate) if i == 0 else ("—", "—")
            sheet.row((1, label, lw), (1 + lw, init), (2 + lw, adj), (3 + lw, exe), (4 + lw, wt), (5 + lw, rate_text),
                      (6 + lw, st))
            sheet.tag("fund_label", "initial", "adjusted", "executed", "exec_weight" if i == 0 else "",
                      "rate" if rate_text else "", "exec_score" if i == 0 else "")
            if i == 0:
                sheet.cells[-4].seal = True

    def funds_split(self) -> None:
        """部门整体: the total, then 按收入性质分 rows (expected funds) and 按支出性质分 rows (a breakdown of the
        same money, which the contract has no kind for: not expected as funds)."""
        self.spec.fund_kinds = ("total", "fiscal", "other")
        self.funds_national("年度预算执行情况", extra=2)
        lw, m, total = self.n - 7, self.spec.money, self.sem.total
        amounts = [total.initial or 0.0, total.adjusted or 0.0, total.executed or 0.0]
        basic = [round(a * 0.6, 2) for a in amounts]
        for label, parts in (("按支出性质分：基本支出", basic),
                             ("项目支出", [round(a - b, 2) for a, b in zip(amounts, basic, strict=True)])):
            init, adj, exe = parts
            self.sheet.row((1, label, lw), (1 + lw, pr.money(init, m)), (2 + lw, pr.money(adj, m)),
                           (3 + lw, pr.money(exe, m)), (4 + lw, "—"), (5 + lw, ""), (6 + lw, "—"))

    def funds_block(self) -> None:
        spec, sheet = self.spec, self.sheet
        w = spec.exec_weight or 0
        sheet.row((0, f"预算执行情况（{self.sem.unit}）（{pr.trim(w)}分）", self.n), head=True)
        widths = spans(5, self.n)
        starts = [sum(widths[:i]) for i in range(5)]
        heads = ["资金来源", "预算数(A)", "执行数(B)", "执行率(B/A)", f"得分（{pr.trim(w)}分*执行率）"]
        sheet.row(*[(starts[i], heads[i], widths[i]) for i in range(5)], head=True)
        for i, fund in enumerate(self._fund_rows()):
            adj, exe, rate_text = self._fund(fund, fund.label, True, initial=False)
            st = ""
            if i == 0:
                st = self._exec(self.form.funds[-1].rate)[1]
                self.form.budget_execution.weight = w
            sheet.row(*[(starts[k], t, widths[k]) for k, t in enumerate([fund.label, adj, exe, rate_text, st])])
            sheet.tag("fund_label", "adjusted", "executed", "rate" if rate_text else "", "exec_score" if i == 0 else "")

    def funds_simple(self) -> None:
        sheet = self.sheet
        widths = spans(6, self.n)
        starts = [sum(widths[:i]) for i in range(6)]
        sheet.row((0, f"资金情况（单位：{self.sem.unit}）", self.n), head=True)
        heads = ["资金来源", "预算数", "执行数", "执行率", "分值", "得分"]
        sheet.row(*[(starts[i], heads[i], widths[i]) for i in range(6)], head=True)
        for i, fund in enumerate(self._fund_rows()):
            adj, exe, rate_text = self._fund(fund, fund.label, i == 0 or self.spec.rate_all_rows, initial=False)
            wt, st = self._exec(self.form.funds[-1].rate) if i == 0 else ("", "")
            sheet.row(*[(starts[k], t, widths[k]) for k, t in enumerate([fund.label, adj, exe, rate_text, wt, st])])
            sheet.tag("fund_label", "adjusted", "executed", "rate" if rate_text else "", "exec_weight" if i == 0 else "",
                      "exec_score" if i == 0 else "")

    def funds_chongqing(self) -> None:
        sheet = self.sheet
        widths = spans(7, self.n)
        starts = [sum(widths[:i]) for i in range(7)]
        sheet.row((0, f"资金情况（{self.sem.unit}）", self.n), head=True)
        heads = ["", "年初预算数", "全年（调整）预算数", "全年执行数", "执行率", "执行率权重", "执行率得分"]
        sheet.row(*[(starts[i], heads[i], widths[i]) for i in range(7)], head=True)
        labels = {"total": "年度总金额", "fiscal": "其中：财政拨款", "general_budget": "一般公共预算"}
        for i, fund in enumerate(self._fund_rows()):
            init, adj, exe, rate_text = self._fund(fund, labels.get(fund.kind, fund.label), i > 0)
            wt, st = self._exec(self.form.funds[-1].rate) if i == 1 else ("", "")
            sheet.row(*[(starts[k], t, widths[k]) for k, t in enumerate([self.form.funds[-1].label, init, adj, exe,
                                                                          rate_text, wt, st])])
            sheet.tag("fund_label", "initial", "adjusted", "executed", "rate" if rate_text else "",
                      "exec_weight" if i == 1 else "", "exec_score" if i == 1 else "")


def build(spec: Spec, sem: SemForm) -> tuple[Sheet, Form]:
    """The sheet to draw and the form a reader must get from it."""
    b = Builder(spec, sem)
    b.title_lines()
    for block in ("header", "funds", "goals", "indicators", "totals"):
        b.sheet.marks[block] = b.sheet.rows
        getattr(b, block)()
    b.sheet.marks["end"] = b.sheet.rows
    return b.sheet, b.form
