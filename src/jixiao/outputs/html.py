"""A self-contained HTML report per input: each form's header fields, its indicators as a table like the form's,
the findings and drafts with Chinese labels, and beside them the source — the page pictures of a PDF or scan
(zoomable; the selected value's region outlined), the sheets/tables of a spreadsheet or Word input (the value's cell
marked, see `report_grid`) or the numbered lines of a text input (the value's line marked).
Form text is escaped: no live markup."""

from __future__ import annotations

import base64
import re
from pathlib import Path

from pydantic import BaseModel

from jixiao.domain.codes import label
from jixiao.domain.format import plain
from jixiao.ingest import page_pictures
from jixiao.models import Document, Form, Provenance
from jixiao.outputs.report_grid import cell_label, provenance_key, source_grids
from jixiao.outputs.schema import ASSESSMENT_NAMES, FIELD_LABELS, KIND_NAMES, SEVERITY_NAMES, STATUS_NAMES, needs_look
from jixiao.templating import render

MAX_SOURCE_LINES = 5000


class Cell(BaseModel):
    """One value as the report shows it, with where it came from."""

    path: str
    value: str
    method: str | None = None
    confidence: float | None = None
    page: int | None = None
    line: int | None = None
    bbox: tuple[float, float, float, float] | None = None
    source_text: str | None = None
    flagged: bool = False
    ref: str | None = None  # spreadsheet/Word source cell (see report_grid)
    where: str | None = None  # that cell for a reader: 就业补助资金!G21, 表1 第5行第3列


class FieldRow(Cell):
    label: str


class ReviewControls(BaseModel):
    """The review page's decision controls (`jixiao review serve`): where a decision is posted, the sha256 of the
    JSON the page shows (a decision on a changed JSON is refused), and each draft's text as shown (protected)."""

    action: str
    sha256: str
    shown: dict[int, str]


_FORM_FIELDS = ("project_name", "project_code", "department", "implementing_unit", "year", "amount_unit",
                "total_score", "grade")
_BUDGET = ("budget_execution.rate", "budget_execution.weight", "budget_execution.score")
INDICATOR_COLUMNS = ("level1", "level2", "name", "unit", "operator", "target", "actual", "deviation_pct", "weight",
                     "score", "explanation")
_PART = re.compile(r"^(indicators|funds)\[(\d+)\]\.?(.*)$")


def path_label(path: str | None) -> str:
    """'indicators[3].score' → '第4项指标·得分'; 'budget_execution.rate' → '预算执行·执行率(%)'."""
    if not path:
        return ""
    match = _PART.match(path)
    if match:
        kind, index, rest = match.groups()
        head = f"第{int(index) + 1}项{'指标' if kind == 'indicators' else '资金'}"
        return head + (f"·{FIELD_LABELS.get(rest, rest)}" if rest else "")
    return "·".join(FIELD_LABELS.get(part, part) for part in path.split("."))


def _cell(path: str, value: object, prov: Provenance | None, flagged_paths: set[str]) -> Cell:
    return Cell(path=path, value=plain(value), method=prov.method if prov else None,
                confidence=prov.confidence if prov else None, page=prov.page if prov else None,
                line=prov.line if prov else None, bbox=prov.bbox if prov else None,
                source_text=prov.source_text if prov else None,
                ref=provenance_key(prov), where=cell_label(prov),
                flagged=path in flagged_paths or needs_look(prov))


def _value(form: Form, path: str) -> object:
    target: object = form
    for part in path.split("."):
        match = re.match(r"^(\w+)\[(\d+)\]$", part)
        target = getattr(target, match.group(1))[int(match.group(2))] if match else getattr(target, part)
    return target


def field_rows(document: Document, index: int) -> list[FieldRow]:
    """The form's header, budget and funds values, one row each."""
    form = document.forms[index]
    flagged = {f.path for f in document.findings if f.form == index and f.path and f.severity != "info"}
    paths = [*_FORM_FIELDS, *_BUDGET]
    paths += [f"funds[{i}].{key}" for i in range(len(form.funds)) for key in ("adjusted_budget", "executed")]
    rows = []
    for path in paths:
        cell = _cell(path, _value(form, path), form.provenance.get(path), flagged)
        fund = _PART.match(path)
        name = (f"{form.funds[int(fund.group(2))].label} {FIELD_LABELS[fund.group(3)]}" if fund
                else FIELD_LABELS[path.split(".")[-1]])
        rows.append(FieldRow(label=name, **cell.model_dump()))
    return rows


def indicator_rows(document: Document, index: int) -> list[dict[str, object]]:
    """The indicator table as printed, plus each indicator's standing from the recorded assessment."""
    form = document.forms[index]
    flagged = {f.path for f in document.findings if f.form == index and f.path and f.severity != "info"}
    judged = {a.indicator: a for a in document.assessments if a.form == index}
    rows: list[dict[str, object]] = []
    for i, ind in enumerate(form.indicators):
        cells = [_cell(f"indicators[{i}].{key}", getattr(ind, key), form.provenance.get(f"indicators[{i}].{key}"),
                       flagged) for key in INDICATOR_COLUMNS]
        status = judged.get(i)
        rows.append({"number": i + 1, "cells": cells, "status": ASSESSMENT_NAMES[status.status] if status else "",
                     "reasons": "；".join(status.reasons) if status else ""})
    return rows


def _indicator_table(document: Document, index: int) -> dict[str, object]:
    """The indicator rows and column labels, without the columns this form's layout does not have."""
    rows = indicator_rows(document, index)
    keep = [k for k in range(len(INDICATOR_COLUMNS))
            if any(row["cells"][k].value for row in rows)]  # type: ignore[index]
    for row in rows:
        row["cells"] = [row["cells"][k] for k in keep]  # type: ignore[index]
    return {"indicators": rows, "columns": [FIELD_LABELS[INDICATOR_COLUMNS[k]] for k in keep]}


def _source_lines(document: Document) -> list[str]:
    """The lines of a text input, for the source panel (none when the input has moved)."""
    if document.source.kind != "text":
        return []
    try:
        raw = Path(document.source.path).read_bytes()
        text = raw.decode(document.source.encoding or "utf-8", errors="replace")
    except (OSError, LookupError):
        return []
    return text.splitlines()[:MAX_SOURCE_LINES]


_PICTURES: dict[tuple[object, ...], dict[int, str]] = {}  # the last two inputs' pictures (the review page
# renders a form, then its report again after each decision)


def _pictures(document: Document) -> dict[int, str]:
    """The page pictures as base64 JPEG; {} when the input moved or cannot be rendered (the report is still
    useful without them)."""
    path = Path(document.source.path)
    try:
        info = path.stat()
    except OSError:
        return {}
    key = (str(path), info.st_mtime_ns, info.st_size, tuple(g.model_dump_json() for g in document.source.page_geometry))
    if key not in _PICTURES:
        try:
            raw = page_pictures(path, document.source.page_geometry)
        except Exception:
            raw = {}
        while len(_PICTURES) >= 2:
            _PICTURES.pop(next(iter(_PICTURES)))
        _PICTURES[key] = {n: base64.b64encode(b).decode("ascii") for n, b in raw.items()}
    return _PICTURES[key]


def report_html(document: Document, with_pictures: bool = True, omitted: int = 0,
                review: ReviewControls | None = None) -> str:
    """The report for one document (pictures embedded as data: URIs; `omitted`: forms of a long input left out,
    said at the top); with `review`, the review page: each draft with 采纳/修改/退回 and an edit box."""
    pictures = _pictures(document) if with_pictures and document.source.page_geometry else {}
    geometry = {g.number: g for g in document.source.page_geometry}
    forms = [{"index": i, "form": form, "fields": field_rows(document, i), **_indicator_table(document, i),
              "findings": [f for f in document.findings if f.form == i],
              "drafts": [d for d in document.drafts if d.form == i],
              "numbers": [k for k, d in enumerate(document.drafts) if d.form == i]} for i, form in enumerate(document.forms)]
    return render(
        "outputs", "report.html.j2", document=document, forms=forms, pictures=pictures, geometry=geometry,
        file_findings=[f for f in document.findings if f.form is None],
        batch_drafts=[d for d in document.drafts if d.form is None], source_lines=_source_lines(document),
        grids=source_grids(document) if with_pictures else [],
        label=label, path_label=path_label, omitted=omitted, review=review,
        severity_names=SEVERITY_NAMES, kind_names=KIND_NAMES, status_names=STATUS_NAMES)
