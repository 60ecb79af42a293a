"""Judge one indicator, once: met, over-achieved, short, not read, under its operator (docs/checks.md rules 3, 4, 7, 8).

The result is recorded on the document (`Document.assessments`); the indicator checks, the drafts,
the workbook and the reports read it and never judge again.
"""

from __future__ import annotations

import re
from typing import Literal

from jixiao.checks.profile import RuleProfile
from jixiao.models import FLAG_CONFIDENCE, Assessment, Form, Indicator
from jixiao.values import split_operator, squash

Achievement = Literal["achieved", "partial", "not_achieved"]
_UNIT = re.compile(r"\d(?:\.\d+)?\s*[(（]?\s*([^\d\s()（）.,:：]{1,4})\s*[)）]?\s*$")


def unit_suffix(text: str | None) -> str | None:
    if not text:
        return None
    match = _UNIT.search(squash(text))
    if not match:
        return None
    return match.group(1).replace("％", "%")


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
    result.operator = op
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


def is_ocr(form: Form) -> bool:
    """The form was read by OCR: an empty cell may be one the recogniser missed (under a seal)."""
    return any(p.method == "ocr" for p in form.provenance.values())


def _unread(form: Form, index: int, ind: Indicator, cut: bool, ocr: bool) -> list[str]:
    """Fields not read surely: empty on an OCR'd form or past the point where the input was cut, or recognised by
    OCR under the confidence floor (a value the parser realigned or inferred is read; it is flagged elsewhere)."""
    absent_means_unread = ocr or (cut and index == len(form.indicators) - 1)
    out = []
    for field in ("target", "actual", "weight", "score"):
        prov = form.provenance.get(f"indicators[{index}].{field}")
        missing = getattr(ind, field) in (None, "")
        if (missing and absent_means_unread) or (prov is not None and prov.method == "ocr"
                                                   and prov.confidence < FLAG_CONFIDENCE):
            out.append(field)
    return out


def _status(result: Assessment, printed_deviation: float | None, threshold: float) -> None:
    """over: met, and beyond the target by the profile's 偏离度 threshold or more (computed, else as printed)."""
    beyond = result.deviation if result.deviation is not None else printed_deviation
    if {"target", "actual"} & set(result.unread):
        result.status = "unread"
    elif result.met is None:
        result.status = "unjudged"
    elif not result.met:
        result.status = "short"
    elif beyond is not None and beyond >= threshold - 1e-9:
        result.status = "over"
    else:
        result.status = "met"


def assess(form: Form, form_index: int, index: int, profile: RuleProfile, cut: bool = False,
           ocr: bool | None = None) -> Assessment:
    """Met or not, the rule score, the computed deviation and why the indicator needs an explanation.
    `ocr`: whether the form was read by OCR (found from its provenance when not given)."""
    ind = form.indicators[index]
    if ind.operator == "定性" or (ind.target_value is None or ind.actual_value is None):
        achievement = achievement_of(ind, profile)
        kind: Literal["qualitative", "unknown"] = "qualitative" if (
            ind.operator == "定性" or achievement) else "unknown"
        result = Assessment(form=form_index, indicator=index, kind=kind, status="unjudged", achievement=achievement,
                            operator=ind.operator, met=None if achievement is None else achievement == "achieved")
    else:
        result = Assessment(form=form_index, indicator=index, kind="quantitative", status="unjudged")
        _quantitative(ind, profile, result)
    result.unread = _unread(form, index, ind, cut, is_ocr(form) if ocr is None else ocr)
    tol = profile.tolerance.score
    if result.met is False:
        result.reasons.append("未达到目标值")
    if ind.score is not None and ind.weight is not None and ind.score < ind.weight - tol:
        result.score_deducted = True
        result.reasons.append(f"得分{ind.score:g}低于分值{ind.weight:g}")
    deviation = ind.deviation_pct
    if deviation is None and profile.deviation.source == "computed":
        deviation = result.deviation
    reached = deviation is not None and abs(deviation) >= profile.deviation.threshold - 1e-9
    if reached:
        result.reasons.append(f"偏离度{deviation:g}%（达到{profile.deviation.threshold:g}%的说明阈值）")
    _status(result, ind.deviation_pct, profile.deviation.threshold)
    return result


def assess_form(form: Form, form_index: int, profile: RuleProfile, cut: bool = False) -> list[Assessment]:
    """Every indicator of a form; `cut`: the input stops inside the form's last indicator."""
    ocr = is_ocr(form)
    return [assess(form, form_index, i, profile, cut, ocr) for i in range(len(form.indicators))]
