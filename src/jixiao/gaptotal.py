"""Total gaps: the 总分 row the rules could not read (glued to its label, or cut into stray cells).

One closed question: which of the row's printed numbers is 总分值 and which 总得分 (or null). Every value is a
number printed in one cell of the row; a value the rules read is never overwritten; 得分 > 分值, or a 总得分 that
the indicators' 得分 (all read) and the 执行率 得分 do not add up to, is refused and reported.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import ConfigDict, Field, ValidationInfo, create_model, model_validator

from jixiao.gapground import (
    Grounded,
    Grounding,
    Value,
    as_number,
    failed_reply,
    filled_note,
    ground,
    grounded_provenance,
    salvage,
)
from jixiao.gaps import Gap
from jixiao.llm.prompts import chat, render
from jixiao.llm.service import LlmService, Reply
from jixiao.models import Document, Finding, Form
from jixiao.values import numbers_in_numeric_cell

FIELDS = ("total_weight", "total_score")
LABELS = {"total_weight": "总分值", "total_score": "总得分"}
_TOLERANCE = 0.051


class TotalReply(Grounded):
    NUMERIC_FIELDS: ClassVar[frozenset[str]] = frozenset(FIELDS)
    model_config = ConfigDict(populate_by_name=True)

    total_weight: Value = Field(None, alias=LABELS["total_weight"], description="总分值（满分，通常为100）")
    total_score: Value = Field(None, alias=LABELS["total_score"], description="总得分")

    @model_validator(mode="after")
    def _adds_up(self, info: ValidationInfo) -> TotalReply:
        form = (info.context or {}).get("form")  # re-asked when the arithmetic refuses the reply
        if form is not None:
            values = {f: n for f in FIELDS if (n := as_number(getattr(self, f))) is not None}
            grounding = Grounding(cells={f: 0 for f in values})
            _arithmetic(form, values, grounding)
            if grounding.refused:
                raise ValueError("；".join(grounding.refused.values()) + "，请重新选择")
        return self


def total_model(cells: list[str]) -> type[TotalReply]:
    """The reply model of one 总分 row: each field one of the row's printed numbers, or null (Chinese keys)."""
    numbers = list(dict.fromkeys(c.strip() for c in cells if numbers_in_numeric_cell(c) is not None))
    if not numbers:
        return TotalReply
    choice: Any = Literal[tuple(numbers)] | None
    fields: dict[str, Any] = {f: (choice, Field(None, alias=label)) for f, label in LABELS.items()}
    return create_model("TotalReply", __base__=TotalReply, **fields)


def _arithmetic(form: Form, values: dict[str, float], grounding: Grounding) -> None:
    """Refuse a 总得分 above the 总分值, or one the indicators' 得分 plus the 执行率 得分 do not add up to."""
    weight, score = values.get("total_weight"), values.get("total_score")
    if weight is not None and score is not None and score > weight + _TOLERANCE:
        grounding.refuse(FIELDS, f"总得分{score:g}大于总分值{weight:g}", values)
        return
    scores = [i.score for i in form.indicators]
    if score is not None and form.indicators and all(s is not None for s in scores) \
            and form.budget_execution.score is not None:
        added = sum(s for s in scores if s is not None) + form.budget_execution.score
        if abs(added - score) > _TOLERANCE:
            grounding.refuse(("total_score",), f"总得分{score:g}与各项得分之和{added:g}不符", values)


def _request(service: LlmService, gap: Gap, form: Form) -> tuple[Reply, str]:
    cells = [c.text for c in gap.cells]
    numbers = [c for c in cells if numbers_in_numeric_cell(c) is not None]
    user, sha = render("total_row.j2", reason=gap.reason, cells=cells, numbers=list(dict.fromkeys(numbers)),
                       labels=LABELS)
    reply = service.structured(chat(user), total_model(cells), {"cells": cells, "columns": None, "form": form})
    return reply, sha


def _apply(document: Document, gap: Gap, reply: Reply, sha: str, model: str) -> list[Finding]:
    where = f"第{gap.line or '?'}行的总分"
    parsed = salvage(reply, TotalReply)
    if parsed is None:
        return [failed_reply(gap, "total_score", where, reply)]
    form = document.forms[gap.form]
    grounding = ground(parsed, [c.text for c in gap.cells])
    values = {f: n for f in grounding.cells if (n := as_number(getattr(parsed, f))) is not None}
    _arithmetic(form, values, grounding)
    findings = [Finding(code="LLM_VALUE_UNGROUNDED", severity="warning", form=gap.form, path=field,
                        message=f"{where}：模型给出的{field}未在原文中找到依据或与得分算术不符，已丢弃：{why}", found=why)
                for field, why in grounding.refused.items()]
    filled = []
    for field, number in values.items():
        if getattr(form, field) is not None:
            continue  # a value the rules read is never overwritten
        source = gap.cells[grounding.cells[field]]
        setattr(form, field, number)
        form.provenance[field] = grounded_provenance(gap, source, model, sha)
        filled.append(field)
    if filled:
        findings.append(filled_note(gap, "total_score", where, filled))
    return findings


def fill_total(document: Document, gaps: list[Gap], service: LlmService) -> list[Reply]:
    """One request per 总分 gap; grounded, arithmetic-checked values go into the form's total_weight/total_score."""
    replies = []
    for gap in gaps:
        reply, sha = _request(service, gap, document.forms[gap.form])
        replies.append(reply)
        document.findings.extend(_apply(document, gap, reply, sha, service.model))
    return replies
