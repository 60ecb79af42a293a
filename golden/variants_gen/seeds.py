"""The four seed forms drawn in the national 附件1 arrangement (issue 9: a title, its own （2023年度）
line, 项目资金（万元） spanning the funds header and value rows), in every PDF style.

The forms come from the seeds' hand-checked golden/<seed>-text/expected.json, and so does the
expected output (findings included: the same values must give the same findings). The seeds'
own indicator columns are kept (三级指标 with 一级/二级 for 浦锦/金凤; 计量单位 … 是否核心指标 for
the 重庆 seeds), inside the national blocks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from variants_gen import printing as pr
from variants_gen.build import COLUMN_WIDTH, DEFAULT_COLS, spans
from variants_gen.table import Sheet

SEEDS = ("jinfeng", "pujin", "qijiang", "yuzhong")
THREE = ("level1", "level2", "name", "target", "actual", "weight", "score", "expl")
CHONGQING = ("name", "unit", "op", "target", "actual", "dev", "coef", "weight", "score", "core", "expl")
FIELD_OF = {"op": "operator", "target": "target", "actual": "actual", "dev": "deviation_pct", "coef": "score_coef",
            "weight": "weight", "score": "score", "core": "is_core", "expl": "explanation", "name": "name",
            "unit": "unit", "level1": "level1", "level2": "level2"}
CHONGQING_LABELS = {"name": "指标名称", "target": "指标值", "actual": "全年完成值", "weight": "指标权重",
                    "score": "指标得分", "expl": "说明"}


def _num(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return pr.trim(float(value), 6) if isinstance(value, int | float) else str(value)


def _header(sheet: Sheet, pairs: list[tuple[str, str]]) -> None:
    widths = spans(len(pairs), sheet.ncols)
    col = 0
    for (label, value), w in zip(pairs, widths, strict=True):
        lw = 2 if w >= 5 else 1
        sheet.add(col, label, lw, head=True)
        sheet.add(col + lw, value, w - lw)
        col += w
    sheet.next_row()


def seed_sheet(form: dict[str, Any]) -> Sheet:
    """One seed form as a national-arrangement sheet."""
    leveled = any(i.get("level1") for i in form["indicators"])
    cols = THREE if leveled else CHONGQING
    sheet = Sheet(widths=[48.0] + [float(COLUMN_WIDTH[c]) for c in cols])
    n = sheet.ncols
    sheet.above.append(form["title"] or "项目支出绩效自评表")
    if form["year"] and str(form["year"]) not in (form["title"] or ""):
        sheet.above.append(f"（{form['year']}年度）")
    _header(sheet, [("项目名称", form["project_name"] or "")])
    if form.get("project_code"):
        _header(sheet, [("项目编码", form["project_code"])])
    _header(sheet, [("主管部门", form["department"] or ""), ("实施单位", form["implementing_unit"] or "")])
    extra = [(lab, form[key]) for key, lab in (("finance_office", "财政归口处室"), ("contact", "联系人"),
                                              ("phone", "联系电话")) if form.get(key)]
    if extra:
        _header(sheet, extra)
    funds, be = form["funds"], form["budget_execution"]
    lw = n - 7
    sheet.add(0, f"项目资金（{form['amount_unit'] or '万元'}）", 1, rowspan=1 + len(funds), head=True)
    sheet.row((1, "", lw), (1 + lw, "年初预算数"), (2 + lw, "全年预算数"), (3 + lw, "全年执行数"), (4 + lw, "分值"),
              (5 + lw, "执行率"), (6 + lw, "得分"), head=True)
    score_row = next((i for i, f in enumerate(funds) if f["rate"] is not None), 0)
    for i, fund in enumerate(funds):
        rate = f"{_num(fund['rate'])}%" if fund["rate"] is not None else ""
        sheet.row((1, fund["label"], lw), (1 + lw, _num(fund["initial_budget"])), (2 + lw, _num(fund["adjusted_budget"])),
                  (3 + lw, _num(fund["executed"])), (4 + lw, _num(be["weight"]) if i == score_row else "—"),
                  (5 + lw, rate), (6 + lw, _num(be["score"]) if i == score_row else "—"))
    half = (n - 2) // 2
    goals = form["goals"]
    sheet.add(0, "年度总体目标", 2, rowspan=2, head=True)
    sheet.row((2, "预期目标", half), (2 + half, "实际完成情况", n - 2 - half), head=True)
    sheet.row((2, goals["initial"] or "", half), (2 + half, goals["actual"] or "", n - 2 - half))
    inds = form["indicators"]
    sheet.add(0, "绩效指标", 1, rowspan=1 + len(inds), head=True)
    labels = {**DEFAULT_COLS, **({} if leveled else CHONGQING_LABELS)}
    sheet.row(*[(1 + k, labels[c]) for k, c in enumerate(cols)], head=True)
    for i, ind in enumerate(inds):
        for k, c in enumerate(cols):
            value = ind.get(FIELD_OF[c])
            if c in ("level1", "level2") and i and inds[i - 1].get(c) == value and \
                    (c == "level1" or inds[i - 1].get("level1") == ind.get("level1")):
                continue  # merged over the rows it covers
            rowspan = 1
            if c in ("level1", "level2"):
                while i + rowspan < len(inds) and inds[i + rowspan].get(c) == value and \
                        (c == "level1" or inds[i + rowspan].get("level1") == ind.get("level1")):
                    rowspan += 1
            sheet.add(1 + k, _num(value) if c not in ("name", "expl") else (value or ""), rowspan=rowspan)
        sheet.next_row()
    w_at, s_at = 1 + cols.index("weight"), 1 + cols.index("score")
    sheet.row((0, "总分", w_at), (w_at, _num(form["total_weight"])), (s_at, _num(form["total_score"])))
    if form.get("grade"):
        sheet.row((0, "评分等级", 2), (2, form["grade"], n - 2))
    return sheet


def seed_cases(golden: Path) -> list[tuple[str, list[Sheet], str]]:
    """(seed, its sheets, its expected.json text) for every seed."""
    out = []
    for seed in SEEDS:
        text = (golden / f"{seed}-text" / "expected.json").read_text(encoding="utf-8")
        body = json.loads(text)
        out.append((seed, [seed_sheet(f) for f in body["forms"]], text))
    return out
