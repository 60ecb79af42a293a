"""Decisions are durable: `jixiao run` over a folder that already holds reviewed JSON keeps every human decision
whose form is unchanged, and says which inputs changed.

A decision is carried when the input's sha256 is the one the reviewed JSON records (the same bytes give the same
forms) and the draft is the same one: its kind, its form's identity (index, 项目编码/项目名称) and, for a 偏差原因,
its indicator's (index, name). An input that changed has its decisions reset and is reported.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ValidationError

from jixiao.models import Document, Draft
from jixiao.outputs.jsonfile import iter_items, read_head

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


class Decisions:
    """The human decisions of the reviewed JSON an input's outputs replace, read one item at a time, carried onto
    the new document part by part (`apply`); what is left unmatched at the end was reset."""

    def __init__(self, old: Path, sha256: str) -> None:
        self.by_key: dict[Key, Draft] = {}
        self.carried = Carried()
        try:
            decided = [d for d in iter_items(old, "drafts") if d.decided_by == "human"]
            if decided and read_head(old).source.sha256 != sha256:
                self.carried = Carried(reset=len(decided), input_changed=True)
                return
            if decided:
                forms = [(f.get("project_code") or f.get("project_name"), [i.get("name") for i in f.get("indicators", [])])
                         for f in iter_items(old, "forms", raw=True)]
                self.by_key = {_raw_key(forms, d): d for d in decided}
        except (OSError, ValueError, ValidationError):
            pass  # no reviewed JSON there (or not one of ours): nothing to carry

    def apply(self, part: Document, base: int) -> Document:
        """`part` (its forms the document's from `base`) with the decisions that still apply."""
        if not self.by_key:
            return part
        drafts, kept = [], 0
        for draft in part.drafts:
            local = draft.model_copy(update={"form": None if draft.form is None else draft.form - base})
            kind, _, identity, indicator, name = _key(part, local)
            human = self.by_key.pop((kind, draft.form, identity, indicator, name), None)
            drafts.append(human if human is not None else draft)
            kept += human is not None
        self.carried.kept += kept
        return part.model_copy(update={"drafts": drafts})

    def finish(self) -> Carried:
        if not self.carried.input_changed:
            self.carried.reset = len(self.by_key)
        return self.carried


def _raw_key(forms: list[tuple[object, list[object]]], draft: Draft) -> Key:
    form = forms[draft.form] if draft.form is not None and draft.form < len(forms) else None
    names = form[1] if form is not None else []
    indicator = (names[draft.indicator] if form is not None and draft.indicator is not None
                 and draft.indicator < len(names) else None)
    identity = form[0] if form is not None else None
    return (draft.kind, draft.form, identity if isinstance(identity, str) else None, draft.indicator,
            indicator if isinstance(indicator, str) else None)
