"""The sheets a unit's workbook holds beside its 自评表: the 绩效目标申报表, a mid-year 执行监控表, 填报说明.

None of them is a self-evaluation: a reader must skip them (issue 10), and they are drawn from the same
form so that what they print looks like the real form's content.
"""

from __future__ import annotations

import random

from openpyxl.worksheet.worksheet import Worksheet

from jixiao.models import Form


def declaration(ws: Worksheet, form: Form) -> None:
    """A 绩效目标申报表 sheet: what the unit declared at the start of the year (no 完成值, no 得分)."""
    ws.append(["项目支出绩效目标申报表"])
    ws.append([f"（{form.year}年度）"])
    ws.append(["项目名称", form.project_name or form.department or ""])
    ws.append(["主管部门", form.department or ""])
    ws.append(["年度绩效目标", form.goals.initial or ""])
    ws.append(["一级指标", "二级指标", "三级指标", "指标值"])
    for ind in form.indicators:
        ws.append([ind.level1 or "", ind.level2 or "", ind.name, ind.target or ""])
        if (target := ws.cell(row=ws.max_row, column=4)).data_type == "f":  # '=95% is text, not a formula
            target.data_type = "s"
            target.quotePrefix = True
    for r in (1, 2):
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=4)


def monitoring(ws: Worksheet, form: Form) -> None:
    """A 执行监控表 sheet: mid-year progress on the same indicators (预计完成, not the year's 完成值)."""
    ws.append(["项目支出绩效目标执行监控表"])
    ws.append(["项目名称", form.project_name or form.department or "", "", "主管部门", form.department or ""])
    ws.append(["一级指标", "二级指标", "三级指标", "年度指标值", "1-7月执行情况", "全年预计完成情况", "偏差原因分析"])
    for ind in form.indicators:
        ws.append([ind.level1 or "", ind.level2 or "", ind.name, ind.target or "", "", ind.actual or "", ""])
        for cell in ws[ws.max_row]:
            if cell.data_type == "f":  # '=95% is text, not a formula
                cell.data_type, cell.quotePrefix = "s", True


def instructions(ws: Worksheet, rng: random.Random) -> None:
    title = rng.choice(["填报说明", "自评表填报说明", "项目支出绩效自评表填报说明"])
    for line in (title, "一、本表由预算单位在年度终了后填报。", "二、金额单位以表内标注为准。",
                 "三、得分保留两位小数，总分为各项得分之和。"):
        ws.append([line])
    ws.column_dimensions["A"].width = 60
