"""Two drafters behind one interface: deterministic templates (default, offline) and an LLM.

Both receive only the facts computed from the form; unknown causes stay placeholders
(【待补充：具体原因】). Every draft is checked for numbers the facts do not support.
"""

from __future__ import annotations

import json
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field, create_model

from jixiao.domain.format import UNREAD
from jixiao.drafts.facts import UNKNOWN_CAUSE, UNKNOWN_MEASURE, BatchFacts, FormFacts, Shortfall
from jixiao.drafts.grounding import Allowed, ungrounded, unsupported_claims
from jixiao.llm.prompts import chat, render
from jixiao.llm.service import LlmService, Reply
from jixiao.models import Draft
from jixiao.templating import render as render_template


class Drafter(Protocol):
    def deviation(self, facts: FormFacts, shortfall: Shortfall) -> Draft: ...
    def form_summary(self, facts: FormFacts) -> Draft: ...
    def batch_summary(self, facts: BatchFacts) -> Draft: ...
    def take_replies(self) -> list[Reply]: ...


def _checked(kind: str, text: str, allowed: Allowed, facts: list[str], **fields: object) -> Draft:
    numbers = ungrounded(text, allowed)
    return Draft(kind=kind, text=text.strip(), grounded=not numbers, ungrounded_numbers=numbers, facts=facts,
                 **fields)


class TemplateDrafter:
    """Fixed sentences in the register of 绩效自评报告, filled with the form's facts."""

    def take_replies(self) -> list[Reply]:
        return []  # no model requests

    def _render(self, name: str, **values: object) -> str:
        return render_template("drafts", name, unknown_cause=UNKNOWN_CAUSE, unknown_measure=UNKNOWN_MEASURE,
                               unread=UNREAD, **values)

    def deviation(self, facts: FormFacts, shortfall: Shortfall) -> Draft:
        text = "".join(self._render("deviation_reason.j2", s=shortfall).splitlines())  # one paragraph
        return _checked("deviation_reason", text, facts.allowed, facts.lines(), form=facts.index,
                        indicator=shortfall.index, method="template")

    def form_summary(self, facts: FormFacts) -> Draft:
        return _checked("form_summary", self._render("form_summary.j2", f=facts), facts.allowed, facts.lines(),
                        form=facts.index, method="template")

    def batch_summary(self, facts: BatchFacts) -> Draft:
        return _checked("batch_summary", self._render("batch_summary.j2", b=facts), facts.allowed, facts.lines(),
                        method="template")


class DraftReply(BaseModel):
    text: str = Field(description="the drafted paragraph, in Chinese")


NOT_GIVEN = "无"


class DeviationSlots(BaseModel):
    """The slots of a 偏差原因 draft: the number of the form's passage that gives the cause, and of the one that
    gives the measure, or 无. Made per draft (`slots_model`): the numbers are an enumeration, so a reply can
    only point at the form's own text, never write a cause of its own."""

    cause: str = Field(NOT_GIVEN, description="偏差原因所在原文的编号，原文没有写则为无")
    measure: str = Field(NOT_GIVEN, description="改进措施所在原文的编号，原文没有写则为无")


def slots_model(count: int) -> type[DeviationSlots]:
    """The reply model when the form gives `count` passages: each slot is 1…count or 无."""
    choice: Any = Literal[(*(str(n) for n in range(1, count + 1)), NOT_GIVEN)]
    fields: dict[str, Any] = {name: (choice, Field(NOT_GIVEN, description=info.description))
                              for name, info in DeviationSlots.model_fields.items()}
    return create_model("DeviationSlots", __base__=DeviationSlots, **fields)


def _refused(raw: str | None) -> list[str]:
    """What a reply that is not a choice wrote in the slots (a cause of its own): reported, never drafted."""
    try:
        data = json.loads((raw or "").strip().strip("`").removeprefix("json").strip())
    except ValueError:
        return []
    if not isinstance(data, dict):
        return []
    return [v.strip() for k in ("cause", "measure") if isinstance(v := data.get(k), str)
            and v.strip() and v.strip() != NOT_GIVEN and not v.strip().isdigit()]


class LlmDrafter:
    """Drafts from prompts/draft_*.j2; falls back to the template drafter when the model fails.

    偏差原因 drafts are slot fills: the model only points at the passage of the form's own text that gives the
    cause and the one that gives the measure (an enumeration of their numbers: it cannot write a cause of its
    own); the passage is quoted into the template's sentence and kept as the draft's quote, and a slot the form
    does not support stays a 【待补充：…】 placeholder. A reply that writes a cause instead of a number is refused
    and named in the draft's review note. In free prose (the summaries) a cause or measure that no passage of the
    form supports makes the draft ungrounded (`ungrounded_claims`)."""

    def __init__(self, service: LlmService) -> None:
        self.service = service
        self.fallback = TemplateDrafter()
        self.replies: list[Reply] = []  # every request, for the document's llm_usage

    def take_replies(self) -> list[Reply]:
        replies, self.replies = self.replies, []
        return replies

    def _ask(self, template: str, model: type[BaseModel], facts: list[str], **values: object
             ) -> tuple[dict[str, Any] | None, str, str | None]:
        user, sha = render(template, facts=facts, unknown_cause=UNKNOWN_CAUSE, unknown_measure=UNKNOWN_MEASURE,
                           unread=UNREAD, **values)
        reply = self.service.structured(chat(user, "draft_system.j2"), model, {})
        self.replies.append(reply)
        return (reply.data if reply.error is None else None), sha, reply.error

    def _draft(self, template: str, allowed: Allowed, facts: list[str], sources: list[str], fallback: Draft,
               **prompt: object) -> Draft:
        """The LLM's draft in the place of `fallback` (same kind, form, indicator), or `fallback` if it fails."""
        data, sha, error = self._ask(template, DraftReply, facts, **prompt)
        text = str((data or {}).get("text") or "")
        if not text:
            return fallback.model_copy(update={"review_note": f"LLM未能起草（{error}），使用模板草稿"})
        draft = _checked(fallback.kind, text, allowed, facts, form=fallback.form, indicator=fallback.indicator,
                         method="llm", model=self.service.model, prompt_sha256=sha)
        claims = unsupported_claims(text, [*sources, *facts])
        return draft.model_copy(update={"ungrounded_claims": claims, "grounded": draft.grounded and not claims})

    def deviation(self, facts: FormFacts, shortfall: Shortfall) -> Draft:
        template = self.fallback.deviation(facts, shortfall)
        if shortfall.unit_text or not facts.causes:  # the unit's own text, or no passage to point at: the template
            return template
        target = f"{shortfall.name}（年度指标值“{shortfall.target}”，实际完成值“{shortfall.actual}”）"
        data, sha, error = self._ask("draft_deviation.j2", slots_model(len(facts.causes)), facts.lines(),
                                     target=target, standing=shortfall.standing, sources=facts.causes)
        if data is None:
            invented = _refused(self.replies[-1].raw)
            note = (f"模型给出的“{'”“'.join(invented)}”不是原表文字，已拒绝，原因和措施仍待补充" if invented
                    else f"LLM未能起草（{error}），使用模板草稿")
            return template.model_copy(update={"method": "llm", "model": self.service.model, "prompt_sha256": sha,
                                               "review_note": note})
        text, quotes = template.text, []
        placeholders = ((data.get("cause"), UNKNOWN_CAUSE), (data.get("measure"), UNKNOWN_MEASURE))
        for choice, placeholder in placeholders:
            if choice in (None, NOT_GIVEN) or placeholder not in text:
                continue
            quote = facts.causes[int(choice) - 1]
            text = text.replace(placeholder, f"原表写明“{quote.rstrip('。；;')}”", 1)
            if quote not in quotes:
                quotes.append(quote)
        draft = _checked("deviation_reason", text, facts.allowed, facts.lines(), form=facts.index,
                         indicator=shortfall.index, method="llm", model=self.service.model, prompt_sha256=sha)
        return draft.model_copy(update={"quotes": quotes})

    def form_summary(self, facts: FormFacts) -> Draft:
        return self._draft("draft_form_summary.j2", facts.allowed, facts.lines(), facts.sources,
                           self.fallback.form_summary(facts))

    def batch_summary(self, facts: BatchFacts) -> Draft:
        self.service.begin_input(self.service.timeout_s)  # the batch summary: one request's time of its own
        return self._draft("draft_batch_summary.j2", facts.allowed, facts.lines(), [],
                           self.fallback.batch_summary(facts), title=facts.title)
