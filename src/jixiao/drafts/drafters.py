"""Two drafters behind one interface: deterministic templates (default, offline) and an LLM.

Both receive only the facts computed from the form; unknown causes stay placeholders
(【待补充：具体原因】). Every draft is checked for numbers the facts do not support.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Protocol

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from pydantic import BaseModel, Field

from jixiao.drafts.facts import UNKNOWN_CAUSE, UNKNOWN_MEASURE, BatchFacts, FormFacts, Shortfall
from jixiao.drafts.grounding import Allowed, ungrounded
from jixiao.llm.prompts import render
from jixiao.llm.service import LlmService
from jixiao.models import Draft

_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "drafts"


class Drafter(Protocol):
    def deviation(self, facts: FormFacts, shortfall: Shortfall) -> Draft: ...
    def form_summary(self, facts: FormFacts) -> Draft: ...
    def batch_summary(self, facts: BatchFacts) -> Draft: ...


def _checked(kind: str, text: str, allowed: Allowed, facts: list[str], **fields: object) -> Draft:
    numbers = ungrounded(text, allowed)
    return Draft(kind=kind, text=text.strip(), grounded=not numbers, ungrounded_numbers=numbers, facts=facts,
                 **fields)


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(str(_TEMPLATES)), undefined=StrictUndefined, autoescape=False,
                       trim_blocks=True, lstrip_blocks=True)


class TemplateDrafter:
    """Fixed sentences in the register of 绩效自评报告, filled with the form's facts."""

    def _render(self, name: str, **values: object) -> str:
        return _environment().get_template(name).render(unknown_cause=UNKNOWN_CAUSE, unknown_measure=UNKNOWN_MEASURE,
                                                        **values)

    def deviation(self, facts: FormFacts, shortfall: Shortfall) -> Draft:
        text = self._render("deviation_reason.j2", s=shortfall)
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


class LlmDrafter:
    """Drafts from prompts/draft_*.j2; falls back to the template drafter when the model fails."""

    def __init__(self, service: LlmService) -> None:
        self.service = service
        self.fallback = TemplateDrafter()

    def _ask(self, template: str, facts: list[str], **values: object) -> tuple[str | None, str, str | None]:
        user, sha = render(template, facts=facts, unknown_cause=UNKNOWN_CAUSE, unknown_measure=UNKNOWN_MEASURE,
                           **values)
        system, _ = render("draft_system.j2")
        reply = self.service.structured([{"role": "system", "content": system}, {"role": "user", "content": user}],
                                        DraftReply, {})
        text = (reply.data or {}).get("text") if reply.error is None else None
        return (str(text) if text else None), sha, reply.error

    def _draft(self, template: str, allowed: Allowed, facts: list[str], fallback: Draft, **prompt: object) -> Draft:
        """The LLM's draft in the place of `fallback` (same kind, form, indicator), or `fallback` if it fails."""
        text, sha, error = self._ask(template, facts, **prompt)
        if text is None:
            return fallback.model_copy(update={"review_note": f"LLM未能起草（{error}），使用模板草稿"})
        return _checked(fallback.kind, text, allowed, facts, form=fallback.form, indicator=fallback.indicator,
                        method="llm", model=self.service.model, prompt_sha256=sha)

    def deviation(self, facts: FormFacts, shortfall: Shortfall) -> Draft:
        if shortfall.unit_text:  # the unit's own text plus placeholders: nothing for a model to write
            return self.fallback.deviation(facts, shortfall)
        target = f"{shortfall.name}（年度指标值“{shortfall.target}”，实际完成值“{shortfall.actual}”）"
        return self._draft("draft_deviation.j2", facts.allowed, facts.lines(), self.fallback.deviation(facts, shortfall),
                           target=target)

    def form_summary(self, facts: FormFacts) -> Draft:
        return self._draft("draft_form_summary.j2", facts.allowed, facts.lines(), self.fallback.form_summary(facts))

    def batch_summary(self, facts: BatchFacts) -> Draft:
        self.service.begin_input(self.service.timeout_s)  # the batch summary: one request's time of its own
        return self._draft("draft_batch_summary.j2", facts.allowed, facts.lines(), self.fallback.batch_summary(facts))
