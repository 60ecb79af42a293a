"""`jixiao check` on a document JSON of any size: the checks re-run one form at a time and the JSON rewritten as it
streams (`outputs.jsonfile`), so a 12,000-form document is never held whole. The file is the one `check_document`
and `document_json` would write; it replaces the target atomically, or nothing is written."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from jixiao.checks import RuleProfile, check_one, kept_findings
from jixiao.outputs.jsonfile import DocumentWriter, iter_items, read_head, read_llm_usage


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


__all__ = ["Rechecked", "recheck_file"]
