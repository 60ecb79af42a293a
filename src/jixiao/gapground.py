"""Grounding of LLM values (docs/llm.md): each value accepted only when found in one cell of its section.

A text value must be the text of a cell (or the value part of a '标签：值' cell); a number must be a
number of a cell that holds only numbers, each printed number grounds one field, and when the row's
cells line up one-to-one with the header the number must sit in its own column.
"""

from __future__ import annotations

import re
from typing import ClassVar

from pydantic import BaseModel, Field, ValidationError, ValidationInfo, model_validator

from jixiao.gaps import Gap
from jixiao.layout import Cell
from jixiao.llm.service import Reply
from jixiao.models import Finding, Provenance
from jixiao.values import clean_text, numbers_in_numeric_cell, parse_number

NUMERIC = frozenset({"weight", "score"})
LABEL = re.compile(r"^[^:：]{2,12}[:：]\s*")

Value = str | float | None


class Grounding(BaseModel):
    """Where each accepted value was found, and why the others were refused."""

    cells: dict[str, int] = Field(default_factory=dict)
    refused: dict[str, str] = Field(default_factory=dict)

    def refuse(self, fields: tuple[str, ...], why: str, values: dict[str, float] | None = None) -> None:
        """Take back the grounded `fields` (and their values), recording why."""
        for field in fields:
            if field in self.cells:
                del self.cells[field]
                self.refused[field] = why
                if values is not None:
                    values.pop(field, None)


def as_number(value: object) -> float | None:
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
    numeric = getattr(reply, "NUMERIC_FIELDS", NUMERIC)
    claimed: dict[float, str] = {}  # number → the field that took its last printed copy
    for field, value in reply:
        if value is None or value == "":
            continue
        if field in numeric:
            number = as_number(value)
            candidates = [i for i, numbers in numbers_left.items()
                          if number is not None and any(abs(n - number) <= 1e-9 for n in numbers)]
            if columns is not None:
                candidates = [i for i in candidates if columns.get(i) == field]
            if number is not None and not candidates and number in claimed:
                other = claimed[number]  # one printed number given to two fields: which one it is, is unknown
                result.cells.pop(other, None)
                result.refused[other] = result.refused[field] = f"“{value}”只印了一次，却被同时当作{other}和{field}"
                continue
            if not candidates or number is None:
                result.refused[field] = f"“{value}”不是该行（对应列）数字单元格中的数值"
                continue
            cell = candidates[0]
            numbers_left[cell].remove(next(n for n in numbers_left[cell] if abs(n - number) <= 1e-9))
            claimed[number] = field
        else:
            text = clean_text(str(value))
            matches = [i for i, c in enumerate(cells) if text in (clean_text(c), LABEL.sub("", clean_text(c)))]
            fresh = [i for i in matches if i not in used_text] or matches
            if not fresh:
                result.refused[field] = f"“{value}”不是该行任何单元格的原文"
                continue
            cell = fresh[0]
            used_text.add(cell)
        result.cells[field] = cell
    return result


class Grounded(BaseModel):
    NUMERIC_FIELDS: ClassVar[frozenset[str]] = frozenset({"weight", "score"})

    @model_validator(mode="after")
    def _check_grounding(self, info: ValidationInfo) -> Grounded:
        context = info.context or {}
        if "cells" in context and (refused := ground(self, context["cells"], context.get("columns")).refused):
            raise ValueError("请只照抄单元格中的原文：" + "；".join(f"{k}: {v}" for k, v in refused.items()))
        return self


def salvage(reply: Reply, model: type[BaseModel]) -> BaseModel | None:
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




def grounded_provenance(gap: Gap, source: Cell, model: str, prompt_sha256: str) -> Provenance:
    """The provenance of a value the model gave and grounding tied to `source`, a cell of `gap`."""
    return Provenance(method="llm", page=gap.page, bbox=source.bbox, source_text=source.raw.strip(), confidence=0.6,
                      line=gap.line, note="filled by the LLM layer; grounded in this cell", model=model,
                      prompt_sha256=prompt_sha256)


def failed_reply(gap: Gap, path: str, where: str, reply: Reply) -> Finding:
    """LLM_FAILED for a reply that could not be read at all: the section stays for the reviewer."""
    return Finding(code="LLM_FAILED", severity="warning", form=gap.form, path=path,
                   message=f"{where}：模型补全失败（{reply.error or '回复无法解析'}），该处仍需人工核对",
                   found=(reply.error or reply.raw or "")[:200])


def filled_note(gap: Gap, path: str | None, where: str, filled: list[str]) -> Finding:
    """The info finding that says which fields of `where` the model filled, for the reviewer to check."""
    names = "、".join(filled)
    return Finding(code="LLM_FILLED", severity="info", form=gap.form, path=path,
                   message=f"{where}由模型补全：{names}（均已核对为原文单元格），请复核", found=names)
