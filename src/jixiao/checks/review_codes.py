"""The codes of the text review (issue 17), in one place: code → Chinese label and severity.

Rules and the LLM judge emit the same codes; a finding's `method` says which decided it.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from jixiao.models import Finding, Scalar, Severity


class ReviewCode(NamedTuple):
    label: str
    severity: Severity
    rules: bool  # False: only the LLM judge can raise it


REVIEW_CODES: dict[str, ReviewCode] = {
    "TARGET_NOT_MEASURABLE": ReviewCode("指标值不可衡量", "info", True),
    "TARGET_SAME_AS_ACTUAL": ReviewCode("指标值与完成值雷同", "info", True),
    "TARGET_SAME_AS_NAME": ReviewCode("指标值照抄指标名称", "info", True),
    "NAME_IS_LEVEL": ReviewCode("指标名称为层级名称", "info", True),
    "NAME_DUPLICATE": ReviewCode("指标名称重复", "warning", True),
    "ACTUAL_WITHOUT_VALUE": ReviewCode("完成值未填具体数值", "warning", True),
    "EXPLANATION_PLACEHOLDER": ReviewCode("偏差原因为空话", "warning", True),
    "EXPLANATION_REPEATED": ReviewCode("偏差原因多行雷同", "warning", True),
    "EXPLANATION_OTHER_INDICATOR": ReviewCode("偏差原因与本指标无关", "warning", True),
    "EXPLANATION_REMEDY_ONLY": ReviewCode("偏差原因仅有改进措施", "warning", True),
    "EXPLANATION_CONTRADICTS": ReviewCode("偏差说明与数据矛盾", "warning", True),
    "EXPLANATION_NO_CAUSE": ReviewCode("偏差原因未说明原因", "warning", False),
}

REVIEW_LABELS = {code: spec.label for code, spec in REVIEW_CODES.items()}
# codes the rules can raise (the rules-only evaluation is gated on these)
RULE_CODES = frozenset(code for code, spec in REVIEW_CODES.items() if spec.rules)


def review_label(code: str) -> str | None:
    spec = REVIEW_CODES.get(code)
    return spec.label if spec else None


def review_finding(form: int, code: str, path: str, message: str, quote: str | None,
                   expected: Scalar = None, found: Scalar = None, method: Literal["rule", "llm"] = "rule",
                   severity: Severity | None = None) -> Finding:
    """A review finding with the code's severity (unless given) and the quoted text of the form."""
    spec = REVIEW_CODES[code]
    return Finding(code=code, severity=severity or spec.severity, form=form, path=path, message=message, quote=quote,
                   expected=expected, found=found, method=method)
