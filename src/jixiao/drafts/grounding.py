"""Every number a draft states must be a value of the form or derived from them (docs/output.md).

`Allowed` holds the numbers a drafter may state: the form's numeric fields, the numbers printed
inside its text fields, the numbers the checks derived (expected/found), and the sums,
differences and rates of the funds and scores. A number in a draft matches a value when it is
that value rounded to the digits the draft prints ('87' for 87.0, '96.5' for 96.49).
"""

from __future__ import annotations

import itertools
import re

from pydantic import BaseModel, Field

from jixiao.models import Finding, Form
from jixiao.values import decimals_of

_NUMBER = re.compile(r"(?<![\d.])\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\d.])\d+(?:\.\d+)?")


class Allowed(BaseModel):
    """The numbers a draft may state."""

    values: set[float] = Field(default_factory=set)

    def add(self, *numbers: float | None) -> None:
        for n in numbers:
            if n is not None:
                self.values.add(round(float(n), 6))

    def add_text(self, text: str | None) -> None:
        for token in numbers_in(text or ""):
            self.add(float(token.replace(",", "")))

    def allows(self, token: str) -> bool:
        number = float(token.replace(",", ""))
        tolerance = 0.5 * 10.0 ** -decimals_of(token) + 1e-9
        return any(abs(number - v) <= tolerance for v in self.values)


def numbers_in(text: str) -> list[str]:
    """The numbers written in `text` ('1,234.5', '87.00', '2023'), as printed."""
    return _NUMBER.findall(text)


def ungrounded(text: str, allowed: Allowed) -> list[str]:
    """Numbers of `text` that no value of the form supports, in order, each once."""
    out: list[str] = []
    for token in numbers_in(text):
        if not allowed.allows(token) and token not in out:
            out.append(token)
    return out


def _pairs(allowed: Allowed, numbers: list[float]) -> None:
    for a, b in itertools.permutations(numbers, 2):
        allowed.add(a - b, a + b)
        if b:
            allowed.add(a / b * 100)


def form_numbers(form: Form, findings: list[Finding]) -> Allowed:
    """Everything a draft about `form` may state."""
    allowed = Allowed()
    allowed.add(form.year, form.total_score, form.total_weight)
    be = form.budget_execution
    allowed.add(be.rate, be.weight, be.score)
    if be.weight is not None and be.score is not None:
        allowed.add(be.weight - be.score)
    for text in (form.title, form.project_name, form.goals.initial, form.goals.adjusted, form.goals.actual):
        allowed.add_text(text)
    for fund in form.funds:
        amounts = [a for a in (fund.initial_budget, fund.adjusted_budget, fund.executed) if a is not None]
        allowed.add(*amounts, fund.rate)
        _pairs(allowed, amounts)
    for ind in form.indicators:
        allowed.add(ind.target_value, ind.actual_value, ind.deviation_pct, ind.score_coef, ind.weight, ind.score)
        for text in (ind.name, ind.target, ind.actual, ind.explanation):
            allowed.add_text(text)
        if ind.weight is not None and ind.score is not None:
            allowed.add(ind.weight - ind.score)
        if ind.target_value is not None and ind.actual_value is not None:
            _pairs(allowed, [ind.target_value, ind.actual_value])
    weights = [i.weight for i in form.indicators if i.weight is not None]
    scores = [i.score for i in form.indicators if i.score is not None]
    allowed.add(sum(weights), sum(scores))
    if form.total_weight is not None and form.total_score is not None:
        allowed.add(form.total_weight - form.total_score)
    for finding in findings:
        for value in (finding.expected, finding.found):
            if isinstance(value, int | float) and not isinstance(value, bool):
                allowed.add(float(value))
    return allowed


# ---- causes and measures: only what the form's own text says --------------------------------------

_CLAIM = re.compile(r"原因|由于|因为|因|导致|致使|受.{0,8}影响|措施|将|加强|优化|完善|改进|提高|下一步|今后|确保|推进")
_SENTENCE = re.compile(r"[^。；;！!？?\n]+")
_SKIP = re.compile(r"[\s，,、：:“”\"'‘’（）()【】《》·.。；;！!？?-]")
PLACEHOLDER = "【待补充"
SUPPORT = 0.5  # share of a claim's character pairs that must appear in the form text it rests on


def states_claim(text: str) -> bool:
    """The text reads like a cause or a measure (因/由于/导致/原因/措施/下一步…), not a goal or a result."""
    return bool(_CLAIM.search(text))


def _pairs_of(text: str) -> set[str]:
    squeezed = _SKIP.sub("", text)
    return {squeezed[i:i + 2] for i in range(len(squeezed) - 1)}


def support(claim: str, source: str) -> float:
    """How much of `claim` (its character pairs) `source` contains: 1.0 for a quote, ~0.5+ for a paraphrase."""
    pairs = _pairs_of(claim)
    return len(pairs & _pairs_of(source)) / len(pairs) if pairs else 1.0


def is_quoted(quote: str, sources: list[str]) -> bool:
    """`quote` (whitespace and punctuation aside) is a passage of one of the form's texts."""
    squeezed = _SKIP.sub("", quote)
    return len(squeezed) >= 4 and any(squeezed in _SKIP.sub("", s) for s in sources)


def claim_grounded(claim: str, quote: str | None, sources: list[str]) -> bool:
    """A cause or measure stands when it quotes or paraphrases a passage of the form (kept as `quote`)."""
    if quote:
        return is_quoted(quote, sources) and support(claim, quote) >= SUPPORT
    return any(support(claim, s) >= SUPPORT for s in sources)


def unsupported_claims(text: str, sources: list[str]) -> list[str]:
    """Sentences of free prose that state a cause or a measure no form text or fact supports."""
    out: list[str] = []
    for sentence in _SENTENCE.findall(text):
        sentence = sentence.strip()
        if PLACEHOLDER in sentence or not _CLAIM.search(sentence) or len(_SKIP.sub("", sentence)) < 6:
            continue
        if not any(support(sentence, s) >= SUPPORT for s in sources):
            out.append(sentence)
    return out
