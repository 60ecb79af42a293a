"""The review workbook (openpyxl): 表单, 指标, 问题, 草稿 sheets over every document of an output folder, and a hidden
校验 sheet recording each JSON it was made from and its sha256 (an import refuses a workbook that does not belong
to the JSON beside it).

For the reviewer: 项目名称 on every sheet; colour only where a value needs a look (a printed value read below the
confidence floor, or a finding); 草稿 frozen through 草稿内容 with the editable columns 审核结论 (a drop-down of
采纳/修改/退回), 修改后文本 and 审核意见 beside it and marked green, decisions already taken shown; every sheet
prints landscape, fit to the page width, with its header row on every page. Form text is always text, never a
formula.

Written in openpyxl's write-only mode from documents read back one item at a time (`outputs.jsonfile`) and their
summaries: the rows go to a spool per sheet first (to size the columns), so a folder of 12,000 forms is never held
as cells.
"""

from __future__ import annotations

import hashlib
import json
import math
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from jixiao.atomic import TEMP_PREFIX, atomic_target
from jixiao.domain.codes import label
from jixiao.models import Assessment, Draft, Finding, Form
from jixiao.outputs.jsonfile import iter_items
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
from jixiao.outputs.summary import DocumentSummary
from jixiao.textsafe import workbook_text

Row = list[object]

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
Entry = tuple[str, Path, DocumentSummary]  # (stem, its JSON, its summary)


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _display_width(value: object) -> int:
    text = "" if value is None else str(value)
    return max((sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
                for line in text.splitlines() or [""]), default=0)


class _Spool:
    """A sheet's rows on disk until the columns are sized: one JSON line [row, flagged] each."""

    def __init__(self, header: tuple[str, ...]) -> None:
        self.header = header
        self.widths = [_display_width(name) for name in header]
        self.rows = 0
        self.file: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8", prefix=TEMP_PREFIX)  # noqa: SIM115

    def add(self, row: Row, flagged: bool = False) -> None:
        for k, value in enumerate(row):
            self.widths[k] = max(self.widths[k], _display_width(value))
        self.file.write(json.dumps([row, flagged], ensure_ascii=False) + "\n")
        self.rows += 1

    def __iter__(self) -> Iterator[tuple[Row, bool]]:
        self.file.seek(0)
        for line in self.file:
            row, flagged = json.loads(line)
            yield row, flagged


def _print_setup(ws: Any) -> None:  # WriteOnlyWorksheet: its stubs lack the attributes it has
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_title_rows = "1:1"


def _sheet(book: Workbook, title: str, spool: _Spool, wrap: tuple[str, ...] = (), widths: dict[str, int] | None = None,
           editable: tuple[str, ...] = (), freeze: str = "B2") -> Any:
    ws: Any = book.create_sheet(title)
    header = spool.header
    sized = [float((widths or {}).get(name, min(_MAX_WIDTH, spool.widths[k] + 2))) for k, name in enumerate(header)]
    for k, width in enumerate(sized):
        ws.column_dimensions[get_column_letter(k + 1)].width = width
    ws.freeze_panes = freeze  # 项目名称 (or 编号) and the header stay in view
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{spool.rows + 1}"
    _print_setup(ws)
    head = []
    for name in header:
        cell = WriteOnlyCell(ws, name)
        cell.font = Font(bold=True)
        cell.fill = _EDIT_FILL if name in editable else _HEAD_FILL
        if name in editable:
            cell.comment = Comment("请在此列填写（可编辑）；其他列由 jixiao 生成，修改无效", "jixiao")
        head.append(cell)
    ws.append(head)
    wrapped = {header.index(name) for name in wrap}
    edit_cols = {header.index(name) for name in editable}
    for n, (row, flagged) in enumerate(spool, start=2):
        cells = []
        lines = 1
        for k, value in enumerate(row):
            text, note = workbook_text(value) if isinstance(value, str) else (value, None)
            cell = WriteOnlyCell(ws, text)  # type: ignore[arg-type]
            if isinstance(text, str):  # form text is text: never a formula, even when it starts with =
                cell.data_type = "s"
                cell.quotePrefix = text[:1] in "=+-@"
            if note:
                cell.comment = Comment(note, "jixiao")
            if flagged:
                cell.fill = _FLAG_FILL
            elif k in edit_cols:
                cell.fill = _EDIT_FILL
            if k in wrapped:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                # openpyxl stores no row height, and LibreOffice then shows one line: size rows to their text
                lines = max(lines, sum(max(1, math.ceil(_display_width(part) / max(1.0, sized[k] - 1)))
                                       for part in str(text or "").splitlines() or [""]))
            cells.append(cell)
        if wrapped:
            ws.row_dimensions[n].height = min(_MAX_HEIGHT, lines * _LINE_HEIGHT)
        ws.append(cells)  # written to the sheet's stream at once: its height is no longer needed
        ws.row_dimensions.pop(n, None)
    return ws


def _number_check(draft: Draft) -> str:
    return "通过" if draft.grounded else "需关注：无依据的数字 " + "、".join(draft.ungrounded_numbers)


def _draft_row(ident: str, stem: str, form_no: int | None, project: str | None, indicator: str | None,
               d: Draft) -> Row:
    decided = d.decided_by == "human"
    decision = {"accepted": "采纳", "edited": "修改", "rejected": "退回"}.get(d.status) if decided else None
    return [ident, project, KIND_NAMES[d.kind], indicator, d.original_text if d.status == "edited" else d.text,
            decision, d.text if d.status == "edited" else None, d.review_note, STATUS_NAMES[d.status],
            _number_check(d), d.method + (f"（{d.model}）" if d.model else ""), stem, form_no]


def _forms(stem: str, path: Path, summary: DocumentSummary, duplicates: dict[tuple[str, int], str],
           sheets: dict[str, _Spool]) -> dict[int, list[str | None]]:
    """表单 and 指标 rows of one document, read a form at a time; returns each form's indicator names."""
    names: dict[int, list[str | None]] = {}
    notable: dict[int, list[Finding]] = {}
    for f in summary.notable:
        if f.form is not None:
            notable.setdefault(f.form, []).append(f)
    assessments: Iterator[Assessment] = iter_items(path, "assessments")
    pending: Assessment | None = next(assessments, None)
    form: Form
    for i, form in enumerate(iter_items(path, "forms")):
        judged: dict[int, Assessment] = {}
        while pending is not None and pending.form <= i:
            if pending.form == i:
                judged[pending.indicator] = pending
            pending = next(assessments, None)
        be, total = form.budget_execution, (form.funds[0] if form.funds else None)
        mine = notable.get(i, [])
        sheets["表单"].add([form.project_name, stem, i + 1, "部门整体" if form.form_type == "department" else "项目支出",
                           form.year, form.department, form.amount_unit,
                           total.initial_budget if total else None, total.adjusted_budget if total else None,
                           total.executed if total else None, be.rate, be.score, form.total_score, form.grade,
                           len(mine), duplicates.get((stem, i)), summary.status],
                          any(f.severity == "error" for f in mine) or (stem, i) in duplicates)
        for j, ind in enumerate(form.indicators):
            found = [f for f in mine if (f.path or "").startswith(f"indicators[{j}]")]
            looks = [k.split(".")[-1] for k, p in form.provenance.items()
                     if k.startswith(f"indicators[{j}].") and needs_look(p)]
            status = judged.get(j)
            sheets["指标"].add([form.project_name, stem, i + 1, j + 1, ind.level1, ind.level2, ind.name, ind.unit,
                               ind.operator, ind.target, ind.actual, ind.deviation_pct, ind.weight, ind.score,
                               ASSESSMENT_NAMES[status.status] if status else None,
                               "；".join([label(f.code) for f in found] + [f"{FIELD_LABELS.get(k, k)}识别置信度低"
                                                                          for k in looks]) or None,
                               ind.explanation], bool(found or looks))
        names[i] = [ind.name for ind in form.indicators]
    return names


def _document_rows(stem: str, path: Path, summary: DocumentSummary, duplicates: dict[tuple[str, int], str],
                   sheets: dict[str, _Spool]) -> None:
    names = _forms(stem, path, summary, duplicates, sheets)
    projects = {f.index: f.project_name for f in summary.forms}
    f: Finding
    for f in iter_items(path, "findings"):
        sheets["问题"].add([projects.get(f.form) if f.form is not None else None, stem,
                           None if f.form is None else f.form + 1, SEVERITY_NAMES[f.severity], label(f.code),
                           f.message, f.quote, "模型" if f.method == "llm" else "规则", f.path,
                           None if f.expected is None else str(f.expected), None if f.found is None else str(f.found),
                           f.code])
    d: Draft
    for k, d in enumerate(iter_items(path, "drafts")):
        known = d.form is not None and d.form in names
        indicators = names.get(d.form, []) if d.form is not None else []
        ind_name = indicators[d.indicator] if known and d.indicator is not None and d.indicator < len(indicators) \
            else None
        sheets[DRAFT_SHEET].add(_draft_row(draft_id(stem, k), stem, None if d.form is None else d.form + 1,
                                           projects.get(d.form) if known and d.form is not None else None, ind_name, d),
                                not d.grounded)


def write_review_book(entries: list[Entry], batch: tuple[Path, Draft] | None, path: Path,
                      duplicates: dict[tuple[str, int], str] | None = None) -> None:
    """The workbook for (stem, JSON path, summary) entries and the batch summary draft; `duplicates`:
    (stem, form) → what it duplicates."""
    sheets = {"表单": _Spool(FORM_HEADER), "指标": _Spool(INDICATOR_HEADER), "问题": _Spool(FINDING_HEADER),
              DRAFT_SHEET: _Spool(DRAFT_HEADER)}
    try:
        for stem, json_path, summary in entries:
            _document_rows(stem, json_path, summary, duplicates or {}, sheets)
        if batch is not None:
            batch_path, d = batch
            sheets[DRAFT_SHEET].add(_draft_row(draft_id(batch_path.stem, 0), batch_path.stem, None, "（本批次）", None,
                                               d), not d.grounded)
        book = Workbook(write_only=True)
        _sheet(book, "表单", sheets["表单"])
        _sheet(book, "指标", sheets["指标"], wrap=("偏差原因分析及改进措施",),
               widths={"偏差原因分析及改进措施": 40, "三级指标": 30})
        _sheet(book, "问题", sheets["问题"], wrap=("说明", "原文"))
        _drafts_sheet(book, sheets[DRAFT_SHEET])
        _meta(book, entries, batch)
        book.active = book.sheetnames.index(DRAFT_SHEET)
        with atomic_target(path, ".xlsx") as tmp:
            book.save(tmp)
    finally:
        for spool in sheets.values():
            spool.file.close()


def _drafts_sheet(book: Workbook, spool: _Spool) -> None:
    widths = {"草稿内容": _MAX_WIDTH, "修改后文本": 40, "审核意见": 20, "审核结论": 10, "项目名称": 24, "指标": 20}
    decision_col = get_column_letter(DRAFT_HEADER.index("审核结论") + 1)
    validation = DataValidation(type="list", formula1=f'"{",".join(DECISIONS)}"', allow_blank=True,
                                showErrorMessage=True, errorTitle="审核结论", error="请选择：采纳、修改或退回")
    validation.add(f"{decision_col}2:{decision_col}{max(2, spool.rows + 1)}")
    ws = _sheet(book, DRAFT_SHEET, spool, wrap=("草稿内容", "修改后文本", "审核意见"), widths=widths,
                editable=EDITABLE, freeze=f"{get_column_letter(DRAFT_HEADER.index(FROZEN_THROUGH) + 2)}2")
    ws.data_validations.append(validation)


def _meta(book: Workbook, entries: list[Entry], batch: tuple[Path, Draft] | None) -> None:
    meta: Any = book.create_sheet(META_SHEET)
    meta.sheet_state = "hidden"

    def row(*values: str) -> None:
        cells = []
        for value in values:
            cell = WriteOnlyCell(meta, value)
            cell.data_type = "s"  # a stem like "=x" stays a name
            cells.append(cell)
        meta.append(cells)

    row("jixiao review workbook", META_VERSION)
    for stem, json_path, _ in entries:  # documents by stem, never by path: import opens <folder>/<stem>.json
        row(stem, sha256_file(json_path))
    if batch is not None:
        row(batch[0].stem, sha256_file(batch[0]))
