"""What a form says, before any layout: a seeded, internally consistent 项目/部门 self-evaluation.

Scores follow the national rules (财预〔2020〕10号): a met quantitative target gets its full 分值, a
missed one 分值 × 完成值/指标值 (反向: 指标值/完成值); a qualitative 达成 gets the full points,
部分达成 60–80%; 执行率得分 = min(执行率, 100%) × 分值; the total is the sum. Shortfalls carry an
explanation most of the time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from variants_gen import pools


@dataclass
class SemIndicator:
    level1: str
    level2: str
    name: str
    op: str  # ≥ ≤ = 定性
    unit: str | None
    decimals: int
    target: float | None = None  # numeric indicators
    actual: float | None = None
    target_text: str | None = None  # qualitative indicators
    actual_text: str | None = None
    weight: float = 0.0
    score: float = 0.0
    review: float | None = None
    explanation: str = ""
    is_core: bool = False

    @property
    def numeric(self) -> bool:
        return self.op != "定性"

    @property
    def deviation(self) -> float | None:
        if not self.numeric or not self.target or self.actual is None:
            return 0.0 if self.numeric and self.target == 0 and self.actual == 0 else None
        sign = -1 if self.op == "≤" else 1
        return round(sign * (self.actual - self.target) / self.target * 100, 2)

    @property
    def coef(self) -> float:
        return round(self.score / self.weight * 100, 2) if self.weight else 0.0


@dataclass
class SemFund:
    kind: str
    label: str
    initial: float | None
    adjusted: float | None
    executed: float | None


@dataclass
class SemForm:
    form_type: str
    year: int
    project_name: str
    project_code: str
    department: str
    implementing_unit: str
    finance_office: str
    contact: str
    phone: str
    unit: str  # 万元 / 元
    funds: list[SemFund]
    exec_weight: float | None
    exec_score: float | None
    goal_initial: str
    goal_adjusted: str
    goal_actual: str
    indicators: list[SemIndicator] = field(default_factory=list)

    @property
    def total(self) -> SemFund:
        return self.funds[0]

    @property
    def rate(self) -> float:
        t = self.total
        return round((t.executed or 0) / (t.adjusted or 1) * 100, 2)

    @property
    def total_score(self) -> float:
        return round(sum(i.score for i in self.indicators) + (self.exec_score or 0), 2)

    @property
    def grade(self) -> str:
        s = self.total_score
        return "优" if s >= 90 else "良" if s >= 80 else "中" if s >= 60 else "差"


def _num(rng: random.Random, low: float, high: float, decimals: int) -> float:
    return round(rng.uniform(low, high), decimals) if decimals else float(rng.randint(int(low), int(high)))


def _indicator(rng: random.Random, level2: str, spec: tuple[object, ...], weight: float, short_rate: float,
               explain_rate: float) -> SemIndicator:
    name = str(spec[0])
    if spec[2] == "定性":
        ind = SemIndicator(pools.LEVEL1[level2], level2, name, "定性", None, 0,
                           target_text=str(spec[3]), actual_text=str(spec[4]), weight=weight, score=weight)
        if rng.random() < short_rate / 2:
            ind.actual_text = rng.choice(pools.QUAL_PARTIAL)
            ind.score = round(weight * rng.choice([0.6, 0.7, 0.8]), 1)
        elif rng.random() < 0.3:
            ind.actual_text = rng.choice(["达成", "完成", "达成指标", "已完成"])
    else:
        unit, op, low, high, dec = str(spec[1]), str(spec[2]), float(spec[3]), float(spec[4]), int(spec[5])  # type: ignore[arg-type]
        target = _num(rng, low, high, dec)
        ind = SemIndicator(pools.LEVEL1[level2], level2, name, op, unit, dec, target=target, actual=target,
                           weight=weight, score=weight)
        missed = rng.random() < short_rate and target > 0
        if op == "≥":
            ind.actual = round(target * (rng.uniform(0.7, 0.97) if missed else rng.uniform(1.0, 1.25)), dec)
            if unit == "%":
                ind.actual = min(ind.actual, 100.0)
            if ind.actual < target:
                ind.score = round(weight * ind.actual / target, 2)
        elif op == "≤":
            ind.actual = round(target * (rng.uniform(1.05, 1.3) if missed else rng.uniform(0.8, 1.0)), dec)
            if ind.actual > target:
                ind.score = round(weight * target / ind.actual, 2)
        elif missed:  # "=": a shortfall is a lower actual
            ind.actual = round(target * rng.uniform(0.85, 0.99), dec)
            ind.score = round(weight * ind.actual / target, 2)
        if ind.actual is not None and ind.actual == target:
            ind.score = weight
        dev = ind.deviation
        if dev is not None and dev >= 10 and rng.random() < explain_rate:
            ind.explanation = rng.choice(pools.OVER_REASONS)
    if ind.score < ind.weight and rng.random() < explain_rate:
        ind.explanation = rng.choice(pools.SHORT_REASONS)
    return ind


def _split(rng: random.Random, total: int, parts: int) -> list[float]:
    """`total` points over `parts` indicators, in whole or half points, at least 2 each."""
    base = [2.0] * parts
    rest = total - 2 * parts
    for _ in range(rest):
        base[rng.randrange(parts)] += 1
    return base


def make_form(rng: random.Random, exec_weight: float | None = 10.0, department_form: bool = False,
              amount_unit: str | None = None, short_rate: float = 0.2, explain_rate: float = 0.85,
              max_indicators: int = 12) -> SemForm:
    theme = rng.choice(list(pools.THEMES))
    stems, dept_suffix, unit_suffix, groups = pools.THEMES[theme]
    place = rng.choice(pools.PLACES)
    year = rng.choice([2022, 2023, 2023, 2024])
    department = f"{place}{dept_suffix}"
    implementing = f"{place}{unit_suffix}"
    suffix = rng.choice(["", "", "项目", f"（{year}年）"])
    name = f"{department}部门整体支出" if department_form else rng.choice(stems) + suffix
    unit = amount_unit or rng.choice(["万元", "万元", "万元", "元"])
    scale = 1.0 if unit == "万元" else 10000.0
    initial = round(rng.uniform(3, 900) * scale, 2)
    adjusted = initial if rng.random() < 0.5 else round(initial * rng.uniform(0.8, 1.15), 2)
    executed = round(adjusted * (1.0 if rng.random() < 0.45 else rng.uniform(0.75, 0.995)), 2)
    carry = round(adjusted * rng.uniform(0.05, 0.2), 2) if rng.random() < 0.25 else 0.0
    funds = [SemFund("total", "年度资金总额", initial, adjusted, executed),
             SemFund("fiscal", "其中：当年财政拨款", initial, round(adjusted - carry, 2),
                     round(min(executed, adjusted - carry), 2)),
             SemFund("carryover", "上年结转资金", 0.0 if carry else None, carry or None,
                     round(executed - min(executed, adjusted - carry), 2) if carry else None),
             SemFund("other", "其他资金", None, None, None)]
    rate = round(executed / adjusted * 100, 2)
    exec_score = round(min(rate, 100.0) / 100 * exec_weight, 2) if exec_weight else None
    points = 100 - int(exec_weight or 0)
    level2s = [k for k in groups if rng.random() < 0.85] or list(groups)
    chosen: list[tuple[str, tuple[object, ...]]] = []
    for level2 in level2s:
        options = list(groups[level2])
        rng.shuffle(options)
        chosen += [(level2, spec) for spec in options[:rng.choice([1, 1, 2])]]
    chosen = chosen[:max_indicators]
    sat_idx = [i for i, (lv, _) in enumerate(chosen) if lv == "服务对象满意度指标"]
    weights = _split(rng, points - (10 if sat_idx else 0), len(chosen) - len(sat_idx))
    inds: list[SemIndicator] = []
    it = iter(weights)
    for i, (level2, spec) in enumerate(chosen):
        weight = 10.0 if i in sat_idx else next(it)
        inds.append(_indicator(rng, level2, spec, weight, short_rate, explain_rate))
    for ind in rng.sample(inds, k=min(len(inds), rng.randint(1, 3))):
        ind.is_core = True
    task = f"{stems[0]}相关工作"
    sat = rng.choice([85, 90, 95])
    goal_i = rng.choice(pools.GOALS_INITIAL).format(task=task, sat=sat, area=place)
    goal_a = rng.choice(pools.GOALS_ACTUAL).format(task=task, sat2=sat + rng.randint(0, 4), area=place)
    code = f"{rng.randint(500100, 530199)}{rng.choice(['T', 'P', 'Y'])}{rng.randint(10**9, 10**10 - 1)}"
    phone = rng.choice([f"0{rng.randint(20, 999)}-{rng.randint(2000000, 89999999)}",
                        f"1{rng.randint(3000000000, 9999999999)}"])
    office = f"{rng.randint(1, 40):03d}-{rng.choice(['经济建设科', '行政政法科', '教科文科', '社会保障科', '农业农村科'])}"
    return SemForm("department" if department_form else "project", year, name, code, department, implementing, office,
                   rng.choice(pools.CONTACTS), phone, unit, funds, exec_weight, exec_score, goal_i,
                   goal_i if rng.random() < 0.3 else "", goal_a, inds)
