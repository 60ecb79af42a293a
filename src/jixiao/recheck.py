"""`jixiao check` and `jixiao draft` on a document JSON of any size: the checks (and the drafts) re-run one form (one
part of `PARTS` forms) at a time and the JSON rewritten as it streams (`outputs.jsonfile`), so a 12,000-form document
is never held whole. The file is the one the whole-document functions (`check_document`, `draft_document`) and
`document_json` would write; it replaces the target atomically, or nothing is written."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from jixiao.checks import RuleProfile, check_document, check_one, kept_findings
from jixiao.models import Document, Draft, Finding, Form
from jixiao.outputs.jsonfile import DocumentWriter, iter_items, read_head, read_llm_usage
from jixiao.pipeline import RunOptions, draft

PARTS = 100  # forms drafted together (an LLM drafter's requests of a part run concurrently)


class Rechecked(BaseModel):
    findings: int
    errors: int
    status: str


def recheck_file(path: Path, target: Path, profile: RuleProfile) -> Rechecked:
    """Re-check the document JSON `path` under `profile` into `target` (may be `path`); raises OSError or ValueError
    (pydantic's ValidationError among them) for a file that cannot be read or is not a jixiao document."""
    head = read_head(path)
    kept, cut = kept_findings(iter_items(path, "findings"))
    with DocumentWriter(target.parent, head.source, profile.name) as writer:
        for finding in kept:
            writer.item("findings", finding)
        for i, form in enumerate(iter_items(path, "forms")):
            findings, assessments = check_one(i, form, profile, i in cut)
            writer.item("forms", form)
            for finding in findings:
                writer.item("findings", finding)
            for assessment in assessments:
                writer.item("assessments", assessment)
        for draft in iter_items(path, "drafts"):
            writer.item("drafts", draft)
        writer.usage = read_llm_usage(path)
        writer.finish(target)
    return Rechecked(findings=writer.counts["findings"], errors=writer.severities["error"], status=writer.status)


Item = TypeVar("Item", Finding, Draft)


def _local(item: Item, base: int) -> Item:
    return item if item.form is None else item.model_copy(update={"form": item.form - base})


def redraft_file(path: Path, target: Path, options: RunOptions) -> tuple[Rechecked, int, int]:
    """`jixiao draft`: re-check and (re)draft the document JSON `path` into `target`, PARTS forms at a time; the
    reviewer's decided drafts are kept. Returns the re-check's counts, the drafts and those not grounded; raises
    as `recheck_file`."""
    head = read_head(path)
    profile = options.profile_for(Document(source=head.source, profile=head.profile))
    kept, _ = kept_findings(iter_items(path, "findings"))
    decided = [d for d in iter_items(path, "drafts") if d.decided_by == "human"]
    usage = read_llm_usage(path)
    with DocumentWriter(target.parent, head.source, profile.name) as writer:
        for finding in kept:
            writer.item("findings", finding)
        writer.usage = usage

        def flush(forms: list[Form], base: int) -> None:
            end = base + len(forms)
            mine = [_local(f, base) for f in kept if f.form is None or base <= f.form < end]
            part = Document(source=head.source, profile=head.profile, forms=forms, findings=mine,
                            drafts=[_local(d, base) for d in decided if d.form is not None and base <= d.form < end])
            drafted = draft(check_document(part, profile), options)
            for form in drafted.forms:
                writer.item("forms", form)
            for finding in drafted.findings[len(mine):]:  # the kept ones are written first, as a whole re-check does
                writer.item("findings", finding.model_copy(update={"form": finding.form + base})
                            if finding.form is not None else finding)
            for assessment in drafted.assessments:
                writer.item("assessments", assessment.model_copy(update={"form": assessment.form + base}))
            for made in drafted.drafts:
                if made.form is not None:
                    writer.item("drafts", made.model_copy(update={"form": made.form + base}))
            for key in ("calls", "prompt_tokens", "completion_tokens", "cached_calls"):
                setattr(usage, key, getattr(usage, key) + getattr(drafted.llm_usage, key))

        forms: list[Form] = []
        base = 0
        for form in iter_items(path, "forms"):
            forms.append(form)
            if len(forms) == PARTS:
                flush(forms, base)
                base, forms = base + len(forms), []
        if forms or not base:
            flush(forms, base)
        for made in decided:
            if made.form is None:
                writer.item("drafts", made)
        writer.finish(target)
    return (Rechecked(findings=writer.counts["findings"], errors=writer.severities["error"], status=writer.status),
            writer.counts["drafts"], writer.ungrounded)


__all__ = ["PARTS", "Rechecked", "recheck_file", "redraft_file"]
