"""Pass for the goals block (年初绩效目标 / 全年（调整）绩效目标 / 实际完成情况).

Each text cell goes to the nearest goals column at or left of it, so goals printed in merged
cells spanning several columns land in the right field.
"""

from __future__ import annotations

import re

from jixiao.domain import vocabulary as vocab
from jixiao.layout import Row
from jixiao.models import Form
from jixiao.parse.record import Recorder
from jixiao.parse.resplit import RESPLIT_CONFIDENCE
from jixiao.parse.segment import FormSection, goal_row_parts

# a numbered heading of the next part of the block ('2.项目实施内容及过程概述'), printed beside its own text
_OUTLINE_HEADING = re.compile(r"[（(]?\d{1,2}[)）.、．]\s*[\u4e00-\u9fff（）()]{2,16}")
_PART_WORDS = ("概述", "情况", "说明", "内容", "分析")
# a space that ends a sentence or a clause-less phrase, not one after a comma or colon inside a sentence
_SENTENCE_GAP = re.compile(r"(?<=[。！？.!?]) (?=\S)|(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff“‘(（])")


def _resplit(row: Row, columns: list[tuple[int, str]], rec: Recorder) -> Row | None:
    """A goals row whose cell borders were lost: one cell holding every column's text. Cut it
    where the texts meet when that gives exactly one text per column; otherwise read nothing."""
    filled = row.filled
    if len(columns) < 2 or len(filled) != 1 or " " not in filled[0].text:
        return row
    if filled[0].index not in (index for index, _ in columns) and len(row.cells) > 1:
        return row  # a text in a merged cell, printed apart from its neighbours
    parts = [p for p in _SENTENCE_GAP.split(filled[0].text) if p.strip()]
    if parts and vocab.header_key(parts[0]) in vocab.GOALS_LABELS:
        parts = parts[1:]  # the block's label ('年度总体目标') printed in the row's first cell
    if len(parts) <= 1:
        return row.model_copy(update={"cells": (filled[0].model_copy(update={"text": parts[0] if parts else ""}),)})
    confidence = RESPLIT_CONFIDENCE
    fields = [field for _, field in columns]
    if len(parts) == len(columns) - 1 and "adjusted" in fields:
        # 年初 / 调整 / 实际 with two texts: the 调整 column is the one commonly left empty (a guess)
        columns = [c for c in columns if c[1] != "adjusted"]
        confidence = 0.6
    if len(parts) != len(columns):
        rec.finding("GOALS_UNSPLIT", "warning", "goals",
                    f"第{row.line or '?'}行绩效目标的单元格分隔符丢失，无法确定各栏文字的分界，未读取",
                    found=filled[0].text)
        return None
    cells = tuple(filled[0].model_copy(update={"text": part, "raw": part, "index": index,
                                               "confidence": min(filled[0].confidence, confidence)})
                  for part, (index, _) in zip(parts, columns, strict=True))
    return row.model_copy(update={"cells": cells})


def read_goals(section: FormSection, form: Form, rec: Recorder) -> None:
    for row in section.goal_rows:  # label left of its text
        label_text = goal_row_parts(row)
        if label_text is None:
            continue
        label, text = label_text
        goal = vocab.goal_column(label) or "initial"
        if getattr(form.goals, goal) is None:
            setattr(form.goals, goal, text.text)
            rec.cell(f"goals.{goal}", row, text)
    if section.goals_header is None:
        return
    columns = sorted(
        (cell.index, field) for cell in section.goals_header.filled
        if (field := vocab.goal_column(cell.text))
    )
    if not columns:
        return
    texts: dict[str, list[str]] = {}
    # a header cut out of a row whose borders were lost: where one goal's text ends is a guess too
    header_sure = min(c.confidence for c in section.goals_header.filled)
    for printed in section.goals:
        split = _resplit(printed, columns, rec)
        if split is None:
            continue
        row = split
        first = row.filled[0].text if row.filled else ""
        if _OUTLINE_HEADING.fullmatch(first) and (len(row.filled) >= 2 or first.endswith(_PART_WORDS)):
            break  # not a goal: the next part of a 项目基本情况 block, and the rows under it are that part's text
        for cell in row.filled:
            if vocab.header_key(cell.text) in vocab.GOALS_LABELS:
                continue
            left = [field for index, field in columns if index <= cell.index]
            field = left[-1] if left else columns[0][1]
            exact = any(index == cell.index for index, _ in columns)
            path = f"goals.{field}"
            if field not in texts:
                note = None if exact else "text in a merged cell; assigned to the goals column on its left"
                if cell.confidence < 1.0 and row is not printed:
                    note = "cell borders lost; the row was cut where one sentence ends and the next begins"
                rec.cell(path, row, cell, min(1.0 if exact else 0.9, header_sure), note)
            texts.setdefault(field, []).append(cell.text)
    for field, parts in texts.items():
        setattr(form.goals, field, "".join(parts))
