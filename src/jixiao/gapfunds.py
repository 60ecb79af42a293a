"""Funds-block gaps: the total row's amounts and the 执行率 with its 分值/得分, grounded per cell.

The rules leave this gap when the funds table's header was lost or garbled (no funds read, or no
执行率). Every value must be a number printed in one cell of the block; a value the rules read is
never overwritten; values that break the funds arithmetic (得分 > 分值, 执行率 ≠ 执行数 / 预算数) are
refused and reported, then the domain checks run over the result like over any other.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, create_model, model_validator

from jixiao.domain.vocabulary import fund_kind
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
from jixiao.models import Document, Finding, Fund
from jixiao.values import numbers_in_numeric_cell

AMOUNTS = ("initial_budget", "adjusted_budget", "executed")
EXECUTION = ("rate", "weight", "score")
_RATE_TOLERANCE = 0.6


LABELS = {"initial_budget": "年初预算数", "adjusted_budget": "全年预算数", "executed": "全年执行数",
          "rate": "执行率", "weight": "分值", "score": "得分"}


class FundsReply(Grounded):
    NUMERIC_FIELDS: ClassVar[frozenset[str]] = frozenset({*AMOUNTS, *EXECUTION})
    model_config = ConfigDict(populate_by_name=True)

    initial_budget: Value = Field(None, alias=LABELS["initial_budget"], description="年初预算数")
    adjusted_budget: Value = Field(None, alias=LABELS["adjusted_budget"], description="全年预算数")
    executed: Value = Field(None, alias=LABELS["executed"], description="全年执行数")
    rate: Value = Field(None, alias=LABELS["rate"], description="执行率（%）")
    weight: Value = Field(None, alias=LABELS["weight"], description="执行率分值")
    score: Value = Field(None, alias=LABELS["score"], description="执行率得分")

    @model_validator(mode="after")
    def _adds_up(self, info: ValidationInfo) -> FundsReply:
        if (info.context or {}).get("arithmetic"):  # re-asked when the funds arithmetic refuses the reply
            values = {f: n for f in self.NUMERIC_FIELDS if (n := as_number(getattr(self, f))) is not None}
            grounding = Grounding(cells={f: 0 for f in values})
            _arithmetic(values, grounding)
            if grounding.refused:
                raise ValueError("；".join(dict.fromkeys(grounding.refused.values())) + "，请重新选择")
        return self


def total_numbers(cells: list[str]) -> list[str]:
    """The numbers the total row prints (after its 合计/总额 label, up to the next fund label), else the block's."""
    start = next((i for i, c in enumerate(cells) if fund_kind(c) == "total"), None)
    row = cells if start is None else cells[start + 1:]
    end = next((i for i, c in enumerate(row) if fund_kind(c) is not None), len(row))
    numbers = [c.strip() for c in row[:end] if numbers_in_numeric_cell(c) is not None]
    return list(dict.fromkeys(numbers)) or [c.strip() for c in cells if numbers_in_numeric_cell(c) is not None]


def funds_model(cells: list[str]) -> type[FundsReply]:
    """The reply model of one funds block: each field one of the total row's printed numbers, or null (percentages
    only for the 执行率).

    The keys are the Chinese column names (aliases), so the key the model writes names the choice it makes next."""
    numbers = total_numbers(cells)
    if not numbers:
        return FundsReply
    percent = [n for n in numbers if "%" in n or "％" in n]
    plain = [n for n in numbers if n not in percent]

    def choice(options: list[str]) -> Any:
        return Literal[tuple(options)] | None if options else None

    # a percentage is a 执行率, never an amount, a 分值 or a 得分; an unmarked rate may be printed without %
    fields: dict[str, Any] = {f: (choice(percent or plain) if f == "rate" else choice(plain), Field(None, alias=label))
                              for f, label in LABELS.items()}
    return create_model("FundsReply", __base__=FundsReply, **fields)


def _arithmetic(values: dict[str, float], grounding: Grounding) -> None:
    """Refuse values that break the funds arithmetic (the whole pair or triple that disagrees)."""
    if "weight" in values and "score" in values and values["score"] > values["weight"] + 0.01:
        grounding.refuse(("weight", "score"), f"得分{values['score']:g}大于分值{values['weight']:g}", values)
    budget, executed, rate = values.get("adjusted_budget"), values.get("executed"), values.get("rate")
    if budget and executed is not None and rate is not None and abs(executed / budget * 100 - rate) > _RATE_TOLERANCE:
        grounding.refuse(("adjusted_budget", "executed", "rate"),
                         f"执行率{rate:g}%与执行数/预算数{executed / budget:.2%}不符", values)


def _label(gap: Gap, cells: list[int]) -> str:
    """The fund label printed before the first amount the model found (年度资金总额, 合计…)."""
    first = min(cells, default=0)
    label = next((c.text for c in reversed(gap.cells[:first]) if fund_kind(c.text) is not None), None)
    return label or "年度资金总额"


def _request(service: LlmService, gap: Gap) -> tuple[Reply, str]:
    cells = [c.text for c in gap.cells]
    user, sha = render("funds_block.j2", reason=gap.reason, cells=cells, header=gap.columns,
                       numbers=total_numbers(cells), labels=LABELS)
    reply = service.structured(chat(user), funds_model(cells), {"cells": cells, "columns": None, "arithmetic": True})
    return reply, sha


def _apply(document: Document, gap: Gap, reply: Reply, sha: str, model: str) -> list[Finding]:
    where = f"第{gap.line or '?'}行起的资金情况"
    parsed = salvage(reply, FundsReply)
    if parsed is None:
        return [failed_reply(gap, "funds", where, reply)]
    grounding = ground(parsed, [c.text for c in gap.cells])
    for field, cell in list(grounding.cells.items()):  # a percentage is a 执行率, never an amount, 分值 or 得分
        if field != "rate" and ("%" in gap.cells[cell].text or "％" in gap.cells[cell].text):
            grounding.refuse((field,), f"“{gap.cells[cell].text}”是百分数，不是{LABELS[field]}")
    values = {f: n for f in grounding.cells if (n := as_number(getattr(parsed, f))) is not None}
    _arithmetic(values, grounding)
    findings = [Finding(code="LLM_VALUE_UNGROUNDED", severity="warning", form=gap.form, path="funds",
                        message=f"{where}：模型给出的{field}未在原文中找到依据或与资金算术不符，已丢弃：{why}", found=why)
                for field, why in grounding.refused.items()]
    form = document.forms[gap.form]
    if not form.funds and any(f in values for f in AMOUNTS):
        form.funds.append(Fund(kind="total", label=_label(gap, [grounding.cells[f] for f in AMOUNTS if f in values])))
    filled = []
    for field, number in values.items():
        targets: list[tuple[BaseModel, str]] = [(form.budget_execution, f"budget_execution.{field}")] \
            if field in EXECUTION else []
        if form.funds and (field in AMOUNTS or field == "rate"):
            targets.append((form.funds[0], f"funds[0].{field}"))  # the total row's own 执行率 too
        source = gap.cells[grounding.cells[field]]
        for target, path in targets:
            if getattr(target, field) is not None:
                continue  # a value the rules read is never overwritten
            setattr(target, field, number)
            form.provenance[path] = grounded_provenance(gap, source, model, sha)
            filled.append(path)
    if filled:
        findings.append(filled_note(gap, "funds", where, filled))
    return findings


def fill_funds(document: Document, gaps: list[Gap], service: LlmService) -> list[Reply]:
    """One request per funds gap; grounded values go into the form's total fund row and 执行率."""
    replies = []
    for gap in gaps:
        reply, sha = _request(service, gap)
        replies.append(reply)
        document.findings.extend(_apply(document, gap, reply, sha, service.model))
    return replies
