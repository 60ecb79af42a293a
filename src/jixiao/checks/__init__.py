"""Domain checks (SPEC §5): each check reads one form and emits findings into a `Sink`."""

from __future__ import annotations

from collections.abc import Callable

from jixiao.checks import budget, confidence, indicators, review_explain, review_text, totals
from jixiao.checks.base import Sink
from jixiao.checks.profile import RuleProfile, builtin_profiles, load_profile
from jixiao.models import Finding, Form

Check = Callable[[Sink], None]

# structure first (a form without parts gets its error before anything else), then budget, indicators, totals;
# the review of what the unit wrote (targets, names, explanations) comes after the arithmetic
CHECKS: tuple[Check, ...] = (totals.check_structure, *budget.CHECKS, *indicators.CHECKS,
                             totals.check_weights, totals.check_score_sum, totals.check_grade,
                             *confidence.CHECKS,
                             *review_text.CHECKS, *review_explain.CHECKS)  # the text review (issue 17) last


def check_form(index: int, form: Form, profile: RuleProfile) -> list[Finding]:
    """All findings for one form."""
    sink = Sink(index, form, profile)
    for check in CHECKS:
        check(sink)
    return sink.findings


def check_forms(forms: list[Form], profile: RuleProfile) -> list[Finding]:
    return [f for i, form in enumerate(forms) for f in check_form(i, form, profile)]


__all__ = ["CHECKS", "RuleProfile", "builtin_profiles", "check_form", "check_forms", "load_profile"]
