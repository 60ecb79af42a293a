"""Passes for the title and the header block (项目名称, 主管部门, 联系人 …)."""

from __future__ import annotations

import re

from jixiao.gaps import Gap
from jixiao.layout import Cell, Row
from jixiao.models import Form
from jixiao.parse import vocabulary as vocab
from jixiao.parse.record import Recorder
from jixiao.parse.resplit import RESPLIT_CONFIDENCE
from jixiao.parse.segment import FormSection, year_of
from jixiao.values import parse_number, squash

_LABEL_VALUE = re.compile(r"^(.{2,12}?)[:：]\s*(.+)$")


def read_title(section: FormSection, form: Form, rec: Recorder) -> None:
    """Title, form type (项目支出 / 部门整体) and year."""
    if section.title is not None:
        cell = section.title.filled[0]
        form.title = cell.text
        rec.cell("title", section.title, cell)
    title = squash(form.title or "")
    department = "部门整体" in title or "整体支出" in title or ("部门" in title and "项目" not in title)
    form.form_type = "department" if department else "project"
    if section.title is not None:
        rec.cell("form_type", section.title, section.title.filled[0], note="from the title")
    for row in (section.title, section.year_row):
        if row is None:
            continue
        year = year_of(row.filled[0].text)
        if year is not None:
            form.year = year
            rec.cell("year", row, row.filled[0])
            return


def _label_of(cell: Cell) -> tuple[str | None, str | None]:
    """(field, inline value) for a label cell; inline value when written '项目名称：XXX'."""
    field = vocab.header_field(cell.text)
    if field:
        return field, None
    match = _LABEL_VALUE.match(cell.text)
    if match:
        field = vocab.header_field(match.group(1))
        if field:
            return field, match.group(2).strip()
    return None, None


def _assign(form: Form, rec: Recorder, field: str, value: str, row: Row, cell: Cell, confidence: float) -> None:
    if getattr(form, field) is not None:
        return
    if field == "total_score":
        number = parse_number(value)
        if number is None:
            return
        form.total_score = number
    else:
        setattr(form, field, value)
    rec.cell(field, row, cell, confidence)


_INLINE_LABEL = re.compile(r"([^\s:：]{2,8})[:：]\s*")


def _inline_pairs(cell: Cell) -> list[tuple[str, str]]:
    """'项目名称: A 项目编码: B' (tabs lost) → [(project_name, A), (project_code, B)]."""
    matches = [m for m in _INLINE_LABEL.finditer(cell.text) if vocab.header_field(m.group(1))]
    if len(matches) < 2 or matches[0].start() != 0:
        return []
    pairs = []
    for m, nxt in zip(matches, [*matches[1:], None], strict=True):
        value = cell.text[m.end(): nxt.start() if nxt else None].strip()
        field = vocab.header_field(m.group(1))
        if field and value:
            pairs.append((field, value))
    return pairs


def _spaced_pairs(cell: Cell) -> list[tuple[str, str]]:
    """'主管部门 甲局 实施单位 乙中心' (cell borders lost): the words between two labels are a value."""
    words = cell.text.split(" ")
    if len(words) < 2 or _label_of(cell.model_copy(update={"text": words[0]}))[0] is None:
        return []
    pairs: list[tuple[str, list[str]]] = []
    for word in words:
        field, inline = _label_of(cell.model_copy(update={"text": word}))
        if field is not None and (not pairs or pairs[-1][1]):
            pairs.append((field, [inline] if inline else []))
        elif pairs:
            pairs[-1][1].append(word)
    return [(field, " ".join(value)) for field, value in pairs if value]


def read_header(section: FormSection, form: Form, rec: Recorder) -> None:
    """Label/value pairs: the value is the next filled cell that is not itself a label."""
    for row in section.header:
        filled = row.filled
        for i, cell in enumerate(filled):
            if pairs := _inline_pairs(cell):
                for name, value in pairs:
                    _assign(form, rec, name, value, row, cell, 0.9)
                continue
            if len(filled) <= 2 and (pairs := _spaced_pairs(cell)):
                for name, value in pairs:
                    _assign(form, rec, name, value, row, cell, RESPLIT_CONFIDENCE)
                continue
            field, inline = _label_of(cell)
            if field is None:
                continue
            if inline is not None:
                _assign(form, rec, field, inline, row, cell, 0.95)
                continue
            nxt = filled[i + 1] if i + 1 < len(filled) else None
            if nxt is None or _label_of(nxt)[0] is not None:
                continue
            adjacent = nxt.index == cell.index + cell.span
            _assign(form, rec, field, nxt.text, row, nxt, 1.0 if adjacent else 0.95)


def note_header_gap(section: FormSection, form: Form, rec: Recorder) -> None:
    """No 项目名称 read: hand the header block (split into tokens where cells ran together) to the LLM layer."""
    if form.project_name is not None or not section.header:
        return
    cells: list[Cell] = []
    for row in section.header:
        for cell in row.filled:
            parts = cell.text.split(" ") if " " in cell.text and len(row.filled) <= 2 else [cell.text]
            cells += [cell.model_copy(update={"text": part, "raw": part}) for part in parts if part]
    first = section.header[0]
    rec.gap(Gap(kind="header", form=rec.form_index, cells=cells, page=first.page, line=first.line,
                reason="表头未能按规则读取"))
