"""Judge one indicator: was it met, what would the rules score it, is it short (SPEC §5 rules 3, 4, 7, 8)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

from jixiao.checks.profile import RuleProfile
from jixiao.models import Indicator
from jixiao.values import split_operator, squash

Achievement = Literal["achieved", "partial", "not_achieved"]
_UNIT = re.compile(r"\d(?:\.\d+)?\s*[(（]?\s*([^\d\s()（）.,:：]{1,4})\s*[)）]?\s*$")


class Assessment(BaseModel):
    kind: Literal["quantitative", "qualitative", "unknown"]
    met: bool | None = None
    achievement: Achievement | None = None
    rule_score: float | None = Field(None, description="score the rules give (quantitative, not met)")
    deviation: float | None = Field(None, description="偏离度 computed from target and actual (%)")
    units: tuple[str, str] | None = Field(None, description="(target unit, actual unit) when they differ")
    short_reasons: list[str] = Field(default_factory=list)

    @property
    def short(self) -> bool:
        return bool(self.short_reasons)


def unit_suffix(text: str | None) -> str | None:
    if not text:
        return None
    match = _UNIT.search(squash(text))
    if not match:
        return None
    unit = match.group(1).replace("％", "%")
    return unit


def achievement_of(ind: Indicator, profile: RuleProfile) -> Achievement | None:
    """How far a qualitative indicator was reached, judged from its printed actual."""
    actual = squash(ind.actual or "")
    if not actual:
        return None
    rules = profile.qualitative
    if actual in rules.not_achieved_words:
        return "not_achieved"
    if actual in rules.partial_words:
        return "partial"
    if actual in rules.achieved_words or actual == squash(ind.target or ""):
        return "achieved"
    return None


def _quantitative(ind: Indicator, profile: RuleProfile, result: Assessment) -> None:
    target, actual = ind.target_value, ind.actual_value
    assert target is not None and actual is not None
    t_unit, a_unit = unit_suffix(ind.target), unit_suffix(ind.actual)
    if t_unit and a_unit and t_unit != a_unit:
        result.units = (t_unit, a_unit)
        return
    op = ind.operator or split_operator(ind.actual or "")[0] or "≥"
    tol = profile.tolerance.percent if "%" in (ind.target or "") + (ind.unit or "") else 1e-9
    if op in ("≥", ">"):
        met = actual >= target - tol if op == "≥" else actual > target
        deviation = (actual - target) / target * 100 if target else None
    elif op in ("≤", "<"):
        met = actual <= target + tol if op == "≤" else actual < target
        deviation = (target - actual) / target * 100 if target else None
    else:  # '='
        met = abs(actual - target) <= tol
        deviation = (actual - target) / target * 100 if target else None
    result.met, result.deviation = met, deviation
    weight = ind.weight
    if weight is None:
        return
    if met:
        result.rule_score = weight
    elif target == 0:
        result.rule_score = 0.0  # a zero target is pass/fail
    elif op in ("≤", "<"):
        result.rule_score = min(weight, weight * target / actual) if actual else weight
    elif op == "=" and actual > target:
        result.rule_score = weight * target / actual
    else:
        result.rule_score = min(weight, max(0.0, weight * actual / target))


def assess(ind: Indicator, profile: RuleProfile) -> Assessment:
    """Met or not, the rule score, the computed deviation and why the indicator is short."""
    if ind.operator == "定性" or (ind.target_value is None or ind.actual_value is None):
        achievement = achievement_of(ind, profile)
        kind: Literal["qualitative", "unknown"] = "qualitative" if (
            ind.operator == "定性" or achievement) else "unknown"
        result = Assessment(kind=kind, achievement=achievement,
                            met=None if achievement is None else achievement == "achieved")
    else:
        result = Assessment(kind="quantitative")
        _quantitative(ind, profile, result)
    tol = profile.tolerance.score
    if result.met is False:
        result.short_reasons.append("未达到目标值")
    if ind.score is not None and ind.weight is not None and ind.score < ind.weight - tol:
        result.short_reasons.append(f"得分{ind.score:g}低于分值{ind.weight:g}")
    deviation = ind.deviation_pct
    if deviation is None and profile.deviation.source == "computed":
        deviation = result.deviation
    if deviation is not None and abs(deviation) >= profile.deviation.threshold - 1e-9:
        result.short_reasons.append(f"偏离度{deviation:g}%（达到{profile.deviation.threshold:g}%的说明阈值）")
    return result
