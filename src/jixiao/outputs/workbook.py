"""The review workbook (openpyxl): 表单, 指标, 问题, 草稿 sheets over every document of an output folder, and a hidden
校验 sheet recording each JSON it was made from and its sha256 (an import refuses a workbook that does not belong
to the JSON beside it).

For the reviewer: 项目名称 on every sheet; colour only where a value needs a look (a printed value read below the
confidence floor, or a finding); 草稿 frozen through 草稿内容 with the editable columns 审核结论 (a drop-down of
采纳/修改/退回), 修改后文本 and 审核意见 beside it and marked green, decisions already taken shown; every sheet
prints landscape, fit to the page width, with its header row on every page. Form text is always text, never a
formula.
"""

from __future__ import annotations

import hashlib
import math
import unicodedata
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from jixiao.atomic import atomic_target
from jixiao.domain.codes import label
from jixiao.models import Document, Draft, Form
from jixiao.outputs.schema import (
    ASSESSMENT_NAMES,
    DECISIONS,
    DRAFT_HEADER,
    DRAFT_SHEET,
    EDITABLE,
    FIELD_LABELS,
    FROZEN_THROUGH,
    KIND_NAMES,
    META_SHEET,
    META_VERSION,
    SEVERITY_NAMES,
    STATUS_NAMES,
    draft_id,
    needs_look,
)
from jixiao.textsafe import workbook_text

Rows = list[list[object]]

_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_EDIT_FILL = PatternFill("solid", fgColor="E2EFDA")  # the columns a reviewer fills in
_FLAG_FILL = PatternFill("solid", fgColor="FCE4D6")
_MAX_WIDTH = 60
_LINE_HEIGHT = 15.0  # points per line of 11-pt text
_MAX_HEIGHT = 409.0  # Excel's row height limit
FORM_HEADER = ("项目名称", "文件", "表单", "类型", "年度", "主管部门", "金额单位", "年初预算数", "全年预算数",
               "全年执行数", "执行率(%)", "执行率得分", "自评总分", "评分等级", "问题数", "重复提交", "状态")
INDICATOR_HEADER = ("项目名称", "文件", "表单", "序号", "一级指标", "二级指标", "三级指标", "计量单位", "指标性质",
                    "年度指标值", "实际完成值", "偏离度(%)", "分值", "得分", "完成情况", "需关注", "偏差原因分析及改进措施")
FINDING_HEADER = ("项目名称", "文件", "表单", "级别", "类别", "说明", "原文", "判断方式", "位置", "应为", "填报", "代码")


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _display_width(value: object) -> int:
    text = "" if value is None else str(value)
    return max((sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
                for line in text.splitlines() or [""]), default=0)


def _print_setup(ws: Worksheet) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_title_rows = "1:1"


def _sheet(book: Workbook, title: str, header: tuple[str, ...], rows: Rows, flagged: list[bool] | None = None,
           wrap: tuple[str, ...] = (), widths: dict[str, int] | None = None) -> Worksheet:
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
    ws.freeze_panes = "B2"  # 项目名称 (or 编号) and the header stay in view
    ws.auto_filter.ref = ws.dimensions
    for col, name in enumerate(header, start=1):
        letter = get_column_letter(col)
        widest = max([_display_width(name)] + [_display_width(r[col - 1]) for r in rows])
        ws.column_dimensions[letter].width = (widths or {}).get(name, min(_MAX_WIDTH, widest + 2))
        if name in wrap:
            width = ws.column_dimensions[letter].width
            for n, cell in enumerate(ws[letter][1:], start=2):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                # openpyxl stores no row height, and LibreOffice then shows one line: size rows to their text
                lines = sum(max(1, math.ceil(_display_width(part) / max(1.0, width - 1)))
                            for part in str(cell.value or "").splitlines() or [""])
                current = ws.row_dimensions[n].height or _LINE_HEIGHT
                ws.row_dimensions[n].height = min(_MAX_HEIGHT, max(current, lines * _LINE_HEIGHT))
    _print_setup(ws)
    return ws


def _number_check(draft: Draft) -> str:
    if draft.grounded:
        return "通过"
    said = [f"无依据的数字 {'、'.join(draft.ungrounded_numbers)}"] if draft.ungrounded_numbers else []
    said += [f"原表没有的原因/措施 {'、'.join(draft.ungrounded_claims)}"] if draft.ungrounded_claims else []
    return "需关注：" + "；".join(said)


def _draft_row(ident: str, stem: str, form_no: int | None, project: str | None, indicator: str | None,
               d: Draft) -> list[object]:
    decided = d.decided_by == "human"
    decision = {"accepted": "采纳", "edited": "修改", "rejected": "退回"}.get(d.status) if decided else None
    return [ident, project, KIND_NAMES[d.kind], indicator, d.original_text if d.status == "edited" else d.text,
            decision, d.text if d.status == "edited" else None, d.review_note, STATUS_NAMES[d.status],
            _number_check(d), d.method + (f"（{d.model}）" if d.model else ""), stem, form_no]


def _form_rows(stem: str, doc: Document, duplicates: dict[tuple[str, int], str], out: dict[str, Rows],
               flags: dict[str, list[bool]]) -> None:
    judged = {(a.form, a.indicator): a for a in doc.assessments}
    for i, form in enumerate(doc.forms):
        be, total = form.budget_execution, (form.funds[0] if form.funds else None)
        mine = [f for f in doc.findings if f.form == i and f.severity != "info"]
        out["表单"].append([form.project_name, stem, i + 1, "部门整体" if form.form_type == "department" else "项目支出",
                          form.year, form.department, form.amount_unit,
                          total.initial_budget if total else None, total.adjusted_budget if total else None,
                          total.executed if total else None, be.rate, be.score, form.total_score, form.grade,
                          len(mine), duplicates.get((stem, i)), doc.status])
        flags["表单"].append(any(f.severity == "error" for f in mine) or (stem, i) in duplicates)
        for j, ind in enumerate(form.indicators):
            found = [f for f in mine if (f.path or "").startswith(f"indicators[{j}]")]
            looks = [k.split(".")[-1] for k, p in form.provenance.items()
                     if k.startswith(f"indicators[{j}].") and needs_look(p)]
            status = judged.get((i, j))
            out["指标"].append([form.project_name, stem, i + 1, j + 1, ind.level1, ind.level2, ind.name, ind.unit,
                              ind.operator, ind.target, ind.actual, ind.deviation_pct, ind.weight, ind.score,
                              ASSESSMENT_NAMES[status.status] if status else None,
                              "；".join([label(f.code) for f in found] + [f"{FIELD_LABELS.get(k, k)}识别置信度低"
                                                                         for k in looks]) or None,
                              ind.explanation])
            flags["指标"].append(bool(found or looks))


def _project(doc: Document, form: int | None) -> str | None:
    return doc.forms[form].project_name if form is not None and form < len(doc.forms) else None


def write_review_book(entries: list[tuple[str, Path, Document]], batch: tuple[Path, Draft] | None, path: Path,
                      duplicates: dict[tuple[str, int], str] | None = None) -> None:
    """The workbook for (stem, JSON path, document) entries and the batch summary draft; `duplicates`:
    (stem, form) → what it duplicates."""
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    rows: dict[str, Rows] = {"表单": [], "指标": [], "问题": [], DRAFT_SHEET: []}
    flags: dict[str, list[bool]] = {name: [] for name in rows}
    for stem, _, doc in entries:
        _form_rows(stem, doc, duplicates or {}, rows, flags)
        for f in doc.findings:
            rows["问题"].append([_project(doc, f.form), stem, None if f.form is None else f.form + 1,
                                SEVERITY_NAMES[f.severity], label(f.code), f.message, f.quote,
                                "模型" if f.method == "llm" else "规则", f.path,
                                None if f.expected is None else str(f.expected),
                                None if f.found is None else str(f.found), f.code])
        for k, d in enumerate(doc.drafts):
            of: Form | None = doc.forms[d.form] if d.form is not None and d.form < len(doc.forms) else None
            ind_name = of.indicators[d.indicator].name if of and d.indicator is not None else None
            rows[DRAFT_SHEET].append(_draft_row(draft_id(stem, k), stem, None if d.form is None else d.form + 1,
                                                of.project_name if of else None, ind_name, d))
            flags[DRAFT_SHEET].append(not d.grounded)
    if batch is not None:
        batch_path, d = batch
        rows[DRAFT_SHEET].append(_draft_row(draft_id(batch_path.stem, 0), batch_path.stem, None, "（本批次）", None, d))
        flags[DRAFT_SHEET].append(not d.grounded)
    _sheet(book, "表单", FORM_HEADER, rows["表单"], flags["表单"])
    _sheet(book, "指标", INDICATOR_HEADER, rows["指标"], flags["指标"], wrap=("偏差原因分析及改进措施",),
           widths={"偏差原因分析及改进措施": 40, "三级指标": 30})
    _sheet(book, "问题", FINDING_HEADER, rows["问题"], wrap=("说明", "原文"))
    _drafts_sheet(book, rows[DRAFT_SHEET], flags[DRAFT_SHEET])
    _meta(book, entries, batch)
    book.active = book.sheetnames.index(DRAFT_SHEET)
    with atomic_target(path, ".xlsx") as tmp:
        book.save(tmp)


def _drafts_sheet(book: Workbook, rows: Rows, flags: list[bool]) -> None:
    widths = {"草稿内容": _MAX_WIDTH, "修改后文本": 40, "审核意见": 20, "审核结论": 10, "项目名称": 24, "指标": 20}
    ws = _sheet(book, DRAFT_SHEET, DRAFT_HEADER, rows, flags, wrap=("草稿内容", "修改后文本", "审核意见"),
                widths=widths)
    ws.freeze_panes = f"{get_column_letter(DRAFT_HEADER.index(FROZEN_THROUGH) + 2)}2"
    for name in EDITABLE:
        head = ws.cell(row=1, column=DRAFT_HEADER.index(name) + 1)
        head.fill = _EDIT_FILL
        head.comment = Comment("请在此列填写（可编辑）；其他列由 jixiao 生成，修改无效", "jixiao")
        for cell in ws[get_column_letter(DRAFT_HEADER.index(name) + 1)][1:]:
            if not flags or cell.fill != _FLAG_FILL:
                cell.fill = _EDIT_FILL
    decision_col = get_column_letter(DRAFT_HEADER.index("审核结论") + 1)
    validation = DataValidation(type="list", formula1=f'"{",".join(DECISIONS)}"', allow_blank=True,
                                showErrorMessage=True, errorTitle="审核结论", error="请选择：采纳、修改或退回")
    ws.add_data_validation(validation)
    validation.add(f"{decision_col}2:{decision_col}{max(2, len(rows) + 1)}")


def _meta(book: Workbook, entries: list[tuple[str, Path, Document]], batch: tuple[Path, Draft] | None) -> None:
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
