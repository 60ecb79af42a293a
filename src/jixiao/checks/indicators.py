"""Indicator checks (SPEC §5 rules 3, 4, 7, 8, 10): scores, 偏离度, shortfalls, content."""

from __future__ import annotations

from jixiao.checks.assess import Assessment, assess
from jixiao.checks.base import Sink, fmt
from jixiao.models import Indicator, Severity
from jixiao.parse.vocabulary import FILLER_WORDS
from jixiao.values import split_operator, squash


def _label(ind: Indicator) -> str:
    return f"指标“{ind.name}”"


def _scores(sink: Sink, i: int, ind: Indicator, result: Assessment) -> None:
    path = f"indicators[{i}].score"
    if ind.score is None or ind.weight is None:
        return
    tol = sink.score_tolerance(path)
    if ind.score > ind.weight + tol:
        sink.emit("SCORE_ABOVE_WEIGHT", "warning", path,
                  f"{_label(ind)}得分{fmt(ind.score)}超过分值{fmt(ind.weight)}", expected=ind.weight, found=ind.score)
        return
    if result.kind == "quantitative" and result.rule_score is not None:
        if result.met is False and ind.score > result.rule_score + tol:
            sink.emit("SCORE_ABOVE_RULE", "warning", path,
                      f"{_label(ind)}未达到目标（指标值{ind.target}，完成值{ind.actual}），按比例应得"
                      f"{fmt(result.rule_score)}分，自评{fmt(ind.score)}分，自评偏高",
                      expected=round(result.rule_score, 2), found=ind.score)
        elif result.met and ind.score < ind.weight - tol:
            severity: Severity = "info" if ind.explanation else "warning"
            sink.emit("SCORE_DEDUCTED_THOUGH_MET", severity, path,
                      f"{_label(ind)}已完成目标（指标值{ind.target}，完成值{ind.actual}），按规则应得满分"
                      f"{fmt(ind.weight)}分，自评{fmt(ind.score)}分" + ("" if ind.explanation else "，且未说明扣分原因"),
                      expected=ind.weight, found=ind.score)
    if result.kind == "qualitative" and result.achievement is not None:
        low, high = getattr(sink.profile.qualitative, result.achievement)
        share = ind.score / ind.weight if ind.weight else None
        if share is not None and not (low - 1e-9 <= share <= high + 1e-9):
            words = {"achieved": "达成", "partial": "部分达成", "not_achieved": "未达成"}
            sink.emit("QUALITATIVE_SCORE_OUT_OF_BAND", "warning", path,
                      f"定性{_label(ind)}完成情况为“{ind.actual}”（{words[result.achievement]}），得分应在分值的"
                      f"{low:.0%}–{high:.0%}之间（{fmt(ind.weight * low)}–{fmt(ind.weight * high)}分），"
                      f"自评{fmt(ind.score)}分", expected=f"{fmt(ind.weight * low)}–{fmt(ind.weight * high)}",
                      found=ind.score)


def _deviation(sink: Sink, i: int, ind: Indicator, result: Assessment) -> None:
    printed, computed = ind.deviation_pct, result.deviation
    path = f"indicators[{i}].deviation_pct"
    if (printed is not None and computed is not None and ind.operator != "定性"
            and abs(printed - computed) > sink.percent_tolerance(path)):
        sink.emit("DEVIATION_MISMATCH", "warning", path,
                  f"{_label(ind)}偏离度填报{fmt(printed)}%，按指标值{ind.target}、完成值{ind.actual}"
                  f"计算应为{fmt(computed)}%", expected=round(computed, 2), found=printed)
    if ind.score_coef is not None and ind.weight is not None and ind.score is not None:
        expected = ind.weight * ind.score_coef / 100
        if abs(ind.score - expected) > sink.score_tolerance(f"indicators[{i}].score"):
            sink.emit("SCORE_COEF_MISMATCH", "warning", f"indicators[{i}].score",
                      f"{_label(ind)}指标得分应为权重{fmt(ind.weight)}×得分系数{fmt(ind.score_coef)}%="
                      f"{fmt(expected)}，填报{fmt(ind.score)}", expected=round(expected, 2), found=ind.score)


def _content(sink: Sink, i: int, ind: Indicator, result: Assessment) -> None:
    base = f"indicators[{i}]"
    if ind.actual and split_operator(ind.actual)[0] is not None:
        sink.emit("ACTUAL_WRITTEN_AS_TARGET", "warning", f"{base}.actual",
                  f"{_label(ind)}完成值“{ind.actual}”写成了目标形式，应填写实际完成的数值",
                  expected="实际完成值", found=ind.actual)
    void = squash(ind.name) in FILLER_WORDS or squash(ind.target or "") in FILLER_WORDS
    if void and ind.weight:
        sink.emit("VOID_INDICATOR_WITH_POINTS", "warning", f"{base}.weight",
                  f"{_label(ind)}为空指标（无/不涉及），却分配了{fmt(ind.weight)}分", expected=0, found=ind.weight)
    for field in ("name", "target", "actual", "explanation"):
        text = getattr(ind, field) or ""
        hit = next((w for w in sink.profile.content.template_text if w in text), None)
        if hit:
            sink.emit("TEMPLATE_TEXT_LEFT", "warning", f"{base}.{field}",
                      f"{_label(ind)}的内容仍含模板说明文字（“{hit}”），请填写实际内容", found=text)
    if not (ind.actual or "").strip() and not void:
        sink.emit("EMPTY_ACTUAL", "warning", f"{base}.actual", f"{_label(ind)}未填写完成值", found="")
    if ind.score is None and not void:
        sink.emit("EMPTY_SCORE", "warning", f"{base}.score", f"{_label(ind)}未填写得分", found=None)
    if result.units is not None:
        t_unit, a_unit = result.units
        sink.emit("UNIT_MISMATCH", "warning", f"{base}.actual",
                  f"{_label(ind)}指标值“{ind.target}”与完成值“{ind.actual}”的计量单位不同（{t_unit}/{a_unit}），"
                  f"无法判断是否完成", expected=t_unit, found=a_unit)


def _shortfall(sink: Sink, i: int, ind: Indicator, result: Assessment) -> None:
    if result.short and not ind.explanation.strip():
        sink.emit("SHORT_WITHOUT_EXPLANATION", "warning", f"indicators[{i}].explanation",
                  f"{_label(ind)}{'、'.join(result.short_reasons)}，但未填写偏差原因分析及改进措施",
                  expected="偏差原因分析及改进措施", found="")


def check_indicators(sink: Sink) -> None:
    for i, ind in enumerate(sink.form.indicators):
        result = assess(ind, sink.profile)
        for step in (_scores, _deviation, _content, _shortfall):
            step(sink, i, ind, result)
    note = sink.form.explanation or ""
    hit = next((w for w in sink.profile.content.template_text if w in note), None)
    if hit:
        sink.emit("TEMPLATE_TEXT_LEFT", "warning", "explanation",
                  f"表下方“说明”仍是模板说明文字（“{hit}”），请填写实际的偏差原因和改进措施", found=note)


CHECKS = (check_indicators,)
