"""Small per-form summaries for the batch deliverables (batch report, dashboard): a few numbers and names per
form, read from the checked Document (recorded findings and assessments, never recomputed). The batch writers
take an iterable of them, so a batch never needs all its Documents in memory: `folder_summaries` reads the
folder's JSON files one at a time."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from jixiao.models import Document

BATCH_FILE = "batch_summary.json"
SHORT_CODE = "SHORT_WITHOUT_EXPLANATION"

class FormSummary(BaseModel):
    """One form of one document, as the batch report and the dashboard show it."""

    stem: str = Field(description="the document's output stem (<stem>.json)")
    form: int = Field(description="0-based index of the form in the document")
    forms_in_document: int = 1
    project_name: str | None = Field(None, description="项目名称")
    department: str | None = Field(None, description="主管部门")
    form_type: str = Field("project", description="项目支出 / 部门整体")
    year: int | None = None
    status: str = Field("ok", description="the document's status")
    amount_unit: str | None = None
    adjusted_budget: float | None = Field(None, description="全年预算数 of the total row")
    executed: float | None = Field(None, description="全年执行数 of the total row")
    rate: float | None = Field(None, description="执行率 (%) as printed")
    total_score: float | None = Field(None, description="自评总分")
    grade: str | None = Field(None, description="评分等级")
    errors: int = 0
    warnings: int = 0
    codes: dict[str, int] = Field(default_factory=dict, description="error/warning finding codes → count")
    severities: dict[str, str] = Field(default_factory=dict, description="those codes → their severity here")
    short: list[str] = Field(default_factory=list, description="指标 short of target without 偏差原因 (the checks' "
                             "SHORT_WITHOUT_EXPLANATION findings)")
    examples: dict[str, str] = Field(default_factory=dict, description="each of those codes → its first message here")
    drafts_pending: int = 0
    drafts_decided: int = 0


def report_name(stem: str, form: int, forms: int) -> str:
    """The Word report of one form: <stem>.docx, or <stem>-<n>.docx when the input holds several forms."""
    return f"{stem}.docx" if forms == 1 else f"{stem}-{form + 1}.docx"


def _indicator_name(document: Document, form: int, path: str | None) -> str | None:
    if not path or not path.startswith("indicators["):
        return None
    try:
        index = int(path[len("indicators["):path.index("]")])
        return document.forms[form].indicators[index].name
    except (ValueError, IndexError):
        return None


def form_summaries(document: Document, stem: str) -> list[FormSummary]:
    """One summary per form (file-level findings count toward every form of the file)."""
    out = []
    file_level = [f for f in document.findings if f.form is None and f.severity != "info"]
    for i, form in enumerate(document.forms):
        mine = [f for f in document.findings if f.form == i and f.severity != "info"] + file_level
        mine.sort(key=lambda f: f.severity != "error")
        short = [_indicator_name(document, i, f.path) for f in mine if f.code == SHORT_CODE]
        total = next((f for f in form.funds if f.kind == "total"), form.funds[0] if form.funds else None)
        drafts = [d for d in document.drafts if d.form == i]
        out.append(FormSummary(
            stem=stem, form=i, forms_in_document=len(document.forms), project_name=form.project_name,
            department=form.department, form_type=form.form_type, year=form.year, status=document.status,
            amount_unit=form.amount_unit, adjusted_budget=total.adjusted_budget if total else None,
            executed=total.executed if total else None, rate=form.budget_execution.rate,
            total_score=form.total_score, grade=form.grade,
            errors=sum(f.severity == "error" for f in mine), warnings=sum(f.severity == "warning" for f in mine),
            codes=dict(Counter(f.code for f in mine)), severities={f.code: f.severity for f in reversed(mine)},
            short=[s for s in short if s],
            examples={f.code: f.message for f in reversed(mine)},
            drafts_pending=sum(d.status == "draft" for d in drafts),
            drafts_decided=sum(d.status != "draft" for d in drafts)))
    return out


def read_document(path: Path) -> Document | None:
    """A jixiao document, or None for any other file (batch_summary.json, a foreign or damaged JSON)."""
    try:
        return Document.model_validate_json(path.read_bytes())
    except (OSError, ValidationError, ValueError):
        return None


def folder_documents_iter(out_dir: Path) -> Iterator[tuple[str, Document]]:
    """(stem, document) of every jixiao JSON in the folder, read one at a time."""
    for path in sorted(out_dir.glob("*.json")):
        if path.name == BATCH_FILE:
            continue
        document = read_document(path)
        if document is not None:
            yield path.stem, document


def folder_summaries(out_dir: Path, stems: Iterable[str] | None = None) -> Iterator[FormSummary]:
    """The summaries of the folder's documents (only `stems` when given), one JSON in memory at a time."""
    wanted = None if stems is None else set(stems)
    for stem, document in folder_documents_iter(out_dir):
        if wanted is None or stem in wanted:
            yield from form_summaries(document, stem)


NOT_READ = "未读到"  # not printed, or not read (the form's JSON says which)
SCORE_BANDS = (("90–100", 90.0), ("80–89", 80.0), ("60–79", 60.0), ("0–59", float("-inf")))


class Overview(BaseModel):
    """What the batch report and the dashboard say about the whole batch, gathered in one pass."""

    rows: list[FormSummary] = Field(default_factory=list)
    documents: int = 0
    partial: int = 0
    errors: int = 0
    warnings: int = 0
    grades: dict[str, int] = Field(default_factory=dict, description="评分等级 as printed → forms")
    bands: dict[str, int] = Field(default_factory=dict, description="自评总分 band → forms")
    codes: dict[str, int] = Field(default_factory=dict, description="finding code → forms with it")
    severity: dict[str, str] = Field(default_factory=dict, description="finding code → its severity")
    examples: dict[str, str] = Field(default_factory=dict, description="finding code → its first message")
    budget: float = Field(0.0, description="全年预算数 of the forms whose unit is known, in 万元")
    executed: float = Field(0.0, description="全年执行数 of those forms, in 万元")
    budget_forms: int = Field(0, description="forms whose total row and amount unit were read")

    @property
    def departments(self) -> list[str]:
        return sorted({r.department for r in self.rows if r.department})


def overview(summaries: Iterable[FormSummary]) -> Overview:
    """Totals over the summaries, consumed once (a generator over the folder's JSON files is fine)."""
    out = Overview(bands={name: 0 for name, _ in SCORE_BANDS} | {NOT_READ: 0})
    seen: set[str] = set()
    for s in summaries:
        out.rows.append(s)
        if s.stem not in seen:
            seen.add(s.stem)
            out.documents += 1
            out.partial += s.status == "partial"
        out.errors += s.errors
        out.warnings += s.warnings
        grade = s.grade or NOT_READ
        out.grades[grade] = out.grades.get(grade, 0) + 1
        band = NOT_READ if s.total_score is None else next(n for n, floor in SCORE_BANDS if s.total_score >= floor)
        out.bands[band] += 1
        for code in s.codes:
            out.codes[code] = out.codes.get(code, 0) + 1
            if out.severity.get(code) != "error":
                out.severity[code] = s.severities.get(code, "warning")
        for code, message in s.examples.items():
            out.examples.setdefault(code, f"{s.project_name or s.stem}：{message}")
        if s.adjusted_budget is not None and s.executed is not None and s.amount_unit:
            scale = 1.0 if s.amount_unit == "万元" else 1e-4
            out.budget += s.adjusted_budget * scale
            out.executed += s.executed * scale
            out.budget_forms += 1
    return out


def top_codes(view: Overview, limit: int = 10) -> list[tuple[str, int]]:
    """(code, forms) of the findings that matter most: errors first, then by how many forms have them."""
    ranked = sorted(view.codes.items(), key=lambda kv: (view.severity.get(kv[0]) != "error", -kv[1], kv[0]))
    return ranked[:limit]
