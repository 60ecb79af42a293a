"""Domain checks (docs/checks.md): each check reads one form and emits findings into a `Sink`."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from jixiao.checks import budget, confidence, indicators, review_explain, review_text, totals
from jixiao.checks.base import Sink
from jixiao.checks.profile import RuleProfile, builtin_profiles, load_profile
from jixiao.domain.codes import FindingCode, kept_on_recheck
from jixiao.models import Assessment, Document, Finding, Form

Check = Callable[[Sink], None]

# structure first (a form without parts gets its error before anything else), then budget, indicators, totals;
# the review of what the unit wrote (targets, names, explanations) comes after the arithmetic
CHECKS: tuple[Check, ...] = (totals.check_structure, *budget.CHECKS, *indicators.CHECKS,
                             totals.check_weights, totals.check_score_sum, totals.check_grade,
                             *confidence.CHECKS,
                             *review_text.CHECKS, *review_explain.CHECKS)  # the text review (issue 17) last


def _run(index: int, form: Form, profile: RuleProfile, cut: bool = False) -> Sink:
    sink = Sink(index, form, profile, cut)
    for check in CHECKS:
        check(sink)
    return sink


def check_form(index: int, form: Form, profile: RuleProfile) -> list[Finding]:
    """All findings for one form."""
    return _run(index, form, profile).findings


def status_of(findings: list[Finding]) -> str:
    """'partial' while any warning or error is open, else 'ok'."""
    return "partial" if any(f.severity in ("error", "warning") for f in findings) else "ok"


def kept_findings(findings: Iterable[Finding]) -> tuple[list[Finding], set[int | None]]:
    """The findings a re-check keeps (of reading and gap-filling, and the LLM judge's), and the forms they say were
    cut short."""
    kept_codes = kept_on_recheck()
    kept = [f for f in findings if f.code in kept_codes or f.method == "llm"]
    return kept, {f.form for f in kept if f.code in (FindingCode.INPUT_TRUNCATED, FindingCode.INDICATOR_TABLE_TRUNCATED)}


def check_one(index: int, form: Form, profile: RuleProfile, cut: bool = False) -> tuple[list[Finding], list[Assessment]]:
    """One form's findings and assessments (`cut`: the form was cut short)."""
    sink = _run(index, form, profile, cut)
    return sink.findings, sink.assessments


def check_document(document: Document, profile: RuleProfile) -> Document:
    """Run (or re-run, e.g. after a human edit) the checks; findings of reading and gap-filling are kept.

    The document records the profile, its findings and one assessment per indicator."""
    findings, cut = kept_findings(document.findings)
    assessments: list[Assessment] = []
    for i, form in enumerate(document.forms):
        sink = _run(i, form, profile, i in cut)
        findings += sink.findings
        assessments += sink.assessments
    return document.model_copy(update={"findings": findings, "status": status_of(findings), "profile": profile.name,
                                       "assessments": assessments})


__all__ = ["CHECKS", "RuleProfile", "builtin_profiles", "check_document", "check_form", "check_one",
           "kept_findings", "load_profile", "status_of"]
