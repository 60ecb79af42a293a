"""Passes for the title and the header block (项目名称, 主管部门, 联系人 …)."""

from __future__ import annotations

import itertools
import re

from jixiao.domain import vocabulary as vocab
from jixiao.gaps import Gap
from jixiao.layout import Cell, Row
from jixiao.models import Form
from jixiao.parse.record import Recorder
from jixiao.parse.resplit import RESPLIT_CONFIDENCE
from jixiao.parse.segment import YEAR_ONLY, FormSection, year_of
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
    for row in section.header[:4]:  # '（2023年度）' printed beside other text ('单位：万元') above the table
        for cell in row.filled:
            if match := YEAR_ONLY.match(squash(cell.text)):
                form.year = int(match.group(1))
                rec.cell("year", row, cell, 0.95, "year printed on a line of its own above the table")
                return


def _label_of(cell: Cell) -> tuple[str | None, str | None]:
    """(field, inline value) for a label cell; inline value when written '项目名称：XXX'."""
    match = _LABEL_VALUE.match(cell.text)
    if match:  # '项目负责人：刘洋' is a label with its value, not a label with a tail
        field = vocab.header_field(match.group(1))
        if field:
            return field, match.group(2).strip()
    return vocab.header_field(cell.text), None


_UNIT_NAMES = frozenset({"部门名称", "单位名称", "预算单位名称", "部门单位名称"})


def _assign(form: Form, rec: Recorder, field: str, value: str, row: Row, cell: Cell, confidence: float,
            label: Cell | None = None) -> None:
    key = None if label is None else vocab.header_key(re.split("[:：]", label.text)[0])
    if field == "project_name" and form.form_type == "department" and key in _UNIT_NAMES:
        field = "department"  # a 部门整体 form names the department itself: it is the form's 主管部门
    if key in vocab.WEAK_HEADER_LABELS:
        confidence = min(confidence, 0.85)
    elif field == "contact" and key is not None and "负责人" in key:
        confidence = min(confidence, 0.99)  # a 联系人 printed beside the 项目负责人 is the one to call
    current = rec.provenance.get(field)
    if getattr(form, field) is not None and (current is None or current.confidence >= confidence):
        return
    if field == "year":
        year = year_of(value) or (int(value) if re.fullmatch(r"20\d{2}", value.strip()) else None)
        if year is None:
            return
        form.year = year
    elif field == "total_score":
        number = parse_number(value)
        if number is None:
            return
        form.total_score = number
    elif field == "contact" and (both := _NAME_AND_PHONE.fullmatch(value.strip())):
        form.contact = both.group("name")  # '项目负责人及电话 | 刘永强13881020456(办公)'
        if form.phone is None:
            form.phone = both.group("phone")
            rec.cell("phone", row, cell, confidence)
    else:
        setattr(form, field, value)
    rec.cell(field, row, cell, confidence)


# a person's name and a telephone number in one value (a label that asks for both, or a border lost)
_NAME_AND_PHONE = re.compile(r"(?P<name>[\u4e00-\u9fff·]{2,5})\s*[,，、/]?\s*"
                             r"(?P<phone>(?:0\d{2,3}-?)?\d{7,8}|1\d{10})\s*(?:[(（][\u4e00-\u9fff]{1,4}[)）])?")


_INLINE_LABEL = re.compile(r"([^\s:：]{2,16})[:：]\s*")


def _inline_pairs(cell: Cell) -> list[tuple[str, str, float]]:
    """'项目名称: A 项目编码: B' (tabs lost) → [(project_name, A, 0.9), (project_code, B, 0.9)]. A label glued to
    the value before it ('…（2023年）项目编码：', '刘洋联系电话：') starts where the longest label printed on forms
    that ends the word does (联系电话, not 电话; 预算部门、单位名称, not 单位名称). After a project name, which
    often ends in 项目 itself, '…补助项目主管部门：' is 项目主管部门 or 主管部门: the cut is a guess, both values flagged."""
    labels: list[tuple[int, int, str | None, bool]] = []  # (label start, value start, field, cut is a guess)
    for m in _INLINE_LABEL.finditer(cell.text):
        found: tuple[int, str | None] | None = vocab.label_at_end(m.group(1))
        if found is None and (field := vocab.header_field(m.group(1))):
            found = (0, field)  # an unlisted label with a known tail: '项目主管单位'
        if found is None and (start := vocab.other_label_at_end(m.group(1))) is not None:
            found = (start, None)  # '手机：…': ends the value before it
        if found is not None:
            label = m.group(1)[found[0]:]
            guess = found[0] > 0 and label.startswith("项目") and vocab.label_at_end(label[2:]) == (0, found[1])
            labels.append((m.start(1) + found[0], m.end(), found[1], guess))
    if len(labels) < 2 or labels[0][0] != 0:
        return []
    pairs = []
    for (_, value_start, field, guess), nxt in zip(labels, [*labels[1:], None], strict=True):
        value = cell.text[value_start: nxt[0] if nxt else None].strip()
        if value and field is not None:
            pairs.append((field, value, 0.8 if guess or (nxt is not None and nxt[3]) else 0.9))
    return pairs


def _spaced_pairs(cell: Cell) -> list[tuple[str, str]]:
    """'主管部门 甲局 实施单位 乙中心' (cell borders lost): the words between two labels are a value."""
    words = cell.text.split(" ")
    if len(words) < 2 or _label_of(cell.model_copy(update={"text": words[0]}))[0] is None:
        return []
    pairs: list[tuple[str | None, list[str]]] = []
    for word in words:
        field, inline = _label_of(cell.model_copy(update={"text": word}))
        other = field is None and vocab.header_key(word) in vocab.OTHER_HEADER_LABELS  # '手机': ends a value
        if (field is not None or other) and pairs and not pairs[-1][1]:
            return []  # two labels in a row: labels above their values, not beside them
        if field is not None or other:
            pairs.append((field, [inline] if inline else []))
        elif pairs:
            pairs[-1][1].append(word)
    return [(field, " ".join(value)) for field, value in pairs if value and field is not None]


def _glued_pairs(cell: Cell) -> list[tuple[str, str]]:
    """'联系人张伟电话0960-2929手机139…' (borders and spaces lost): the text between two printed labels is the
    first one's value. Only for a cell that starts with a label and holds at least two."""
    found = vocab.labels_in(cell.text)
    if len(found) < 2 or found[0][0] != 0:
        return []
    pairs = []
    for (_, value_start, field), nxt in zip(found, [*found[1:], None], strict=True):
        value = cell.text[value_start: nxt[0] if nxt else None].strip(" :：")
        if not value and field is not None:
            return []  # two labels in a row: labels above their values
        if field is not None:
            pairs.append((field, value))
    return pairs


_HEAD_OF_LINE = re.compile(r"([^\s:：]{1,6})[:：]")
_TAIL_OF_LINE = re.compile(r"[^\s:：]{1,8}$")


def _label_cut_by_wrap(before: Row, after: Row) -> bool:
    """A line of header pairs wrapped inside a label: '… 自评总' / '分：100.00' (the label 自评总分 cut in two)."""
    if not before.filled or len(after.filled) != 1:
        return False
    head, tail = _HEAD_OF_LINE.match(after.filled[0].text), _TAIL_OF_LINE.search(before.filled[-1].text)
    if head is None or tail is None or vocab.header_field(head.group(1)) is not None:
        return False
    found = vocab.label_at_end(tail.group(0) + head.group(1))
    return found is not None and found[0] < len(tail.group(0))


def _unwrapped(rows: list[Row]) -> list[Row]:
    """The header rows with each label a line wrap cut joined again (the joined text flagged)."""
    out: list[Row] = []
    for row in rows:
        if out and _label_cut_by_wrap(out[-1], row):
            last, rest = out[-1].filled[-1], row.filled[0]
            text = last.text + rest.text
            joined = last.model_copy(update={"text": text, "raw": text, "confidence": min(last.confidence, 0.85)})
            out[-1] = out[-1].model_copy(update={"cells": tuple(joined if c is last else c for c in out[-1].cells)})
        else:
            out.append(row)
    return out


def read_header(section: FormSection, form: Form, rec: Recorder) -> None:
    """Label/value pairs: the value is the next filled cell that is not itself a label."""
    for row in _unwrapped(section.header):
        filled = row.filled
        for i, cell in enumerate(filled):
            if inline_pairs := _inline_pairs(cell):
                for name, value, confidence in inline_pairs:
                    _assign(form, rec, name, value, row, cell, confidence)
                continue
            if len(filled) <= 2 and (pairs := _spaced_pairs(cell) or _glued_pairs(cell)):
                for name, value in pairs:
                    _assign(form, rec, name, value, row, cell, RESPLIT_CONFIDENCE)
                continue
            field, inline = _label_of(cell)
            if field is None:
                continue
            if inline is not None:
                _assign(form, rec, field, inline, row, cell, 0.95, cell)
                continue
            nxt = filled[i + 1] if i + 1 < len(filled) else None
            if nxt is None or _label_of(nxt)[0] is not None or vocab.header_key(nxt.text) in vocab.OTHER_HEADER_LABELS:
                continue  # the next cell is a label: this one's value was left empty ('联系电话 | | 地址 | …')
            joined = nxt.model_copy(update={"text": f"{cell.text} {nxt.text}"})
            if " " in nxt.text and len(pairs := _spaced_pairs(joined)) > 1:
                for name, value in pairs:  # '实施单位 | 甲中心 主管部门 乙局': the border between the pairs was lost
                    _assign(form, rec, name, value, row, nxt, RESPLIT_CONFIDENCE, cell)
                continue
            adjacent = nxt.index == cell.index + cell.span
            _assign(form, rec, field, nxt.text, row, nxt, 1.0 if adjacent else 0.95, cell)
    _labels_above_values(section, form, rec)
    _unit_line(section, form, rec)


def _words_row(row: Row) -> Row:
    """A one-cell row whose borders were lost, as one cell per word (at re-split confidence)."""
    if len(row.filled) != 1 or " " not in row.filled[0].text:
        return row
    cell = row.filled[0]
    words = cell.text.split(" ")
    return row.model_copy(update={"cells": tuple(
        cell.model_copy(update={"text": w, "raw": w, "index": i, "confidence": min(cell.confidence, RESPLIT_CONFIDENCE)})
        for i, w in enumerate(words) if w)})


def _labels_above_values(section: FormSection, form: Form, rec: Recorder) -> None:
    """A row of labels only, the next row of values only: each value sits under its label."""
    rows = [(_words_row(r), r) for r in section.header]
    for (above, above_printed), (below, below_printed) in itertools.pairwise(rows):
        resplit = above is not above_printed or below is not below_printed
        if resplit and len(above.filled) != len(below.filled):
            continue  # words cannot be matched to labels one to one
        labels = [(c, _label_of(c)) for c in above.filled]
        if not labels or any(f is None or inline is not None for _, (f, inline) in labels):
            continue
        if any(_label_of(c)[0] is not None for c in below.filled):
            continue
        for label, (field, _) in labels:
            assert field is not None
            under = [c for c in below.filled if c.index <= label.index < c.index + c.span
                     or label.index <= c.index < label.index + label.span]
            if len(under) == 1:
                exact = under[0].index == label.index
                _assign(form, rec, field, under[0].text, below, under[0], 0.95 if exact else 0.8, label)


_UNIT_LINE = re.compile(r"^[(（]?(?:金额|资金)?单位[:：](万元|元)[)）]?$")


def _unit_line(section: FormSection, form: Form, rec: Recorder) -> None:
    """'单位：万元' printed above the tables."""
    if form.amount_unit is not None:
        return
    for row in section.header:
        for cell in row.filled:
            if match := _UNIT_LINE.match(squash(cell.text)):
                form.amount_unit = "万元" if match.group(1) == "万元" else "元"
                rec.cell("amount_unit", row, cell)
                return


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
