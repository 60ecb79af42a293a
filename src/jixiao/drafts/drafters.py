"""Two drafters behind one interface: deterministic templates (default, offline) and an LLM.

Both receive only the facts computed from the form; unknown causes stay placeholders
(【待补充：具体原因】). Every draft is checked for numbers the facts do not support.
"""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import BaseModel, Field

from jixiao.domain.format import UNREAD
from jixiao.drafts.facts import UNKNOWN_CAUSE, UNKNOWN_MEASURE, BatchFacts, FormFacts, Shortfall
from jixiao.drafts.grounding import Allowed, claim_grounded, ungrounded, unsupported_claims
from jixiao.llm.prompts import render
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


class DeviationSlots(BaseModel):
    """The slots of a 偏差原因 draft: each cause or measure with the form's passage it rests on."""

    cause: str | None = Field(None, description="偏差原因，照抄或转述原表文字")
    cause_quote: str | None = Field(None, description="原因所依据的原表文字，逐字照抄")
    measure: str | None = Field(None, description="改进措施，照抄或转述原表文字")
    measure_quote: str | None = Field(None, description="措施所依据的原表文字，逐字照抄")


class LlmDrafter:
    """Drafts from prompts/draft_*.j2; falls back to the template drafter when the model fails.

    偏差原因 drafts are slot fills: the model only picks the cause and the measure out of the form's own
    text (with the passage kept as the draft's quote); the sentence around them is the template's, and
    a slot the form does not support stays a 【待补充：…】 placeholder. A cause or measure that no passage of
    the form supports, in a slot or in free prose, makes the draft ungrounded (`ungrounded_claims`)."""

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
        system, _ = render("draft_system.j2")
        reply = self.service.structured([{"role": "system", "content": system}, {"role": "user", "content": user}],
                                        model, {})
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
        if shortfall.unit_text:  # the unit's own text plus placeholders: nothing for a model to write
            return template
        target = f"{shortfall.name}（年度指标值“{shortfall.target}”，实际完成值“{shortfall.actual}”）"
        data, sha, error = self._ask("draft_deviation.j2", DeviationSlots, facts.lines(), target=target,
                                     standing=shortfall.standing, sources=facts.sources)
        if data is None:
            return template.model_copy(update={"review_note": f"LLM未能起草（{error}），使用模板草稿"})
        slots = DeviationSlots.model_validate(data)
        text, quotes, claims = template.text, [], []
        for value, quote, placeholder in ((slots.cause, slots.cause_quote, UNKNOWN_CAUSE),
                                          (slots.measure, slots.measure_quote, UNKNOWN_MEASURE)):
            value = (value or "").strip().rstrip("。；;")
            if not value or placeholder not in text:
                continue
            text = text.replace(placeholder, value, 1)
            if claim_grounded(value, quote, facts.sources):
                quotes.append((quote or value).strip())
            else:
                claims.append(value)
        draft = _checked("deviation_reason", text, facts.allowed, facts.lines(), form=facts.index,
                         indicator=shortfall.index, method="llm", model=self.service.model, prompt_sha256=sha)
        return draft.model_copy(update={"quotes": quotes, "ungrounded_claims": claims,
                                        "grounded": draft.grounded and not claims})

    def form_summary(self, facts: FormFacts) -> Draft:
        return self._draft("draft_form_summary.j2", facts.allowed, facts.lines(), facts.sources,
                           self.fallback.form_summary(facts))

    def batch_summary(self, facts: BatchFacts) -> Draft:
        self.service.begin_input(self.service.timeout_s)  # the batch summary: one request's time of its own
        return self._draft("draft_batch_summary.j2", facts.allowed, facts.lines(), [],
                           self.fallback.batch_summary(facts), title=facts.title)
