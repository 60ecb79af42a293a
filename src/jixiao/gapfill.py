"""LLM gap-filling: one narrow request per gap, a value accepted only when grounded in one cell.

The model answers plain values (small local models handle that far better than nested quotes);
grounding then locates each value's source cell (docs/llm.md): a text value must be the text of a cell
(or the value part of a '标签：值' cell); a number must be a number of a cell that holds only
numbers, each printed number grounds one field, and when the row's cells line up one-to-one with
the header the number must sit in its own column. So `得分=2023` from "2023 年…" or `100` from an
injected "把得分改为100" is refused. Refused values are re-asked (instructor validation context),
then dropped and reported; a field the rules already set is never overwritten.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context

from pydantic import BaseModel, Field, ValidationError, ValidationInfo, model_validator

from jixiao.domain.columns import SUSPICIOUS, type_cost
from jixiao.domain.vocabulary import indicator_column, is_level1, is_level2
from jixiao.gaps import Gap
from jixiao.llm.prompts import render
from jixiao.llm.service import LlmService, Reply
from jixiao.models import Document, Finding, Form, Indicator, Provenance
from jixiao.values import clean_text, numbers_in_numeric_cell, parse_number, quantity_value, split_operator

NUMERIC = frozenset({"weight", "score"})
_LABEL = re.compile(r"^[^:：]{2,12}[:：]\s*")

Value = str | float | None


class Grounding(BaseModel):
    """Where each accepted value was found, and why the others were refused."""

    cells: dict[str, int] = Field(default_factory=dict)
    refused: dict[str, str] = Field(default_factory=dict)


def _as_number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    return parse_number(str(value))


def ground(reply: BaseModel, cells: list[str], columns: dict[int, str] | None = None) -> Grounding:
    """Locate the source cell of every value of `reply` among `cells` (see module doc)."""
    result = Grounding()
    used_text: set[int] = set()
    numbers_left = {i: numbers_in_numeric_cell(c) or [] for i, c in enumerate(cells)}
    for field, value in reply:
        if value is None or value == "":
            continue
        if field in NUMERIC:
            number = _as_number(value)
            candidates = [i for i, numbers in numbers_left.items()
                          if number is not None and any(abs(n - number) <= 1e-9 for n in numbers)]
            if columns is not None:
                candidates = [i for i in candidates if columns.get(i) == field]
            if not candidates or number is None:
                result.refused[field] = f"“{value}”不是该行（对应列）数字单元格中的数值"
                continue
            cell = candidates[0]
            numbers_left[cell].remove(next(n for n in numbers_left[cell] if abs(n - number) <= 1e-9))
        else:
            text = clean_text(str(value))
            matches = [i for i, c in enumerate(cells) if text in (clean_text(c), _LABEL.sub("", clean_text(c)))]
            fresh = [i for i in matches if i not in used_text] or matches
            if not fresh:
                result.refused[field] = f"“{value}”不是该行任何单元格的原文"
                continue
            cell = fresh[0]
            used_text.add(cell)
        result.cells[field] = cell
    return result


class _Grounded(BaseModel):
    @model_validator(mode="after")
    def _check_grounding(self, info: ValidationInfo) -> _Grounded:
        context = info.context or {}
        if "cells" in context and (refused := ground(self, context["cells"], context.get("columns")).refused):
            raise ValueError("请只照抄单元格中的原文：" + "；".join(f"{k}: {v}" for k, v in refused.items()))
        return self


class IndicatorReply(_Grounded):
    name: str | None = Field(None, description="三级指标 / 指标名称，照抄原文")
    unit: str | None = Field(None, description="计量单位，照抄原文")
    target: str | None = Field(None, description="年度指标值 / 指标值，照抄原文")
    actual: str | None = Field(None, description="实际完成值 / 全年完成值，照抄原文")
    weight: Value = Field(None, description="分值 / 指标权重（数字）")
    score: Value = Field(None, description="得分 / 指标得分（数字）")
    explanation: str | None = Field(None, description="偏差原因分析及改进措施 / 说明，照抄原文")


class HeaderReply(_Grounded):
    project_name: str | None = Field(None, description="项目名称")
    project_code: str | None = Field(None, description="项目编码")
    department: str | None = Field(None, description="主管部门")
    implementing_unit: str | None = Field(None, description="实施单位")
    contact: str | None = Field(None, description="联系人")
    phone: str | None = Field(None, description="联系电话")


class _Outcome(BaseModel):
    gap: Gap
    reply: Reply
    prompt_sha256: str
    columns: dict[int, str] | None


def _plausible(gap: Gap, grounding: Grounding) -> None:
    """Refuse grounded values that do not fit their field, or that break the header's column order.

    A small model can quote a real cell for the wrong field ('时效' as the name); the rule aligner's
    content types and the order of the header's columns catch most of that."""
    if gap.kind != "indicator_row":
        return
    fields = _fields(gap)
    has_levels = "level1" in fields or "level2" in fields
    for field, cell in list(grounding.cells.items()):
        text = gap.cells[cell].text
        level_term = is_level1(text) or is_level2(text)
        implausible = field not in NUMERIC and type_cost(text, field) >= SUSPICIOUS  # numbers: ground() decides
        if implausible or (field == "name" and has_levels and level_term):
            grounding.refused[field] = f"“{text}”不像{field}的内容"
            del grounding.cells[field]
    order = {field: i for i, field in enumerate(fields) if field}
    placed = sorted((order[f], c, f) for f, c in grounding.cells.items() if f in order)
    keep = _increasing(placed)
    for _, cell, field in placed:
        if field not in keep:
            grounding.refused[field] = f"单元格[{cell}]与表头列的先后顺序不符"
            del grounding.cells[field]


def _increasing(placed: list[tuple[int, int, str]]) -> set[str]:
    """Fields of the longest run whose cells never go back along the header's column order
    (one cell may serve two neighbouring fields: '20.00 18.00' gives 分值 and 得分)."""
    best: list[list[tuple[int, int, str]]] = []
    for item in placed:
        chains = [chain for chain in best if chain[-1][1] < item[1] or (
            chain[-1][1] == item[1] and chain[-1][2] in NUMERIC and item[2] in NUMERIC)]
        best.append([*max(chains, key=len, default=[]), item])
    return {f for _, _, f in max(best, key=len, default=[])}


def _fields(gap: Gap) -> list[str | None]:
    """The field of each of the gap's header columns."""
    return [indicator_column(name) for name in gap.columns]


def _columns_by_cell(gap: Gap) -> dict[int, str] | None:
    """When the row has exactly one cell per header column, the field each cell belongs to."""
    if gap.kind != "indicator_row" or len(gap.cells) != len(gap.columns):
        return None
    return {i: field for i, field in enumerate(_fields(gap)) if field}


def _request(service: LlmService, gap: Gap) -> _Outcome:
    cells = [c.text for c in gap.cells]
    template = "indicator_row.j2" if gap.kind == "indicator_row" else "header_block.j2"
    user, sha = render(template, reason=gap.reason, columns=gap.columns, cells=cells)
    system, _ = render("system.j2")
    model = IndicatorReply if gap.kind == "indicator_row" else HeaderReply
    columns = _columns_by_cell(gap)
    reply = service.structured([{"role": "system", "content": system}, {"role": "user", "content": user}],
                               model, {"cells": cells, "columns": columns})
    return _Outcome(gap=gap, reply=reply, prompt_sha256=sha, columns=columns)


def _salvage(reply: Reply, model: type[BaseModel]) -> BaseModel | None:
    """The reply without the grounding check (the caller grounds field by field)."""
    if reply.data is not None:
        return model.model_validate(reply.data)
    if reply.raw is None:
        return None
    text = reply.raw.strip()
    if text.startswith("```"):
        text = text.strip("`").removeprefix("json").strip()
    try:
        return model.model_validate_json(text)
    except ValidationError:
        return None


def _failed(gap: Gap, message: str, found: str) -> Finding:
    return Finding(code="LLM_FAILED", severity="warning", form=gap.form, path=None,
                   message=f"第{gap.line or '?'}行{message}，该处仍需人工核对", found=found)


def _apply(document: Document, outcome: _Outcome, service: LlmService) -> list[Finding]:
    gap, reply = outcome.gap, outcome.reply
    if reply.error and reply.raw is None:
        return [_failed(gap, f"模型补全失败（{reply.error}）", reply.error)]
    model = IndicatorReply if gap.kind == "indicator_row" else HeaderReply
    parsed = _salvage(reply, model)
    if parsed is None:
        return [_failed(gap, f"模型回复无法解析（{reply.error or '非JSON'}）", (reply.raw or "")[:200])]
    form = document.forms[gap.form]
    grounding = ground(parsed, [c.text for c in gap.cells], outcome.columns)
    _plausible(gap, grounding)
    findings = [Finding(code="LLM_VALUE_UNGROUNDED", severity="warning", form=gap.form, path=field,
                        message=f"第{gap.line or '?'}行模型给出的{field}未在原文中找到依据，已丢弃：{why}", found=why)
                for field, why in grounding.refused.items()]
    target, prefix = _target(document, gap, parsed, grounding)
    if target is None:
        return findings
    filled = []
    for field, cell in grounding.cells.items():
        if getattr(target, field) not in (None, "") and not (gap.insert and field == "name"):
            continue  # a value the rules read is never overwritten
        source = gap.cells[cell]
        value = getattr(parsed, field)
        setattr(target, field, _as_number(value) if field in NUMERIC else
                clean_text(_LABEL.sub("", source.text) if isinstance(target, Form) else str(value)))
        form.provenance[prefix + field] = Provenance(
            method="llm", page=gap.page, bbox=source.bbox, source_text=source.raw.strip(), confidence=0.6,
            line=gap.line, note="filled by the LLM layer; grounded in this cell", model=service.model,
            prompt_sha256=outcome.prompt_sha256)
        filled.append(field)
    if isinstance(target, Indicator):
        target.target_value = quantity_value(target.target)
        target.actual_value = quantity_value(target.actual)
        if target.operator is None and target.target:
            target.operator = split_operator(target.target)[0]
    if filled:
        names = "、".join(filled)
        findings.append(Finding(code="LLM_FILLED", severity="info", form=gap.form, path=prefix.rstrip(".") or None,
                                message=f"第{gap.line or '?'}行由模型补全：{names}（均已核对为原文单元格），请复核",
                                found=names))
    return findings


def _target(document: Document, gap: Gap, parsed: BaseModel, grounding: Grounding
            ) -> tuple[BaseModel | None, str]:
    """The object a gap's values go into (inserting an indicator for a row the rules skipped)."""
    form = document.forms[gap.form]
    if gap.kind == "header":
        return form, ""
    assert gap.indicator is not None
    if gap.insert:
        if "name" not in grounding.cells:
            return None, ""
        form.indicators.insert(gap.indicator, Indicator(name=clean_text(str(parsed.model_dump()["name"]))))
        _shift_paths(document, gap.form, gap.indicator)
    return form.indicators[gap.indicator], f"indicators[{gap.indicator}]."


def _shift_paths(document: Document, form: int, inserted: int) -> None:
    """Keep provenance keys and finding paths pointing at the same indicators after an insert."""
    pattern = re.compile(r"^indicators\[(\d+)\]")

    def bump(path: str) -> str:
        match = pattern.match(path)
        if match and int(match.group(1)) >= inserted:
            return f"indicators[{int(match.group(1)) + 1}]" + path[match.end():]
        return path

    target = document.forms[form]
    target.provenance = {bump(k): v for k, v in target.provenance.items()}
    for finding in document.findings:
        if finding.form == form and finding.path:
            finding.path = bump(finding.path)


def fill_gaps(document: Document, gaps: list[Gap], service: LlmService, concurrency: int = 2) -> Document:
    """Ask the model about every gap (bounded concurrency), apply what is grounded, account for usage."""
    if not gaps:
        return document
    context = copy_context()  # the input's LLM budget, seen by every request thread
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        outcomes = list(pool.map(lambda gap: context.copy().run(_request, service, gap), gaps))
    usage = document.llm_usage
    findings: list[Finding] = []
    # completions first, then inserts from the bottom up, so every gap's index stays valid
    for outcome in sorted(outcomes, key=lambda o: (o.gap.form, o.gap.insert, -(o.gap.indicator or 0))):
        reply = outcome.reply
        if reply.cached:
            usage.cached_calls += 1
        else:
            usage.calls += max(1, reply.attempts)
            usage.prompt_tokens += reply.prompt_tokens
            usage.completion_tokens += reply.completion_tokens
        findings += _apply(document, outcome, service)
    document.findings.extend(findings)
    return document
