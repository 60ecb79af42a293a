"""LLM gap-filling: one narrow request per gap, values accepted only when grounded in their cell.

Grounding is per cell (SPEC §6): a text value must be the text of the cell it quotes (or the
value part of a '标签：值' cell); a number must come from a cell that is itself a number, and
two numbers may not come from one cell. A value that fails is re-asked (instructor validation
context), then dropped and reported; a field the rules already set is never overwritten.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from pydantic import BaseModel, Field, ValidationError, ValidationInfo, model_validator

from jixiao.gaps import Gap
from jixiao.llm.prompts import render
from jixiao.llm.service import LlmService, Reply
from jixiao.models import Document, Finding, Form, Indicator, Provenance
from jixiao.values import clean_text, parse_number, quantity_value, split_operator

NUMERIC = frozenset({"weight", "score"})
_LABEL = re.compile(r"^[^:：]{2,12}[:：]\s*")


class Quote(BaseModel):
    cell: int = Field(description="值所在单元格的编号 [n]")
    text: str = Field(description="该单元格中的原文；数字字段写其中的数字")


_NUMBER_TOKEN = re.compile(r"[-+]?\d+(?:,\d{3})*(?:\.\d+)?")
_NUMERIC_FILLER = re.compile(r"[\s%％分万元,，、/;；]")


def numbers_in_numeric_cell(cell: str) -> list[float] | None:
    """The numbers of a cell made only of numbers ('18.00', '20.00 18.00', '10分'); None for a text cell."""
    if _NUMERIC_FILLER.sub("", _NUMBER_TOKEN.sub("", cell)):
        return None
    numbers = [float(t.replace(",", "")) for t in _NUMBER_TOKEN.findall(cell)]
    return numbers or None


def ungrounded(reply: BaseModel, cells: list[str]) -> dict[str, str]:
    """Fields whose quote is not grounded in the cell it names, with the reason."""
    problems: dict[str, str] = {}
    unused: dict[int, list[float]] = {}
    for field, quote in reply:
        if not isinstance(quote, Quote):
            continue
        if not 0 <= quote.cell < len(cells):
            problems[field] = f"cell [{quote.cell}] does not exist"
            continue
        cell = clean_text(cells[quote.cell])
        value = clean_text(quote.text)
        if field in NUMERIC:
            number = parse_number(value)
            if quote.cell not in unused:
                unused[quote.cell] = numbers_in_numeric_cell(cell) or []
            left = unused[quote.cell]
            match = next((i for i, n in enumerate(left) if number is not None and abs(n - number) <= 1e-9), None)
            if match is None:
                problems[field] = f"“{quote.text}” is not a number of the numeric cell [{quote.cell}] “{cells[quote.cell]}”"
            else:
                left.pop(match)  # one printed number grounds one field
        elif value not in (cell, _LABEL.sub("", cell)):
            problems[field] = f"“{quote.text}” is not the text of cell [{quote.cell}] “{cells[quote.cell]}”"
    return problems


class _Grounded(BaseModel):
    @model_validator(mode="after")
    def _check_grounding(self, info: ValidationInfo) -> _Grounded:
        cells = (info.context or {}).get("cells")
        if cells is not None and (problems := ungrounded(self, cells)):
            raise ValueError("不是单元格原文（请只摘录单元格中的原文）：" + "；".join(
                f"{k}: {v}" for k, v in problems.items()))
        return self


class IndicatorReply(_Grounded):
    name: Quote | None = Field(None, description="三级指标 / 指标名称")
    unit: Quote | None = Field(None, description="计量单位")
    target: Quote | None = Field(None, description="年度指标值 / 指标值，照抄原文")
    actual: Quote | None = Field(None, description="实际完成值 / 全年完成值，照抄原文")
    weight: Quote | None = Field(None, description="分值 / 指标权重（数字）")
    score: Quote | None = Field(None, description="得分 / 指标得分（数字）")
    explanation: Quote | None = Field(None, description="偏差原因分析及改进措施 / 说明")


class HeaderReply(_Grounded):
    project_name: Quote | None = Field(None, description="项目名称")
    project_code: Quote | None = Field(None, description="项目编码")
    department: Quote | None = Field(None, description="主管部门")
    implementing_unit: Quote | None = Field(None, description="实施单位")
    contact: Quote | None = Field(None, description="联系人")
    phone: Quote | None = Field(None, description="联系电话")


class _Outcome(BaseModel):
    gap: Gap
    reply: Reply
    prompt_sha256: str


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


def _request(service: LlmService, gap: Gap) -> _Outcome:
    cells = [c.text for c in gap.cells]
    template = "indicator_row.j2" if gap.kind == "indicator_row" else "header_block.j2"
    user, sha = render(template, reason=gap.reason, columns=gap.columns, cells=cells)
    system, _ = render("system.j2")
    model = IndicatorReply if gap.kind == "indicator_row" else HeaderReply
    reply = service.structured([{"role": "system", "content": system}, {"role": "user", "content": user}],
                               model, {"cells": cells})
    return _Outcome(gap=gap, reply=reply, prompt_sha256=sha)


def _provenance(gap: Gap, quote: Quote, service: LlmService, sha: str) -> Provenance:
    cell = gap.cells[quote.cell]
    return Provenance(method="llm", page=gap.page, bbox=cell.bbox, source_text=cell.raw.strip(), confidence=0.6,
                      line=gap.line, note="filled by the LLM layer; grounded in this cell", model=service.model,
                      prompt_sha256=sha)


def _set(target: BaseModel, field: str, quote: Quote) -> None:
    if field in NUMERIC:
        setattr(target, field, parse_number(quote.text))
    else:
        setattr(target, field, clean_text(_LABEL.sub("", quote.text)) if isinstance(target, Form) else
                clean_text(quote.text))


def _apply(document: Document, outcome: _Outcome, service: LlmService) -> list[Finding]:
    gap, reply = outcome.gap, outcome.reply
    where = f"第{gap.line or '?'}行"
    if reply.error and reply.raw is None:
        return [Finding(code="LLM_FAILED", severity="warning", form=gap.form, path=None,
                        message=f"{where}模型补全失败（{reply.error}），该处仍需人工核对", found=reply.error)]
    model = IndicatorReply if gap.kind == "indicator_row" else HeaderReply
    parsed = _salvage(reply, model)
    if parsed is None:
        return [Finding(code="LLM_FAILED", severity="warning", form=gap.form, path=None,
                        message=f"{where}模型回复无法解析（{reply.error or '非JSON'}），该处仍需人工核对",
                        found=(reply.raw or "")[:200])]
    form = document.forms[gap.form]
    rejected = ungrounded(parsed, [c.text for c in gap.cells])
    findings = [Finding(code="LLM_VALUE_UNGROUNDED", severity="warning", form=gap.form, path=field,
                        message=f"{where}模型给出的{field}未在原文单元格中找到，已丢弃：{why}", found=why)
                for field, why in rejected.items()]
    quotes = {f: q for f, q in parsed if isinstance(q, Quote) and f not in rejected}
    if gap.kind == "header":
        target: BaseModel = form
        prefix = ""
    elif gap.insert:
        if "name" not in quotes:
            return findings
        assert gap.indicator is not None
        form.indicators.insert(gap.indicator, Indicator(name=clean_text(quotes["name"].text)))
        _shift_paths(document, gap.form, gap.indicator)
        target, prefix = form.indicators[gap.indicator], f"indicators[{gap.indicator}]."
    else:
        target, prefix = form.indicators[gap.indicator or 0], f"indicators[{gap.indicator}]."
    filled = []
    for field, quote in quotes.items():
        if getattr(target, field) not in (None, "") and not (gap.insert and field == "name"):
            continue  # a value the rules read is never overwritten
        _set(target, field, quote)
        form.provenance[prefix + field] = _provenance(gap, quote, service, outcome.prompt_sha256)
        filled.append(field)
    if isinstance(target, Indicator):
        _derive(target)
    if filled:
        findings.append(Finding(code="LLM_FILLED", severity="info", form=gap.form, path=prefix.rstrip(".") or None,
                                message=f"{where}由模型补全：{'、'.join(filled)}（均已核对为原文单元格），请复核",
                                found="、".join(filled)))
    return findings


def _derive(ind: Indicator) -> None:
    ind.target_value = quantity_value(ind.target)
    ind.actual_value = quantity_value(ind.actual)
    if ind.operator is None and ind.target:
        ind.operator = split_operator(ind.target)[0]


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
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        outcomes = list(pool.map(lambda gap: _request(service, gap), gaps))
    usage = document.llm_usage
    findings: list[Finding] = []
    # inserts last and from the bottom up, so earlier indices stay valid
    ordered = sorted(outcomes, key=lambda o: (o.gap.form, o.gap.insert, -(o.gap.indicator or 0)))
    for outcome in ordered:
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
