"""Small per-form summaries for the batch deliverables (batch report, dashboard): a few numbers and names per
form, read from the checked Document (recorded findings and assessments, never recomputed). The batch writers
take an iterable of them, so a batch never needs all its Documents in memory: `folder_summaries` reads the
folder's JSON files one at a time."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from jixiao.models import Document, Finding, Form
from jixiao.outputs.jsonfile import iter_items, read_head

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


def _indicator_name(form: Form, path: str | None) -> str | None:
    """The name of the indicator a finding's path points at (indicators[3].… → its name)."""
    if not path or not path.startswith("indicators["):
        return None
    try:
        index = int(path[len("indicators["):path.index("]")])
        return form.indicators[index].name
    except (ValueError, IndexError):
        return None


def _summary(stem: str, i: int, form: Form, mine: list[Finding], status: str, drafts: tuple[int, int],
             forms: int) -> FormSummary:
    """One form's summary: `mine` its error/warning findings in file order, then the file-level ones; `drafts`
    (pending, decided)."""
    mine = sorted(mine, key=lambda f: f.severity != "error")
    short = [_indicator_name(form, f.path) for f in mine if f.code == SHORT_CODE]
    total = next((f for f in form.funds if f.kind == "total"), form.funds[0] if form.funds else None)
    return FormSummary(
        stem=stem, form=i, forms_in_document=forms, project_name=form.project_name,
        department=form.department, form_type=form.form_type, year=form.year, status=status,
        amount_unit=form.amount_unit, adjusted_budget=total.adjusted_budget if total else None,
        executed=total.executed if total else None, rate=form.budget_execution.rate,
        total_score=form.total_score, grade=form.grade,
        errors=sum(f.severity == "error" for f in mine), warnings=sum(f.severity == "warning" for f in mine),
        codes=dict(Counter(f.code for f in mine)), severities={f.code: f.severity for f in reversed(mine)},
        short=[s for s in short if s], examples={f.code: f.message for f in reversed(mine)},
        drafts_pending=drafts[0], drafts_decided=drafts[1])


def _by_form(findings: Iterable[Finding]) -> tuple[dict[int, list[Finding]], list[Finding]]:
    """The error/warning findings per form, in file order, and the file-level ones (they count toward every form)."""
    per_form: dict[int, list[Finding]] = {}
    file_level: list[Finding] = []
    for f in findings:
        if f.severity != "info":
            (file_level if f.form is None else per_form.setdefault(f.form, [])).append(f)
    return per_form, file_level


def form_summaries(document: Document, stem: str) -> list[FormSummary]:
    """One summary per form of a document in memory."""
    per_form, file_level = _by_form(document.findings)
    pending = Counter(d.form for d in document.drafts if d.status == "draft")
    decided = Counter(d.form for d in document.drafts if d.status != "draft")
    return [_summary(stem, i, form, per_form.get(i, []) + file_level, document.status, (pending[i], decided[i]),
                     len(document.forms)) for i, form in enumerate(document.forms)]


def document_summaries(path: Path, stem: str) -> list[FormSummary]:
    """One summary per form of a document JSON, read one item at a time (a 12,000-form JSON is never held whole);
    [] for any other file (batch_summary.json, a foreign or damaged JSON)."""
    try:
        status = read_head(path).status
        per_form, file_level = _by_form(iter_items(path, "findings"))
        pending: Counter[int | None] = Counter()
        decided: Counter[int | None] = Counter()
        for draft in iter_items(path, "drafts", raw=True):
            (pending if draft.get("status", "draft") == "draft" else decided)[draft.get("form")] += 1
        made = [_summary(stem, i, form, per_form.get(i, []) + file_level, status, (pending[i], decided[i]), 0)
                for i, form in enumerate(iter_items(path, "forms"))]
    except (OSError, ValidationError, ValueError):
        return []
    for summary in made:
        summary.forms_in_document = len(made)
    return made


def folder_summaries(out_dir: Path, stems: Iterable[str] | None = None) -> Iterator[FormSummary]:
    """The summaries of the folder's documents (only `stems` when given), one JSON item in memory at a time."""
    wanted = None if stems is None else set(stems)
    for path in sorted(out_dir.glob("*.json")):
        if path.name != BATCH_FILE and (wanted is None or path.stem in wanted):
            yield from document_summaries(path, path.stem)


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
