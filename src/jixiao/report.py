"""A self-contained HTML report per input: each form's fields, findings and drafts, and for PDF/scan
inputs the page pictures with the source region of the selected field outlined."""

from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel

from jixiao.checks.review_codes import REVIEW_LABELS
from jixiao.ingest import page_pictures
from jixiao.models import FLAG_CONFIDENCE, Document, Provenance
from jixiao.report_grid import cell_label, provenance_key, source_grids

_TEMPLATES = Path(__file__).resolve().parent / "templates"


class FieldRow(BaseModel):
    path: str
    label: str
    value: str
    method: str | None = None
    confidence: float | None = None
    page: int | None = None
    bbox: tuple[float, float, float, float] | None = None
    source_text: str | None = None
    flagged: bool = False
    ref: str | None = None  # spreadsheet/Word source cell (see report_grid)
    where: str | None = None  # that cell for a reader: 就业补助资金!G21, 表1 第5行第3列


_FORM_FIELDS = (("project_name", "项目名称"), ("department", "主管部门"), ("implementing_unit", "实施单位"),
                ("year", "年度"), ("amount_unit", "金额单位"), ("total_score", "自评总分"), ("grade", "评分等级"))
_BUDGET = (("budget_execution.rate", "执行率(%)"), ("budget_execution.weight", "执行率分值"),
           ("budget_execution.score", "执行率得分"))
_INDICATOR = (("name", "三级指标"), ("target", "年度指标值"), ("actual", "实际完成值"), ("weight", "分值"),
              ("score", "得分"), ("explanation", "偏差原因"))


def _row(path: str, label: str, value: object, prov: Provenance | None, flagged_paths: set[str]) -> FieldRow:
    text = "" if value is None else (f"{value:.15g}" if isinstance(value, float) else str(value))
    return FieldRow(path=path, label=label, value=text, method=prov.method if prov else None,
                    confidence=prov.confidence if prov else None, page=prov.page if prov else None,
                    bbox=prov.bbox if prov else None, source_text=prov.source_text if prov else None,
                    ref=provenance_key(prov), where=cell_label(prov),
                    flagged=path in flagged_paths or (prov is not None and prov.confidence < FLAG_CONFIDENCE))


def field_rows(document: Document, index: int) -> list[FieldRow]:
    form = document.forms[index]
    flagged = {f.path for f in document.findings if f.form == index and f.path and f.severity != "info"}
    data = form.model_dump()
    rows = [_row(p, label, data.get(p), form.provenance.get(p), flagged) for p, label in _FORM_FIELDS]
    be = form.budget_execution.model_dump()
    rows += [_row(p, label, be.get(p.split(".")[1]), form.provenance.get(p), flagged) for p, label in _BUDGET]
    for i, fund in enumerate(form.funds):
        for key, label in (("adjusted_budget", "全年预算数"), ("executed", "全年执行数")):
            path = f"funds[{i}].{key}"
            rows.append(_row(path, f"{fund.label} {label}", getattr(fund, key), form.provenance.get(path), flagged))
    for i, ind in enumerate(form.indicators):
        values = ind.model_dump()
        for key, label in _INDICATOR:
            path = f"indicators[{i}].{key}"
            rows.append(_row(path, f"{i + 1}. {label}", values.get(key), form.provenance.get(path), flagged))
    return rows


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(str(_TEMPLATES)), undefined=StrictUndefined,
                       autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)


def report_html(document: Document, with_pictures: bool = True) -> str:
    """The report for one document (pictures embedded as data: URIs)."""
    pictures: dict[int, str] = {}
    if with_pictures and document.source.page_geometry:
        try:
            raw = page_pictures(Path(document.source.path), document.source.page_geometry)
        except Exception:  # the input moved or cannot be rendered: the report is still useful without pictures
            raw = {}
        pictures = {n: base64.b64encode(b).decode("ascii") for n, b in raw.items()}
    geometry = {g.number: g for g in document.source.page_geometry}
    forms = [{"index": i, "form": form, "fields": field_rows(document, i),
              "findings": [f for f in document.findings if f.form == i],
              "drafts": [d for d in document.drafts if d.form == i]} for i, form in enumerate(document.forms)]
    return _environment().get_template("report.html.j2").render(
        document=document, forms=forms, pictures=pictures, geometry=geometry, labels=REVIEW_LABELS,
        grids=source_grids(document) if with_pictures else [],
        file_findings=[f for f in document.findings if f.form is None])
