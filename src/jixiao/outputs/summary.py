"""What a batch keeps of each document it wrote: a small summary per form (the workbook's 表单 row, the batch draft's
figures, the duplicate check's keys, a dashboard or batch report row) and per document, made part by part as the
document streams to its JSON (`DocumentSummary.add`) or read back from a JSON one item at a time (`summarise`).

The rest is read back from the JSON one file and one item at a time (`outputs.jsonfile`) where a pack needs more.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import BaseModel, Field, PrivateAttr, ValidationError

from jixiao.domain.codes import FindingCode
from jixiao.models import Assessment, Document, Draft, Finding, Form, Fund, Severity, SourceInfo
from jixiao.outputs.jsonfile import iter_items, read_head

BATCH_FILE = "batch_summary.json"


class FormSummary(BaseModel):
    """One form, as the review pack, the batch report and a dashboard need it."""

    index: int = Field(description="0-based form index in its document")
    stem: str = Field("", description="the document's output stem (<stem>.json)")
    forms_in_document: int = 1
    status: str = Field("ok", description="the document's status")
    form_type: str = Field("project", description="项目支出 project / 部门整体 department")
    year: int | None = None
    project_name: str | None = Field(None, description="项目名称")
    project_code: str | None = Field(None, description="项目编码")
    department: str | None = Field(None, description="主管部门")
    amount_unit: str | None = None
    total_fund: Fund | None = Field(None, description="the 年度资金总额 row (else the first funds row)")
    rate: float | None = Field(None, description="执行率 (%)")
    execution_score: float | None = Field(None, description="执行率得分")
    total_score: float | None = Field(None, description="自评总分")
    grade: str | None = Field(None, description="评分等级")
    indicators: int = 0
    errors: int = Field(0, description="error findings of the form, and of its file")
    warnings: int = Field(0, description="warning findings of the form, and of its file")
    codes: dict[str, int] = Field(default_factory=dict, description="error/warning finding codes → count")
    severities: dict[str, str] = Field(default_factory=dict, description="those codes → their severity here")
    examples: dict[str, str] = Field(default_factory=dict, description="each of those codes → its first message here")
    short: list[str] = Field(default_factory=list, description="指标 short of target without 偏差原因 (the checks' "
                             "SHORT_WITHOUT_EXPLANATION findings)")
    assessments: dict[str, int] = Field(default_factory=dict, description="indicators by assessment status")
    drafts: int = 0
    drafts_pending: int = Field(0, description="drafts no reviewer has decided yet")
    ungrounded_drafts: int = 0
    content_key: str = Field("", description="hash of what the form says (header, amounts, indicators, totals)")

    @property
    def adjusted_budget(self) -> float | None:
        return self.total_fund.adjusted_budget if self.total_fund else None

    @property
    def executed(self) -> float | None:
        return self.total_fund.executed if self.total_fund else None

    def count(self, finding: Finding, name: str | None) -> None:
        """A finding of severity warning or error of this form (or of its file); `name`: the 指标 it is about."""
        self.errors += finding.severity == "error"
        self.warnings += finding.severity == "warning"
        self.codes[finding.code] = self.codes.get(finding.code, 0) + 1
        if self.severities.get(finding.code) != "error":
            self.severities[finding.code] = finding.severity
        self.examples.setdefault(finding.code, finding.message)
        if finding.code == FindingCode.SHORT_WITHOUT_EXPLANATION and name:
            self.short.append(name)

    @property
    def project_key(self) -> tuple[object, ...] | None:
        name = self.project_code or self.project_name
        return (self.form_type, self.year, name) if name else None

    def light_form(self) -> Form:
        """The summarised fields as a `Form` (no indicators, no provenance)."""
        return Form(form_type="department" if self.form_type == "department" else "project", year=self.year,
                    project_name=self.project_name, project_code=self.project_code, department=self.department,
                    amount_unit=self.amount_unit if self.amount_unit in ("万元", "元") else None,
                    funds=[self.total_fund] if self.total_fund else [], total_score=self.total_score, grade=self.grade)


def content_key(form: Form) -> str:
    """What a form says, whatever file it came in (see review.duplicates)."""
    funds = [(f.kind, f.initial_budget, f.adjusted_budget, f.executed) for f in form.funds]
    indicators = [(i.name, i.target, i.actual, i.weight, i.score) for i in form.indicators]
    content = (form.form_type, form.year, form.project_code, form.project_name, funds, indicators, form.total_score)
    return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()[:24]


def _no_findings() -> dict[Severity, int]:
    return {"error": 0, "warning": 0, "info": 0}


class DocumentSummary(BaseModel):
    """One written document: its source, status, counts, forms, and its findings of severity warning or error."""

    stem: str
    source: SourceInfo
    profile: str = "national"
    status: str = "ok"
    forms: list[FormSummary] = Field(default_factory=list)
    findings: dict[Severity, int] = Field(default_factory=_no_findings)
    notable: list[Finding] = Field(default_factory=list, description="findings of severity warning or error")
    drafts: int = 0
    _names: dict[int, list[str]] = PrivateAttr(default_factory=dict)  # indicator names per form, until `finish`

    @property
    def indicators(self) -> int:
        return sum(f.indicators for f in self.forms)

    def add(self, part: Document) -> None:
        """Count a part (its form indices the document's) into the summary."""
        for form in part.forms:
            self.add_form(form)
        for finding in part.findings:
            self.add_finding(finding)
        for assessment in part.assessments:
            self.add_assessment(assessment)
        for draft in part.drafts:
            self.add_draft(draft)

    def add_form(self, form: Form) -> None:
        total = next((f for f in form.funds if f.kind == "total"), form.funds[0] if form.funds else None)
        self._names[len(self.forms)] = [i.name for i in form.indicators]
        self.forms.append(FormSummary(
            index=len(self.forms), stem=self.stem, form_type=form.form_type, year=form.year, project_name=form.project_name,
            project_code=form.project_code, department=form.department, amount_unit=form.amount_unit,
            total_fund=total, rate=form.budget_execution.rate, execution_score=form.budget_execution.score,
            total_score=form.total_score, grade=form.grade, indicators=len(form.indicators),
            content_key=content_key(form)))

    def add_finding(self, finding: Finding) -> None:
        self.findings[finding.severity] += 1
        if finding.severity == "info":
            return
        self.notable.append(finding)
        self.status = "partial"
        if finding.form is not None and finding.form < len(self.forms):
            self.forms[finding.form].count(finding, self._indicator_name(finding))

    def _indicator_name(self, finding: Finding) -> str | None:
        path = finding.path or ""
        if finding.form is None or not path.startswith("indicators["):
            return None
        try:
            return self._names.get(finding.form, [])[int(path[len("indicators["):path.index("]")])]
        except (ValueError, IndexError):
            return None

    def add_assessment(self, assessment: Assessment) -> None:
        if assessment.form < len(self.forms):
            counts = self.forms[assessment.form].assessments
            counts[assessment.status] = counts.get(assessment.status, 0) + 1

    def add_draft(self, draft: Draft) -> None:
        self.drafts += 1
        if draft.form is not None and draft.form < len(self.forms):
            self.forms[draft.form].drafts += 1
            self.forms[draft.form].drafts_pending += draft.status == "draft"
            self.forms[draft.form].ungrounded_drafts += not draft.grounded

    def finish(self, status: str | None = None) -> DocumentSummary:
        """After the last part: the document's status and form count on every form, its file-level findings counted
        toward every form, the indicator names let go (a summary crosses process boundaries)."""
        if status is not None:
            self.status = status
        for form in self.forms:
            form.status, form.forms_in_document = self.status, len(self.forms)
        for finding in self.notable:
            if finding.form is None:
                for form in self.forms:
                    form.count(finding, None)
        self._names = {}
        return self

    def light_document(self) -> Document:
        """The summary as a `Document` of light forms and its notable findings (for the batch draft's figures)."""
        return Document(source=self.source, profile=self.profile, status="partial" if self.status == "partial" else "ok",
                        forms=[f.light_form() for f in self.forms], findings=list(self.notable))


def summarise(path: Path, stem: str | None = None) -> DocumentSummary | None:
    """The summary of a document JSON (its stem: the file's, unless given), read one item at a time; None for any
    other file."""
    try:
        head = read_head(path)
        summary = DocumentSummary(stem=path.stem if stem is None else stem, source=head.source, profile=head.profile)
        for form in iter_items(path, "forms"):
            summary.add_form(form)
        for finding in iter_items(path, "findings"):
            summary.add_finding(finding)
        for assessment in iter_items(path, "assessments"):
            summary.add_assessment(assessment)
        for draft in iter_items(path, "drafts"):
            summary.add_draft(draft)
    except (OSError, ValidationError, ValueError):
        return None
    return summary.finish(head.status)


def document_paths(out_dir: Path) -> list[Path]:
    """The JSON files of an output folder that may be jixiao documents (not the batch summary)."""
    return [p for p in sorted(out_dir.glob("*.json")) if p.name != BATCH_FILE]


def folder_summaries(out_dir: Path) -> dict[str, DocumentSummary]:
    """Every jixiao document in the folder, by stem, as its summary."""
    found = {p.stem: summarise(p) for p in document_paths(out_dir)}
    return {stem: summary for stem, summary in found.items() if summary is not None}


def form_rows(summaries: Iterable[DocumentSummary | None]) -> Iterator[FormSummary]:
    """The forms of the documents, in order (a generator over the folder's JSON files reads one at a time)."""
    for summary in summaries:
        if summary is not None:
            yield from summary.forms


def folder_rows(out_dir: Path) -> Iterator[FormSummary]:
    """The forms of every document in the folder, one JSON read at a time (the dashboard, the batch report)."""
    return form_rows(summarise(p) for p in document_paths(out_dir))


def light_documents(summaries: dict[str, DocumentSummary], out_dir: Path) -> list[Document]:
    """The documents as the batch draft reads them: light forms and notable findings, and in full the forms whose
    findings it quotes as examples (read back from their JSON in `out_dir`)."""
    documents = {stem: s.light_document() for stem, s in summaries.items()}
    codes = Counter((f.code, f.severity) for d in documents.values() for f in d.findings)
    for code, _ in [key for key, _ in codes.most_common(5)]:
        for stem, d in documents.items():
            example = next((f for f in d.findings if f.code == code), None)
            if example is not None:
                if example.form is not None:
                    full = next((form for k, form in enumerate(iter_items(out_dir / f"{stem}.json", "forms"))
                                 if k == example.form), None)
                    if full is not None:
                        d.forms[example.form] = full
                break
    return list(documents.values())


__all__ = ["BATCH_FILE", "DocumentSummary", "FormSummary", "content_key", "folder_rows", "folder_summaries",
           "form_rows", "light_documents", "summarise"]
