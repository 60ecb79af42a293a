"""Decisions are durable: `jixiao run` over a folder that already holds reviewed JSON keeps every human decision
whose form is unchanged, and says which inputs changed.

A decision is carried when the input's sha256 is the one the reviewed JSON records (the same bytes give the same
forms) and the draft is the same one: its kind, its form's identity (index, 项目编码/项目名称) and, for a 偏差原因,
its indicator's (index, name). An input that changed has its decisions reset and is reported.
"""

from __future__ import annotations

from pydantic import BaseModel

from jixiao.models import Document, Draft

Key = tuple[str, int | None, str | None, int | None, str | None]


class Carried(BaseModel):
    """What happened to the decisions of one document."""

    kept: int = 0
    reset: int = 0
    input_changed: bool = False


def _key(document: Document, draft: Draft) -> Key:
    form = document.forms[draft.form] if draft.form is not None and draft.form < len(document.forms) else None
    indicator = (form.indicators[draft.indicator].name if form is not None and draft.indicator is not None
                 and draft.indicator < len(form.indicators) else None)
    identity = (form.project_code or form.project_name) if form is not None else None
    return (draft.kind, draft.form, identity, draft.indicator, indicator)


def carry_decisions(new: Document, old: Document | None) -> tuple[Document, Carried]:
    """`new` with the human decisions of `old` (the reviewed JSON of the same output stem) where they still apply."""
    decided = [d for d in (old.drafts if old else []) if d.decided_by == "human"]
    if old is None or not decided:
        return new, Carried()
    if old.source.sha256 != new.source.sha256:
        return new, Carried(reset=len(decided), input_changed=True)
    by_key = {_key(old, d): d for d in decided}
    drafts, kept = [], 0
    for draft in new.drafts:
        human = by_key.pop(_key(new, draft), None)
        drafts.append(human if human is not None else draft)
        kept += human is not None
    return new.model_copy(update={"drafts": drafts}), Carried(kept=kept, reset=len(by_key))
