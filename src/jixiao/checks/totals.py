"""Form-level checks (docs/checks.md rules 5, 6, 10, 11): weights, totals, grade, structure."""

from __future__ import annotations

from jixiao.checks.base import Sink
from jixiao.domain.format import UNREAD, fmt
from jixiao.domain.vocabulary import level_key


def check_structure(sink: Sink) -> None:
    form = sink.form
    if not form.project_name:
        sink.emit("HEADER_UNREADABLE", "error", "project_name", "未能读取表头（项目名称），无法确认是哪个项目的自评表")
    if not form.funds:
        sink.emit("NO_FUNDS", "error", "funds", "未能读取资金情况（年初预算数/全年预算数/全年执行数）")
    if not form.indicators:
        sink.emit("NO_INDICATORS", "error", "indicators", "未能读取任何绩效指标，指标表缺失或无法识别")


def _expected_total(sink: Sink) -> float:
    return sink.form.total_weight if sink.form.total_weight is not None else sink.profile.weights.total


def check_weights(sink: Sink) -> None:
    form = sink.form
    weights = [ind.weight for ind in form.indicators if ind.weight is not None]
    if not weights:
        return
    exec_weight = form.budget_execution.weight or 0.0
    total = sum(weights) + exec_weight
    expected = _expected_total(sink)
    if abs(total - expected) > sink.profile.tolerance.score:
        unread = sum("weight" in a.unread for a in sink.assessments)
        said = (f"已识别的{len(weights)}项指标分值之和{fmt(sum(weights))}（另有{unread}项分值{UNREAD}）" if unread
                else f"各指标分值之和{fmt(sum(weights))}")
        sink.emit("WEIGHT_SUM_MISMATCH", "warning", "indicators",
                  f"{said}加执行率分值{fmt(exec_weight)}为{fmt(total)}，"
                  f"与总分{fmt(expected)}不符", expected=expected, found=round(total, 2))
        return
    if not all(ind.level1 for ind in form.indicators):
        return
    split: dict[str, float] = {}
    for ind in form.indicators:
        key = level_key(ind.level1 or "")
        split[key] = split.get(key, 0.0) + (ind.weight or 0.0)
    standard = sink.profile.weights.split
    if any(abs(split.get(k, 0.0) - v) > sink.profile.tolerance.score for k, v in standard.items()):
        shown = "，".join(f"{k}{fmt(v)}" for k, v in split.items())
        norm = "，".join(f"{k}{fmt(v)}" for k, v in standard.items())
        sink.emit("WEIGHT_SPLIT_NONSTANDARD", "info", "indicators",
                  f"一级指标分值分配为{shown}，与常规分配（{norm}）不同", expected=norm, found=shown)


def check_score_sum(sink: Sink) -> None:
    form = sink.form
    scores = [ind.score for ind in form.indicators if ind.score is not None]
    if form.total_score is None or not scores:
        return
    exec_score = form.budget_execution.score or 0.0
    total = sum(scores) + exec_score
    detail = total > 0
    if form.total_score == 0 and detail:
        sink.emit("TOTAL_ZERO_WITH_DETAIL", "warning", "total_score",
                  f"总分为0，但各指标得分合计{fmt(total)}", expected=round(total, 2), found=0)
        return
    tol = sink.score_tolerance("total_score")
    reviewed = [ind.review_score for ind in form.indicators if ind.review_score is not None]
    if reviewed and abs(sum(reviewed) + exec_score - form.total_score) <= tol:
        return  # the total is the 复核分 total
    if abs(total - form.total_score) > tol:
        unread = sum("score" in a.unread for a in sink.assessments)
        said = (f"已识别的{len(scores)}项指标得分之和{fmt(sum(scores))}（另有{unread}项得分{UNREAD}）" if unread
                else f"各指标得分之和{fmt(sum(scores))}")
        sink.emit("SCORE_SUM_MISMATCH", "warning", "total_score",
                  f"{said}加执行率得分{fmt(exec_score)}为{fmt(total)}，"
                  f"与自评总分{fmt(form.total_score)}不符", expected=round(total, 2), found=form.total_score)


def check_grade(sink: Sink) -> None:
    form = sink.form
    if form.grade is None or form.total_score is None:
        return
    expected = sink.profile.grade_for(form.total_score)
    if form.grade.strip() != expected:
        sink.emit("GRADE_MISMATCH", "warning", "grade",
                  f"总分{fmt(form.total_score)}对应等级应为“{expected}”，填报“{form.grade}”",
                  expected=expected, found=form.grade)


