"""Column types: how well a cell's text fits what an indicator-table column holds.

The parser aligns shifted cells by these costs, and the LLM layer uses them to refuse a value that
cannot be what its column holds; both read them here.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from jixiao.domain import vocabulary as vocab
from jixiao.values import parse_number, parse_operator_cell

INF = math.inf
_PERCENT = re.compile(r"%|％")

_MONEY = re.compile(r"万?元$")
_TARGET_LIKE = re.compile(r"^(?:[≥≤=＞＜><]|大于|小于|不低于|不高于)\s*\d")
SUSPICIOUS = 2.5  # a placement costing this much or more makes the row's alignment uncertain


def _number_cost(text: str) -> float:
    if parse_number(text) is None:
        return INF
    return 10.0 if _PERCENT.search(text) or _MONEY.search(text) else 0.0


@lru_cache(maxsize=65536)
def type_cost(text: str, field: str | None) -> float:
    """How badly `text` fits a column holding `field` (0 = typical, INF = impossible)."""
    number = parse_number(text) is not None
    level1, level2 = vocab.is_level1(text), vocab.is_level2(text)
    if field is None:
        return 3.0
    if field == "level1":
        if level1:
            return 0.0
        if number:
            return INF
        return 6.0 if level2 else 4.0
    if field == "level2":
        if level2:
            return 0.0
        if number:
            return INF
        if level1:
            return 4.0
        return 1.5 if text.endswith("指标") and len(text) <= 12 else 2.0
    if field == "name":
        if number:
            return 6.0
        if parse_operator_cell(text):
            return INF
        if _TARGET_LIKE.match(text):
            return 4.0
        return 2.0 if (level1 or level2) else 0.0  # '服务对象满意度' is also a common indicator name
    if field == "unit":
        if text in vocab.UNIT_WORDS:
            return 0.0
        return INF if number else (1.5 if len(text) <= 4 else 6.0)
    if field == "operator":
        if text in vocab.FILLER_WORDS:  # 指标性质 left 无 (a qualitative indicator)
            return 1.0
        return 0.0 if parse_operator_cell(text) else INF
    if field in ("target", "actual"):
        if level1 or level2:
            return 6.0
        return 0.5 if len(text) <= 30 else 3.0
    if field in ("deviation_pct", "score_coef"):
        return 0.0 if number else INF
    if field in ("weight", "score", "review_score"):
        return _number_cost(text)
    if field == "is_core":
        return 0.0 if text in ("是", "否") else INF
    if field == "explanation":
        if number:
            return 5.0
        if text in ("是", "否"):
            return 3.0
        return 6.0 if (level1 or level2) else 0.5
    return 1.0  # scoring_method and other free text
