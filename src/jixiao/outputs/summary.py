"""What a batch keeps of each document it wrote: a small summary per form (the workbook's 表单 row, the batch draft's
figures, the duplicate check's keys) and per document, made part by part as the document streams to its JSON. The
rest is read back from the JSON one file and one item at a time (`outputs.jsonfile`) where a pack needs more."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

from pydantic import BaseModel, Field

from jixiao.models import Assessment, Document, Draft, Finding, Form, Fund, Severity, SourceInfo
from jixiao.outputs.jsonfile import iter_items


class FormSummary(BaseModel):
    """One form, as the review pack, the batch report and a dashboard need it."""

    index: int = Field(description="0-based form index in its document")
    form_type: str
    year: int | None = None
    project_name: str | None = Field(None, description="项目名称")
    project_code: str | None = Field(None, description="项目编码")
    department: str | None = Field(None, description="主管部门")
    amount_unit: str | None = None
    total_fund: Fund | None = Field(None, description="the first funds row (年度资金总额)")
    rate: float | None = Field(None, description="执行率 (%)")
    execution_score: float | None = Field(None, description="执行率得分")
    total_score: float | None = Field(None, description="自评总分")
    grade: str | None = Field(None, description="评分等级")
    indicators: int = 0
    errors: int = 0
    warnings: int = 0
    assessments: dict[str, int] = Field(default_factory=dict, description="indicators by assessment status")
    drafts: int = 0
    ungrounded_drafts: int = 0
    content_key: str = Field("", description="hash of what the form says (header, amounts, indicators, totals)")

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
        total = form.funds[0] if form.funds else None
        self.forms.append(FormSummary(
            index=len(self.forms), form_type=form.form_type, year=form.year, project_name=form.project_name,
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
            self.forms[finding.form].errors += finding.severity == "error"
            self.forms[finding.form].warnings += finding.severity == "warning"

    def add_assessment(self, assessment: Assessment) -> None:
        if assessment.form < len(self.forms):
            counts = self.forms[assessment.form].assessments
            counts[assessment.status] = counts.get(assessment.status, 0) + 1

    def add_draft(self, draft: Draft) -> None:
        self.drafts += 1
        if draft.form is not None and draft.form < len(self.forms):
            self.forms[draft.form].drafts += 1
            self.forms[draft.form].ungrounded_drafts += not draft.grounded

    def light_document(self) -> Document:
        """The summary as a `Document` of light forms and its notable findings (for the batch draft's figures)."""
        return Document(source=self.source, profile=self.profile, status="partial" if self.status == "partial" else "ok",
                        forms=[f.light_form() for f in self.forms], findings=list(self.notable))


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


__all__ = ["DocumentSummary", "FormSummary", "content_key", "light_documents"]
