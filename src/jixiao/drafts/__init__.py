"""Drafts (SPEC §2): 偏差原因分析及改进措施 for short indicators without an adequate one (the unit's text is
kept and what it lacks becomes a placeholder), a summary per form, one per batch."""

from __future__ import annotations

from jixiao.checks.profile import RuleProfile
from jixiao.drafts.drafters import Drafter, LlmDrafter, TemplateDrafter
from jixiao.drafts.facts import batch_facts, form_facts
from jixiao.models import Document, Draft


def draft_document(document: Document, profile: RuleProfile, drafter: Drafter) -> Document:
    """(Re)draft a document; drafts a reviewer already decided on are kept as they are."""
    kept = [d for d in document.drafts if d.decided_by == "human"]
    done = {(d.kind, d.form, d.indicator) for d in kept}
    drafts: list[Draft] = list(kept)
    for index, form in enumerate(document.forms):
        facts = form_facts(index, form, document.findings, profile)
        for shortfall in facts.shortfalls:
            inadequate = not shortfall.explained or shortfall.missing  # the text review found it lacking
            if inadequate and ("deviation_reason", index, shortfall.index) not in done:
                drafts.append(drafter.deviation(facts, shortfall))
        if ("form_summary", index, None) not in done:
            drafts.append(drafter.form_summary(facts))
    order = {"deviation_reason": 0, "form_summary": 1, "batch_summary": 2}
    drafts.sort(key=lambda d: (d.form if d.form is not None else 1_000_000, order[d.kind], d.indicator or -1))
    return document.model_copy(update={"drafts": drafts})


def draft_batch(documents: list[Document], drafter: Drafter) -> Draft:
    """The department-level overview across the documents of one run."""
    return drafter.batch_summary(batch_facts(documents))


__all__ = ["Drafter", "LlmDrafter", "TemplateDrafter", "draft_batch", "draft_document"]
