"""The review workbook (openpyxl): 表单, 指标, 问题, 草稿 sheets for a batch, and a hidden 校验 sheet.

草稿 has the editable columns 审核结论 (采纳/修改/退回, a drop-down) and 修改后文本 / 审核意见. The hidden
sheet records each JSON file the workbook was made from and its sha256, so an import can refuse
a workbook that does not belong to the JSON beside it.
"""

from __future__ import annotations

import hashlib
import math
import os
import tempfile
import unicodedata
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from jixiao.checks.assess import assess
from jixiao.checks.profile import RuleProfile
from jixiao.checks.review_codes import review_label
from jixiao.models import FLAG_CONFIDENCE, Document, Draft, Form
from jixiao.output import TEMP_PREFIX, file_mode
from jixiao.textsafe import workbook_text

Rows = list[list[object]]

META_SHEET = "校验"
META_VERSION = "2"
DECISIONS = ("采纳", "修改", "退回")
DRAFT_HEADER = ("编号", "文件", "表单", "项目名称", "草稿类型", "指标", "草稿内容", "生成方式", "数字核验", "审核结论",
                "修改后文本", "审核意见")
KIND_NAMES = {"deviation_reason": "偏差原因分析", "form_summary": "表单小结", "batch_summary": "部门汇总"}
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_FLAG_FILL = PatternFill("solid", fgColor="FCE4D6")
_MAX_WIDTH = 60
_LINE_HEIGHT = 15.0  # points per line of 11-pt text
_MAX_HEIGHT = 409.0  # Excel's row height limit


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _display_width(value: object) -> int:
    text = "" if value is None else str(value)
    longest = max((sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
                   for line in text.splitlines() or [""]), default=0)
    return longest


def _letter(index: int) -> str:
    return get_column_letter(index)


def _sheet(book: Workbook, title: str, header: tuple[str, ...], rows: Rows,
           flagged: list[bool] | None = None, wrap: tuple[str, ...] = ()) -> Worksheet:
    ws: Worksheet = book.create_sheet(title)
    ws.append(list(header))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = _HEAD_FILL
    for i, row in enumerate(rows):
        cleaned = [workbook_text(v) if isinstance(v, str) else (v, None) for v in row]
        ws.append([v for v, _ in cleaned])
        for cell, (value, note) in zip(ws[i + 2], cleaned, strict=False):
            if isinstance(value, str):  # form text is text: never a formula, even when it starts with =
                cell.data_type = "s"
                cell.quotePrefix = value[:1] in "=+-@"
            if note:
                cell.comment = Comment(note, "jixiao")
            if flagged and flagged[i]:
                cell.fill = _FLAG_FILL
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    for col, name in enumerate(header, start=1):
        letter = _letter(col)
        widest = max([_display_width(name)] + [_display_width(r[col - 1]) for r in rows])
        ws.column_dimensions[letter].width = min(_MAX_WIDTH, widest + 2)
        if name in wrap:
            width = ws.column_dimensions[letter].width
            for n, cell in enumerate(ws[letter][1:], start=2):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                # openpyxl stores no row height, and LibreOffice then shows one line: size rows to their text
                lines = sum(max(1, math.ceil(_display_width(part) / max(1.0, width - 1)))
                            for part in str(cell.value or "").splitlines() or [""])
                current = ws.row_dimensions[n].height or _LINE_HEIGHT
                ws.row_dimensions[n].height = min(_MAX_HEIGHT, max(current, lines * _LINE_HEIGHT))
    return ws


def draft_id(stem: str, index: int) -> str:
    return f"{stem}#{index}"


def _number_check(draft: Draft) -> str:
    return "通过" if draft.grounded else "需关注：无依据的数字 " + "、".join(draft.ungrounded_numbers)


def write_review_book(entries: list[tuple[str, Path, Document]], batch: tuple[Path, Draft] | None,
                      profile: RuleProfile, path: Path) -> None:
    """Write the workbook for (stem, JSON path, document) entries and the batch summary draft."""
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    forms: Rows = []
    indicators: Rows = []
    findings: Rows = []
    drafts: Rows = []
    form_flags, ind_flags, draft_flags = [], [], []
    for stem, _, doc in entries:
        for i, form in enumerate(doc.forms):
            be = form.budget_execution
            total = form.funds[0] if form.funds else None
            forms.append([stem, i + 1, form.project_name, "部门整体" if form.form_type == "department" else "项目支出",
                          form.year, form.department, form.amount_unit,
                          total.initial_budget if total else None, total.adjusted_budget if total else None,
                          total.executed if total else None, be.rate, be.score, form.total_score, form.grade,
                          sum(1 for f in doc.findings if f.form == i and f.severity != "info"), doc.status])
            form_flags.append(any(f.form == i and f.severity == "error" for f in doc.findings))
            for j, ind in enumerate(form.indicators):
                paths = [f for f in doc.findings if f.form == i and (f.path or "").startswith(f"indicators[{j}]")]
                low = min((p.confidence for k, p in form.provenance.items() if k.startswith(f"indicators[{j}].")),
                          default=1.0)
                short = assess(ind, profile).short
                indicators.append([stem, i + 1, j + 1, ind.level1, ind.level2, ind.name, ind.target, ind.actual,
                                   ind.weight, ind.score, "是" if short else "", "；".join(f.code for f in paths),
                                   round(low, 2), ind.explanation])
                ind_flags.append(bool(paths) or low < FLAG_CONFIDENCE)
        for f in doc.findings:
            findings.append([stem, None if f.form is None else f.form + 1, f.severity, f.code, review_label(f.code),
                             f.path, f.message, f.quote, "模型" if f.method == "llm" else "规则",
                             None if f.expected is None else str(f.expected), None if f.found is None else str(f.found)])
        for k, d in enumerate(doc.drafts):
            of: Form | None = doc.forms[d.form] if d.form is not None and d.form < len(doc.forms) else None
            ind_name = of.indicators[d.indicator].name if of and d.indicator is not None else None
            drafts.append([draft_id(stem, k), stem, None if d.form is None else d.form + 1,
                           of.project_name if of else None, KIND_NAMES[d.kind], ind_name, d.text,
                           d.method + (f"（{d.model}）" if d.model else ""), _number_check(d), None, None, None])
            draft_flags.append(not d.grounded)
    if batch is not None:
        batch_path, d = batch
        drafts.append([draft_id(batch_path.stem, 0), batch_path.stem, None, None, KIND_NAMES[d.kind], None, d.text,
                       d.method + (f"（{d.model}）" if d.model else ""), _number_check(d), None, None, None])
        draft_flags.append(not d.grounded)
    _sheet(book, "表单", ("文件", "表单", "项目名称", "类型", "年度", "主管部门", "金额单位", "年初预算数",
                         "全年预算数", "全年执行数", "执行率(%)", "执行率得分", "自评总分", "评分等级", "问题数", "状态"),
           forms, form_flags)
    _sheet(book, "指标", ("文件", "表单", "序号", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值",
                         "得分", "未完成", "问题", "最低置信度", "偏差原因分析及改进措施"), indicators, ind_flags)
    _sheet(book, "问题", ("文件", "表单", "级别", "代码", "类别", "位置", "说明", "原文", "判断方式", "应为", "填报"),
           findings, wrap=("说明", "原文"))
    ws = _sheet(book, "草稿", DRAFT_HEADER, drafts, draft_flags, wrap=("草稿内容", "修改后文本"))
    decision_col = _letter(DRAFT_HEADER.index("审核结论") + 1)
    validation = DataValidation(type="list", formula1=f'"{",".join(DECISIONS)}"', allow_blank=True,
                                showErrorMessage=True, errorTitle="审核结论", error="请选择：采纳、修改或退回")
    ws.add_data_validation(validation)
    validation.add(f"{decision_col}2:{decision_col}{max(2, len(drafts) + 1)}")
    ws.column_dimensions[decision_col].width = 10
    for col in ("草稿内容", "修改后文本"):
        ws.column_dimensions[_letter(DRAFT_HEADER.index(col) + 1)].width = _MAX_WIDTH
    meta = book.create_sheet(META_SHEET)
    meta.append(["jixiao review workbook", META_VERSION])
    for stem, json_path, _ in entries:  # documents by stem, never by path: import opens <folder>/<stem>.json
        meta.append([stem, sha256_file(json_path)])
    if batch is not None:
        meta.append([batch[0].stem, sha256_file(batch[0])])
    for row in meta.iter_rows():
        for cell in row:
            cell.data_type = "s"  # a stem like "=x" stays a name
    meta.sheet_state = "hidden"
    book.active = book.sheetnames.index("草稿")
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".xlsx", dir=path.parent)
    try:
        os.fchmod(fd, file_mode(path))
        os.close(fd)
        book.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
