"""Text review, part 1: are the targets measurable, the names names, the actuals values (issue 17).

A reviewer's 复核 reads what the unit wrote, not only its arithmetic. These rules decide what a
rule can decide; the words they use live in `review_words.toml`. Every finding quotes the text.
"""

from __future__ import annotations

import re
from functools import lru_cache

from jixiao.checks.assess import unit_suffix
from jixiao.checks.base import Sink
from jixiao.checks.review_codes import review_finding
from jixiao.checks.review_words import ReviewWords, review_words
from jixiao.domain.vocabulary import FILLER_WORDS
from jixiao.models import Indicator
from jixiao.values import squash

_PUNCT = re.compile(r"[\s，,。.、；;：:“”\"'‘’（）()《》<>【】\[\]!！?？·…-]+")
_DIGIT = re.compile(r"\d")
_DATE = re.compile(r"\d{4}\s*年|\d{1,2}\s*月")


@lru_cache(maxsize=65536)
def norm(text: str | None) -> str:
    """Text as compared by the review: no whitespace, no punctuation."""
    return _PUNCT.sub("", squash(text or ""))


def has_digit(text: str | None) -> bool:
    return bool(_DIGIT.search(text or ""))


def is_void(ind: Indicator) -> bool:
    """A 无/不涉及 row (its own check reports points on it)."""
    return squash(ind.name) in FILLER_WORDS or squash(ind.target or "") in FILLER_WORDS


def _label(ind: Indicator) -> str:
    return f"指标“{ind.name}”"


def _target(sink: Sink, i: int, ind: Indicator, words: ReviewWords) -> None:
    target, name, actual = norm(ind.target), norm(ind.name), norm(ind.actual)
    if not target:
        return
    path = f"indicators[{i}].target"
    rules = words.target
    if target == name and len(target) >= 4:
        sink.findings.append(review_finding(
            sink.form_index, "TARGET_SAME_AS_NAME", path,
            f"{_label(ind)}的指标值照抄了指标名称，未设定可衡量的指标值", ind.target, expected="可衡量的指标值"))
        return
    qualitative = ind.operator == "定性" or not has_digit(target)
    if qualitative and not has_digit(target):
        if target in rules.standard_words or any(m in target for m in rules.standard_markers):
            return
        if len(norm(ind.scoring_method)) >= 15:  # the form states its standard in 评分标准 ('有效' + how it is judged)
            return
        vague = next((w for w in rules.vague_words if w in target), None)
        direction = next((w for w in rules.direction_words if w in target), None)
        if (vague or direction) and target == actual and len(target) >= rules.min_restated_length:
            sink.findings.append(review_finding(
                sink.form_index, "TARGET_SAME_AS_ACTUAL", path,
                f"{_label(ind)}的指标值与完成值都是“{ind.target}”，照抄目标表述，无法判断完成程度",
                ind.target, expected="可衡量的指标值和实际完成情况"))
        elif vague or direction:
            word = vague or direction
            sink.findings.append(review_finding(
                sink.form_index, "TARGET_NOT_MEASURABLE", path,
                f"{_label(ind)}的指标值“{ind.target}”只有“{word}”这样的{'程度' if vague else '方向'}表述，"
                "未设定可衡量的标准（数值或明确的评判标准）", ind.target, expected="可衡量的指标值"))
        return
    if (ind.operator is None and not _DATE.search(ind.target or "") and not unit_suffix(ind.target)
            and squash(ind.unit or "") in ("", *FILLER_WORDS)):
        sink.findings.append(review_finding(
            sink.form_index, "TARGET_NOT_MEASURABLE", path,
            f"{_label(ind)}的指标值“{ind.target}”只有数字，没有计量单位，也没有≥、≤、=等比较方式", ind.target,
            expected="数值、计量单位和比较方式"))


def _actual(sink: Sink, i: int, ind: Indicator, words: ReviewWords) -> None:
    actual = norm(ind.actual)
    if (ind.operator == "定性" or not actual or has_digit(actual) or ind.target_value is None
            or _DATE.search(ind.target or "") or not words.actual.states_no_value(actual)):
        return
    sink.findings.append(review_finding(
        sink.form_index, "ACTUAL_WITHOUT_VALUE", f"indicators[{i}].actual",
        f"{_label(ind)}的指标值为“{ind.target}”，完成值只填了“{ind.actual}”，未填写实际完成的数值，"
        "无法判断是否达到目标", ind.actual, expected="实际完成的数值", found=ind.actual))


def _level_name(name: str, words: ReviewWords) -> bool:
    """'数量指标', '社会效益' as a name; a bare '服务对象满意度' is the usual name of that indicator."""
    levels = {norm(w) for w in words.names.level_words}
    if name.endswith("指标") and name.removesuffix("指标") in levels | {""}:
        return True
    return (name in levels and name not in words.names.bare_names) or words.slot_name(name)


def check_text(sink: Sink) -> None:
    """Targets, actuals and names of every indicator of the form."""
    words = review_words()
    seen: dict[str, int] = {}
    for i, ind in enumerate(sink.form.indicators):
        if is_void(ind):
            continue
        name = norm(ind.name)
        if name and _level_name(name, words):
            sink.findings.append(review_finding(
                sink.form_index, "NAME_IS_LEVEL", f"indicators[{i}].name",
                f"指标名称“{ind.name}”是指标层级的名称，不是具体的三级指标，无法据此考核", ind.name,
                expected="具体的三级指标名称"))
        elif name and name in seen:
            first = seen[name]
            sink.findings.append(review_finding(
                sink.form_index, "NAME_DUPLICATE", f"indicators[{i}].name",
                f"指标名称“{ind.name}”与第{first + 1}项指标重复，请核对是否重复填报", ind.name,
                expected="不重复的指标"))
        if name:
            seen.setdefault(name, i)
        _target(sink, i, ind, words)
        _actual(sink, i, ind, words)


CHECKS = (check_text,)
