"""Text review, part 2: does the 偏差原因分析 explain this indicator's gap (issue 17)?

Placeholders on an indicator that lost points, a remedy without a cause, wording that contradicts
the numbers, the same text on several rows, and text about another indicator's subject. Words and
subject families live in `review_words.toml`.
"""

from __future__ import annotations

import re

from jixiao.checks.assess import Assessment, assess
from jixiao.checks.base import Sink, fmt
from jixiao.checks.review_codes import review_finding
from jixiao.checks.review_text import is_void, norm
from jixiao.checks.review_words import ReviewWords, review_words
from jixiao.models import Indicator
from jixiao.values import squash

_CJK_PAIR_END = "\u9fff"
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def lost_points(sink: Sink, ind: Indicator) -> bool:
    return ind.score is not None and ind.weight is not None and ind.score < ind.weight - sink.profile.tolerance.score


def has_cause(text: str, words: ReviewWords) -> bool:
    rules = words.explanation
    for compound in rules.not_cause_words:
        text = text.replace(compound, "")
    return any(w in text for w in rules.cause_words)


def _bigrams(text: str) -> set[str]:
    return {text[k:k + 2] for k in range(len(text) - 1)
            if all("\u4e00" <= c <= _CJK_PAIR_END for c in text[k:k + 2])}


def relevant(text: str, ind: Indicator, words: ReviewWords) -> bool:
    """Does the explanation talk about this indicator: its family's words, or a word of its name/target/unit."""
    rules = words.explanation
    subject = norm(ind.name) + norm(ind.level2)
    for family in rules.families.values():
        if any(k in subject for k in family.keys) and any(w in text for w in family.words):
            return True
    own = _bigrams(norm(ind.name) + " " + norm(ind.target) + " " + norm(ind.unit)) - set(rules.common_bigrams.words)
    return any(b in text for b in own)


def _placeholder(text: str, words: ReviewWords) -> bool:
    return text in {norm(p) or p for p in words.explanation.placeholders} or not norm(text)


def _own(sink: Sink, i: int, ind: Indicator, result: Assessment, words: ReviewWords) -> None:
    """Findings decided by the row alone."""
    raw = ind.explanation.strip()
    text = squash(raw)
    if not text:
        return  # SHORT_WITHOUT_EXPLANATION covers an empty cell
    path = f"indicators[{i}].explanation"
    lost = lost_points(sink, ind)
    rules = words.explanation
    gap = (f"得分{fmt(ind.score)}低于分值{fmt(ind.weight)}" if lost
           else "、".join(result.short_reasons) or "存在偏差")
    if _placeholder(text, words):
        if result.short:
            sink.findings.append(review_finding(
                sink.form_index, "EXPLANATION_PLACEHOLDER", path,
                f"指标“{ind.name}”{gap}，偏差原因只填了“{raw}”，未说明原因和改进措施", raw,
                expected="偏差原因分析及改进措施", found=raw))
        return
    cause = has_cause(text, words)
    if lost and not cause and any(re.search(p, text) for p in rules.complete_patterns):
        sink.findings.append(review_finding(
            sink.form_index, "EXPLANATION_CONTRADICTS", path,
            f"指标“{ind.name}”的说明称已完成，但{gap}，未说明扣分原因", raw,
            expected="扣分原因", found=raw))
        return
    shortfall = next((m.group(0) for p in rules.shortfall_patterns if (m := re.search(p, text))), None)
    less_is_better = ind.operator in ("≤", "<")  # '事故未达到上限' is good news there
    if result.met and shortfall and not lost and not less_is_better:
        sink.findings.append(review_finding(
            sink.form_index, "EXPLANATION_CONTRADICTS", path,
            f"指标“{ind.name}”完成值“{ind.actual}”已达到指标值“{ind.target}”，说明却写“{shortfall}”，"
            "与填报数据矛盾", raw, expected="与完成值一致的说明", found=raw))
        return
    if (lost or result.short) and not cause and any(w in text for w in rules.remedy_words):
        sink.findings.append(review_finding(
            sink.form_index, "EXPLANATION_REMEDY_ONLY", path,
            f"指标“{ind.name}”{gap}，偏差原因未说明未完成的原因，仅提出改进措施", raw,
            expected="偏差原因", found=raw))


def _across(sink: Sink, words: ReviewWords) -> None:
    """Findings that need the other rows: copied text, text about another indicator."""
    indicators = sink.form.indicators
    groups: dict[str, list[int]] = {}
    for i, ind in enumerate(indicators):
        text = squash(ind.explanation)
        if len(text) >= words.explanation.min_repeat_length and not is_void(ind) and not _placeholder(text, words):
            groups.setdefault(norm(text), []).append(i)
    flagged: set[int] = set()
    for rows in groups.values():
        if len(rows) < 2:
            continue
        text = squash(indicators[rows[0]].explanation)
        fits = [i for i in rows if relevant(text, indicators[i], words)]
        if fits and len(fits) < len(rows):
            owner = indicators[fits[0]]
            for i in rows:
                if i not in fits:
                    _other(sink, i, f"与指标“{owner.name}”的偏差原因完全相同，说的是该指标的情况")
                    flagged.add(i)
        elif not fits:
            for i in rows[1:]:
                ind = indicators[i]
                sink.findings.append(review_finding(
                    sink.form_index, "EXPLANATION_REPEATED", f"indicators[{i}].explanation",
                    f"指标“{ind.name}”的偏差原因与第{rows[0] + 1}项指标“{indicators[rows[0]].name}”完全相同，"
                    "未针对本指标说明", ind.explanation.strip(), expected="针对本指标的偏差原因"))
                flagged.add(i)
    for i, ind in enumerate(indicators):
        text = squash(ind.explanation)
        if i in flagged or not text:
            continue
        other = _names_other(text, i, indicators, words)
        if other is not None:
            _other(sink, i, f"写的是指标“{other.name}”的情况")


def _numbers(text: str) -> set[float]:
    return {float(n) for n in _NUMBER.findall(text)}


def _values(ind: Indicator) -> set[float]:
    return {v for v in (ind.target_value, ind.actual_value) if v is not None}


def _names_other(text: str, i: int, indicators: list[Indicator], words: ReviewWords) -> Indicator | None:
    """Another indicator whose full name the explanation gives, when the text is not about its own row:
    nothing of its own subject, or the other row's figures and none of its own ('师生满意度达到91%' on
    家长满意度 88%), and no word of its own name that the other name lacks."""
    own = indicators[i]
    body = norm(text)
    common = set(words.explanation.common_bigrams.words)
    numbers = _numbers(text)
    for j, other in enumerate(indicators):
        name = norm(other.name)
        if j == i or len(name) < 4 or name not in body or name in norm(own.name):
            continue
        if any(b in body for b in _bigrams(norm(own.name)) - _bigrams(name) - common):
            continue
        if not relevant(text, own, words) or (numbers & _values(other) and not numbers & _values(own)):
            return other
    return None


def _other(sink: Sink, i: int, why: str) -> None:
    ind = sink.form.indicators[i]
    sink.findings.append(review_finding(
        sink.form_index, "EXPLANATION_OTHER_INDICATOR", f"indicators[{i}].explanation",
        f"指标“{ind.name}”的偏差原因“{ind.explanation.strip()}”{why}，与本指标无关，疑似抄错行",
        ind.explanation.strip(), expected="本指标的偏差原因"))


def check_explanations(sink: Sink) -> None:
    words = review_words()
    for i, ind in enumerate(sink.form.indicators):
        if not is_void(ind):
            _own(sink, i, ind, assess(ind, sink.profile), words)
    _across(sink, words)


CHECKS = (check_explanations,)
