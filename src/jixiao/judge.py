"""The text review's LLM judge (issue 17): for each indicator whose 偏差原因 the rules could not
settle, one narrow request asks whether it gives a cause for the gap and is about this indicator.

The answer must quote the spans it relies on; a quote that is not in the row's own cells is
re-asked (instructor validation context), then the judgement is dropped and reported. A judgement
becomes a review finding with `method: "llm"` (severity info: a reviewer confirms it); it never
changes a value. Calls are counted in `llm_usage` and cached by the service like every other call.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context

from pydantic import BaseModel, Field, ValidationError, ValidationInfo, model_validator

from jixiao.checks.profile import RuleProfile
from jixiao.checks.review_codes import review_finding
from jixiao.checks.review_explain import has_cause
from jixiao.checks.review_text import is_void
from jixiao.checks.review_words import review_words
from jixiao.domain.format import fmt
from jixiao.llm.prompts import chat, render
from jixiao.llm.service import LlmService, Reply
from jixiao.models import Document, Finding
from jixiao.values import squash

_QUOTE_MARKS = "“”\"'‘’「」『』"


class Judgement(BaseModel):
    """The judge's answer for one indicator."""

    gives_cause: bool = Field(description="偏差原因是否说明了造成差距或扣分的具体原因")
    belongs: bool = Field(True, description="说明写的是本指标（而非其他指标）")
    contradicts: bool = Field(False, description="说明与填报的数字矛盾")
    quotes: list[str] = Field(default_factory=list, description="判断所依据的原文片段，逐字照抄")
    reason: str = Field("", description="一句话理由")

    @property
    def problem(self) -> str | None:
        """The review code this judgement raises, if any."""
        if not self.belongs:
            return "EXPLANATION_OTHER_INDICATOR"
        if self.contradicts:
            return "EXPLANATION_CONTRADICTS"
        return None if self.gives_cause else "EXPLANATION_NO_CAUSE"

    @model_validator(mode="after")
    def _quotes_in_row(self, info: ValidationInfo) -> Judgement:
        context = info.context or {}
        if "cells" in context and (missing := ungrounded_quotes(self, context["cells"])):
            raise ValueError("quotes 必须逐字照抄本指标的原文，以下片段原文中没有：" + "；".join(missing))
        return self


def _bare(text: str) -> str:
    return squash(text).strip(_QUOTE_MARKS + "。，,.;；")


def ungrounded_quotes(judgement: Judgement, cells: list[str]) -> list[str]:
    """Quotes not found in the row's cells (whitespace ignored). A judgement that finds a problem must
    quote at least one span; one that finds none may quote nothing."""
    row = [squash(c) for c in cells]
    quotes = [q for q in judgement.quotes if _bare(q)]
    if not quotes and judgement.problem is not None:
        return ["（未引用原文）"]
    return [q for q in quotes if not any(_bare(q) in c for c in row)]


class _Case(BaseModel):
    form: int
    row: int
    cells: list[str]
    reply: Reply
    prompt_sha256: str


def candidates(document: Document, profile: RuleProfile) -> list[tuple[int, int]]:
    """Indicators with an explanation that lost points or fall short, and that no rule finding settled:
    points lost, or a shortfall explained without a word of cause."""
    settled = {(f.form, f.path) for f in document.findings if f.path and f.path.endswith(".explanation")}
    words = review_words()
    judged = {(a.form, a.indicator): a for a in document.assessments}  # each indicator's one judgement
    out: list[tuple[int, int]] = []
    for fi, form in enumerate(document.forms):
        for i, ind in enumerate(form.indicators):
            text = squash(ind.explanation)
            if not text or is_void(ind) or (fi, f"indicators[{i}].explanation") in settled:
                continue
            result = judged.get((fi, i))
            lost = ind.score is not None and ind.weight is not None and ind.score < ind.weight - profile.tolerance.score
            if lost or (result is not None and result.needs_explanation and not has_cause(text, words)):
                out.append((fi, i))
    return out


def _gap(document: Document, fi: int, i: int) -> str:
    result = next((a for a in document.assessments if a.form == fi and a.indicator == i), None)
    return "、".join(result.reasons) if result is not None and result.reasons else "存在偏差"


def _ask(service: LlmService, document: Document, fi: int, i: int) -> _Case:
    form = document.forms[fi]
    ind = form.indicators[i]
    cells = [ind.name, ind.target or "", ind.actual or "", fmt(ind.weight), fmt(ind.score), ind.explanation]
    others = [o.name for j, o in enumerate(form.indicators) if j != i and not is_void(o)]
    user, sha = render("judge_explanation.j2", gap=_gap(document, fi, i), name=ind.name, target=ind.target or "（空）",
                       actual=ind.actual or "（空）", weight=fmt(ind.weight), score=fmt(ind.score),
                       explanation=ind.explanation, others=others)
    reply = service.structured(chat(user, "judge_system.j2"), Judgement, {"cells": cells})
    return _Case(form=fi, row=i, cells=cells, reply=reply, prompt_sha256=sha)


def _salvage(reply: Reply) -> Judgement | None:
    if reply.data is not None:
        return Judgement.model_validate(reply.data)
    text = (reply.raw or "").strip()
    if text.startswith("```"):
        text = text.strip("`").removeprefix("json").strip()
    try:
        return Judgement.model_validate_json(text) if text else None
    except ValidationError:
        return None


def _finding(case: _Case, document: Document, service: LlmService) -> Finding | None:
    ind = document.forms[case.form].indicators[case.row]
    path = f"indicators[{case.row}].explanation"
    reply = case.reply
    judgement = _salvage(reply)
    if judgement is None:
        why = reply.error or "回复无法解析"
        return Finding(code="LLM_FAILED", severity="warning", form=case.form, path=path, method="llm",
                       message=f"模型复核指标“{ind.name}”的偏差原因失败（{why}），该项未经模型复核", found=why[:200])
    missing = ungrounded_quotes(judgement, case.cells)
    if missing:
        return Finding(code="LLM_VALUE_UNGROUNDED", severity="warning", form=case.form, path=path, method="llm",
                       message=f"模型对指标“{ind.name}”偏差原因的判断引用了本行原文中没有的文字，判断已丢弃："
                               + "；".join(missing), found="；".join(missing)[:200])
    code = judgement.problem
    if code is None:
        return None
    what = {"EXPLANATION_OTHER_INDICATOR": "写的不是本指标的情况",
            "EXPLANATION_CONTRADICTS": "与填报的数据矛盾",
            "EXPLANATION_NO_CAUSE": "未说明造成差距的原因"}[code]
    quote = "；".join(judgement.quotes)
    reason = f"：{judgement.reason.strip()}" if judgement.reason.strip() else ""
    return review_finding(case.form, code, path,
                          f"（模型{service.model}判断，请复核）指标“{ind.name}”的偏差原因{what}{reason}",
                          quote, expected="偏差原因", found=ind.explanation.strip(), method="llm", severity="info")


def judge_explanations(document: Document, service: LlmService, profile: RuleProfile,
                       concurrency: int = 2) -> Document:
    """Ask the judge about every candidate indicator; add its grounded judgements as findings."""
    todo = candidates(document, profile)
    if not todo:
        return document
    context = copy_context()  # the input's LLM budget, seen by every request thread
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        cases = list(pool.map(lambda c: context.copy().run(_ask, service, document, c[0], c[1]), todo))
    usage = document.llm_usage
    failed: list[Finding] = []
    for case in cases:
        unsent = (case.reply.error or "").startswith(_UNSENT)
        if case.reply.cached:
            usage.cached_calls += 1
        elif not unsent:
            usage.calls += max(1, case.reply.attempts)
            usage.prompt_tokens += case.reply.prompt_tokens
            usage.completion_tokens += case.reply.completion_tokens
        finding = _finding(case, document, service)
        if finding is not None and finding.code == "LLM_FAILED":
            failed.append(finding)
        elif finding is not None:
            document.findings.append(finding)
    document.findings += _failures(failed, document)
    return document


_UNSENT = "deadline: the input's LLM budget"  # the input's budget was spent before the request was sent


def _failures(failed: list[Finding], document: Document) -> list[Finding]:
    """One finding for the judge's failures (the first one's wording), none when the input's budget was
    already reported spent by an earlier stage."""
    if not failed:
        return []
    if all(_UNSENT in str(f.found or "") for f in failed) and any(f.code == "LLM_FAILED" for f in document.findings):
        return []
    first = failed[0]
    if len(failed) == 1:
        return [first]
    return [first.model_copy(update={"path": None, "message": first.message + f"；共 {len(failed)} 项偏差原因未经模型复核"})]
