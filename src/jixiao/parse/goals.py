"""Pass for the goals block (年初绩效目标 / 全年（调整）绩效目标 / 实际完成情况).

Each text cell goes to the nearest goals column at or left of it, so goals printed in merged
cells spanning several columns land in the right field.
"""

from __future__ import annotations

from jixiao.domain import vocabulary as vocab
from jixiao.models import Form
from jixiao.parse.record import Recorder
from jixiao.parse.segment import FormSection


def read_goals(section: FormSection, form: Form, rec: Recorder) -> None:
    if section.goals_header is None:
        return
    columns = sorted(
        (cell.index, field) for cell in section.goals_header.filled
        if (field := vocab.goal_column(cell.text))
    )
    if not columns:
        return
    texts: dict[str, list[str]] = {}
    for row in section.goals:
        for cell in row.filled:
            if vocab.header_key(cell.text) in vocab.GOALS_LABELS:
                continue
            left = [field for index, field in columns if index <= cell.index]
            field = left[-1] if left else columns[0][1]
            exact = any(index == cell.index for index, _ in columns)
            path = f"goals.{field}"
            if field not in texts:
                rec.cell(path, row, cell, 1.0 if exact else 0.9,
                         None if exact else "text in a merged cell; assigned to the goals column on its left")
            texts.setdefault(field, []).append(cell.text)
    for field, parts in texts.items():
        setattr(form.goals, field, "".join(parts))
