"""Drafts (docs/output.md): 偏差原因分析及改进措施 for short indicators without an adequate one (the unit's text is
kept and what it lacks becomes a placeholder), a summary per form, one per batch."""

from __future__ import annotations

from jixiao.checks.profile import RuleProfile
from jixiao.drafts.drafters import Drafter, LlmDrafter, TemplateDrafter
from jixiao.drafts.facts import batch_facts, form_facts
from jixiao.llm.usage import add_usage
from jixiao.models import Document, Draft


def draft_document(document: Document, profile: RuleProfile, drafter: Drafter) -> Document:
    """(Re)draft a checked document; drafts a reviewer already decided on are kept as they are."""
    kept = [d for d in document.drafts if d.decided_by == "human"]
    done = {(d.kind, d.form, d.indicator) for d in kept}
    drafts: list[Draft] = list(kept)
    for index in range(len(document.forms)):
        facts = form_facts(document, index, profile)
        for item in facts.explain:
            if ("deviation_reason", index, item.index) not in done:
                drafts.append(drafter.deviation(facts, item))
        if ("form_summary", index, None) not in done:
            drafts.append(drafter.form_summary(facts))
    for reply in drafter.take_replies():  # draft requests count in the document's llm_usage
        add_usage(document.llm_usage, reply)
    order = {"deviation_reason": 0, "form_summary": 1, "batch_summary": 2}
    drafts.sort(key=lambda d: (d.form if d.form is not None else 1_000_000, order[d.kind], d.indicator or -1))
    return document.model_copy(update={"drafts": drafts})


def draft_batch(documents: list[Document], drafter: Drafter, duplicates: list[str] | None = None) -> Draft:
    """The overview across the documents of an output folder (titled by the kinds of forms it holds)."""
    return drafter.batch_summary(batch_facts(documents, duplicates))


__all__ = ["Drafter", "LlmDrafter", "TemplateDrafter", "draft_batch", "draft_document"]
