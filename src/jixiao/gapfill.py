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

from pydantic import BaseModel, Field

from jixiao.domain.columns import SUSPICIOUS, type_cost
from jixiao.domain.vocabulary import indicator_column, is_level1, is_level2
from jixiao.gapfunds import fill_funds
from jixiao.gapground import (
    LABEL,
    NUMERIC,
    Grounded,
    Grounding,
    Value,
    as_number,
    filled_note,
    ground,
    grounded_provenance,
    salvage,
)
from jixiao.gapmap import fill_tables
from jixiao.gaps import Gap, TableReader
from jixiao.gaptotal import fill_total
from jixiao.layouts import LayoutStore
from jixiao.llm.prompts import chat, render
from jixiao.llm.service import LlmService, Reply
from jixiao.llm.usage import add_usage
from jixiao.models import Document, Finding, Form, Indicator
from jixiao.values import clean_text, quantity_value, split_operator


class IndicatorReply(Grounded):
    name: str | None = Field(None, description="三级指标 / 指标名称，照抄原文")
    unit: str | None = Field(None, description="计量单位，照抄原文")
    target: str | None = Field(None, description="年度指标值 / 指标值，照抄原文")
    actual: str | None = Field(None, description="实际完成值 / 全年完成值，照抄原文")
    weight: Value = Field(None, description="分值 / 指标权重（数字）")
    score: Value = Field(None, description="得分 / 指标得分（数字）")
    explanation: str | None = Field(None, description="偏差原因分析及改进措施 / 说明，照抄原文")


class HeaderReply(Grounded):
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
            grounding.refuse((field,), f"“{text}”不像{field}的内容")
    order = {field: i for i, field in enumerate(fields) if field}
    placed = sorted((order[f], c, f) for f, c in grounding.cells.items() if f in order)
    keep = _increasing(placed)
    for _, cell, field in placed:
        if field not in keep:
            grounding.refuse((field,), f"单元格[{cell}]与表头列的先后顺序不符")


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
    model = IndicatorReply if gap.kind == "indicator_row" else HeaderReply
    columns = _columns_by_cell(gap)
    reply = service.structured(chat(user), model, {"cells": cells, "columns": columns})
    return _Outcome(gap=gap, reply=reply, prompt_sha256=sha, columns=columns)


def _failed(gap: Gap, message: str, found: str) -> Finding:
    return Finding(code="LLM_FAILED", severity="warning", form=gap.form, path=None,
                   message=f"第{gap.line or '?'}行{message}，该处仍需人工核对", found=found)


def _apply(document: Document, outcome: _Outcome, service: LlmService) -> list[Finding]:
    gap, reply = outcome.gap, outcome.reply
    if reply.error and reply.raw is None:
        return [_failed(gap, f"模型补全失败（{reply.error}）", reply.error)]
    model = IndicatorReply if gap.kind == "indicator_row" else HeaderReply
    parsed = salvage(reply, model)
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
        setattr(target, field, as_number(value) if field in NUMERIC else
                clean_text(LABEL.sub("", source.text) if isinstance(target, Form) else str(value)))
        form.provenance[prefix + field] = grounded_provenance(gap, source, service.model, outcome.prompt_sha256)
        filled.append(field)
    if isinstance(target, Indicator):
        target.target_value = quantity_value(target.target)
        target.actual_value = quantity_value(target.actual)
        if target.operator is None and target.target:
            target.operator = split_operator(target.target)[0]
    if filled:
        findings.append(filled_note(gap, prefix.rstrip(".") or None, f"第{gap.line or '?'}行", filled))
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


def fill_gaps(document: Document, gaps: list[Gap], service: LlmService, concurrency: int = 2,
              layouts: LayoutStore | None = None, read_table: TableReader | None = None) -> Document:
    """Ask the model about every gap (bounded concurrency), apply what is grounded, account for usage.

    Column-mapping gaps go first (one request per distinct layout, `jixiao.gapmap`); confirmed
    mappings are remembered in `layouts`. `read_table` is the rules' table reader (the pipeline hands in
    parse.learned.read_table); without it column gaps are not asked about."""
    if not gaps:
        return document
    tables = [g for g in gaps if g.kind == "columns"] if read_table is not None else []
    replies, mapped = fill_tables(document, tables, service, layouts, read_table) if read_table else ([], set())
    for reply in replies:
        add_usage(document.llm_usage, reply)
    gaps = [g for g in gaps if not (g.kind == "indicator_row" and g.form in mapped)]
    for reply in fill_funds(document, [g for g in gaps if g.kind == "funds"], service):
        add_usage(document.llm_usage, reply)
    for reply in fill_total(document, [g for g in gaps if g.kind == "total"], service):  # after funds: 执行率得分
        add_usage(document.llm_usage, reply)
    gaps = [g for g in gaps if g.kind not in ("columns", "funds", "total")]
    context = copy_context()  # the input's LLM budget, seen by every request thread
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        outcomes = list(pool.map(lambda gap: context.copy().run(_request, service, gap), gaps))
    findings: list[Finding] = []
    # completions first, then inserts from the bottom up, so every gap's index stays valid
    for outcome in sorted(outcomes, key=lambda o: (o.gap.form, o.gap.insert, -(o.gap.indicator or 0))):
        add_usage(document.llm_usage, outcome.reply)
        findings += _apply(document, outcome, service)
    document.findings.extend(findings)
    return document
