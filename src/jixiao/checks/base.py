"""What every check module shares: the finding sink and rounding-aware tolerances."""

from __future__ import annotations

from jixiao.checks.assess import assess_form
from jixiao.checks.profile import RuleProfile
from jixiao.models import Assessment, Finding, Form, Scalar, Severity
from jixiao.values import decimals_of


class Sink:
    """Collects the findings of one form, beside its indicators' assessments."""

    def __init__(self, form_index: int, form: Form, profile: RuleProfile, cut: bool = False) -> None:
        self.form_index = form_index
        self.form = form
        self.profile = profile
        self.findings: list[Finding] = []
        self.assessments: list[Assessment] = assess_form(form, form_index, profile, cut)  # the one judgement

    def emit(self, code: str, severity: Severity, path: str | None, message: str,
             expected: Scalar = None, found: Scalar = None) -> None:
        if isinstance(expected, float):
            expected = round(expected, 4)
        if isinstance(found, float):
            found = round(found, 4)
        self.findings.append(Finding(code=code, severity=severity, form=self.form_index, path=path,
                                     message=message, expected=expected, found=found))

    def printed(self, path: str) -> str | None:
        prov = self.form.provenance.get(path)
        return prov.source_text if prov else None

    def score_tolerance(self, path: str) -> float:
        """±0.01, or half a unit of the last printed digit when the form rounds coarser ('9' → ±0.5)."""
        return max(self.profile.tolerance.score, 0.5 * 10.0 ** -decimals_of(self.printed(path)))

    def percent_tolerance(self, path: str) -> float:
        return max(self.profile.tolerance.percent, 0.5 * 10.0 ** -decimals_of(self.printed(path)))
