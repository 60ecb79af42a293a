"""The batch view the batch report and the dashboard share: totals over the per-form summaries
(`outputs.summary.FormSummary`, made as each document was written or read back from its JSON), never recomputed
from the forms. The writers take an iterable of summaries, so a batch never needs all its documents in memory."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, Field

from jixiao.outputs.summary import FormSummary


def report_name(stem: str, form: int, forms: int) -> str:
    """The Word report of one form: <stem>.docx, or <stem>-<n>.docx when the input holds several forms."""
    return f"{stem}.docx" if forms == 1 else f"{stem}-{form + 1}.docx"


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
