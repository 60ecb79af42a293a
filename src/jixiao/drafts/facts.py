"""The facts a drafter may use, computed from one form (or a batch) and stated as plain lines.

Both drafters get the same facts: the template drafter fills them into fixed sentences, the LLM
drafter receives them as a list and nothing else. Counts computed here are added to the numbers
a draft may state.
"""

from __future__ import annotations

from collections import Counter

from pydantic import BaseModel, Field

from jixiao.checks.assess import assess
from jixiao.checks.base import fmt
from jixiao.checks.profile import RuleProfile
from jixiao.drafts.grounding import Allowed, form_numbers
from jixiao.models import Document, Finding, Form, Indicator

UNKNOWN_CAUSE = "【待补充：具体原因】"
UNKNOWN_MEASURE = "【待补充：改进措施】"


class Shortfall(BaseModel):
    index: int
    name: str
    target: str
    actual: str
    reasons: list[str]
    weight: str | None = None
    score: str | None = None
    explained: bool
    unit_text: str | None = Field(None, description="the unit's own 偏差原因, kept when the review found it inadequate")
    missing: list[str] = Field(default_factory=list, description="what the unit's text lacks: cause, measure")


class FormFacts(BaseModel):
    """What a form says, for the summary and the 偏差原因 drafts."""

    index: int
    name: str = Field(description="项目名称, or the title")
    form_type: str
    unit: str
    funds: list[str] = Field(default_factory=list, description="资金 lines as a reviewer reads them")
    execution: str | None = None
    indicators: int = 0
    met: int = 0
    shortfalls: list[Shortfall] = Field(default_factory=list)
    total_score: str | None = None
    grade: str | None = None
    issues: list[str] = Field(default_factory=list, description="warning/error findings, as messages")
    allowed: Allowed = Field(default_factory=Allowed, exclude=True)

    def lines(self) -> list[str]:
        """The facts as short lines (what the LLM drafter is given)."""
        out = [f"项目：{self.name}（{self.form_type}）", *self.funds]
        if self.execution:
            out.append(self.execution)
        out.append(f"绩效指标共{self.indicators}项，已完成{self.met}项，未完成或偏差较大{len(self.shortfalls)}项")
        out += [f"未完成指标：{s.name}，年度指标值{s.target}，实际完成值{s.actual}（{'、'.join(s.reasons)}）"
                + ("" if s.explained else "，未填写偏差原因") for s in self.shortfalls]
        if self.total_score:
            out.append(f"自评总分：{self.total_score}" + (f"，评分等级：{self.grade}" if self.grade else ""))
        out += [f"审核发现：{m}" for m in self.issues]
        return out


# what a text-review finding on an explanation says it lacks (a placeholder: everything, nothing to keep)
_LACKS = {"EXPLANATION_PLACEHOLDER": ("placeholder", "cause", "measure"), "EXPLANATION_REMEDY_ONLY": ("cause",),
          "EXPLANATION_NO_CAUSE": ("cause",), "EXPLANATION_CONTRADICTS": ("cause",),
          "EXPLANATION_OTHER_INDICATOR": ("cause", "measure"), "EXPLANATION_REPEATED": ("cause", "measure")}


def _missing(findings: list[Finding], row: int) -> list[str]:
    path = f"indicators[{row}].explanation"
    lacks = {m for f in findings if f.path == path for m in _LACKS.get(f.code, ())}
    return [m for m in ("placeholder", "cause", "measure") if m in lacks]


def _label(ind: Indicator) -> str:
    return ind.name or ind.level2 or "（未命名指标）"


def form_facts(index: int, form: Form, findings: list[Finding], profile: RuleProfile) -> FormFacts:
    """Facts of one form; `findings` are the document's findings (those of this form are used)."""
    mine = [f for f in findings if f.form == index]
    unit = form.amount_unit or "万元"
    facts = FormFacts(index=index, name=form.project_name or form.title or f"第{index + 1}张表",
                      form_type="部门整体支出" if form.form_type == "department" else "项目支出", unit=unit,
                      total_score=fmt(form.total_score) if form.total_score is not None else None, grade=form.grade,
                      allowed=form_numbers(form, mine))
    for fund in form.funds:
        if fund.adjusted_budget is None and fund.executed is None and fund.initial_budget is None:
            continue
        facts.funds.append(f"{fund.label.rstrip(':：')}：年初预算{fmt(fund.initial_budget, 6)}{unit}，"
                           f"全年预算{fmt(fund.adjusted_budget, 6)}{unit}，全年执行{fmt(fund.executed, 6)}{unit}")
    be = form.budget_execution
    if be.rate is not None:
        facts.execution = (f"预算执行率{fmt(be.rate)}%" + (f"，分值{fmt(be.weight)}分" if be.weight is not None else "")
                           + (f"，得分{fmt(be.score)}分" if be.score is not None else ""))
    for i, ind in enumerate(form.indicators):
        result = assess(ind, profile)
        facts.indicators += 1
        if result.short:
            missing = _missing(mine, i)
            facts.shortfalls.append(Shortfall(
                index=i, name=_label(ind), target=ind.target or "（空）", actual=ind.actual or "（空）",
                reasons=result.short_reasons, explained=bool(ind.explanation.strip()),
                weight=fmt(ind.weight) if ind.weight is not None else None,
                score=fmt(ind.score) if ind.score is not None else None,
                unit_text=ind.explanation.strip() if missing and "placeholder" not in missing else None,
                missing=[m for m in missing if m != "placeholder"]))
        elif result.met:
            facts.met += 1
    facts.issues = [f.message for f in mine if f.severity in ("error", "warning")
                    and f.code not in ("SHORT_WITHOUT_EXPLANATION", "LOW_CONFIDENCE")][:5]
    facts.allowed.add(facts.indicators, facts.met, len(facts.shortfalls), index + 1, profile.deviation.threshold)
    return facts


class BatchFacts(BaseModel):
    documents: int
    forms: int
    projects: int
    departments: int
    budgets: list[str] = Field(default_factory=list, description="sums per money unit")
    grades: list[str] = Field(default_factory=list)
    scores: str | None = None
    top_findings: list[str] = Field(default_factory=list)
    short_forms: list[str] = Field(default_factory=list)
    allowed: Allowed = Field(default_factory=Allowed, exclude=True)

    def lines(self) -> list[str]:
        out = [f"本批次文件{self.documents}份，自评表{self.forms}张"
               f"（项目支出{self.projects}张，部门整体{self.departments}张）"]
        out += self.budgets
        if self.scores:
            out.append(self.scores)
        out += self.grades + self.top_findings + self.short_forms
        return out


def batch_facts(documents: list[Document]) -> BatchFacts:
    """Department-level facts across the documents of one run."""
    forms = [f for d in documents for f in d.forms]
    facts = BatchFacts(documents=len(documents), forms=len(forms),
                       projects=sum(f.form_type == "project" for f in forms),
                       departments=sum(f.form_type == "department" for f in forms))
    facts.allowed.add(facts.documents, facts.forms, facts.projects, facts.departments)
    for unit in ("万元", "元"):
        rows = [fund for f in forms if (f.amount_unit or "万元") == unit for fund in f.funds[:1]]
        if not rows:
            continue
        sums = [sum(getattr(r, k) or 0.0 for r in rows) for k in ("initial_budget", "adjusted_budget", "executed")]
        facts.allowed.add(*sums, len(rows))
        if sums[1]:
            facts.allowed.add(sums[2] / sums[1] * 100)
        rate = f"，总体执行率{fmt(sums[2] / sums[1] * 100)}%" if sums[1] else ""
        facts.budgets.append(f"以{unit}填报的{len(rows)}张表：年初预算合计{fmt(sums[0])}{unit}，全年预算合计"
                             f"{fmt(sums[1])}{unit}，全年执行合计{fmt(sums[2])}{unit}{rate}")
    scored = [f.total_score for f in forms if f.total_score is not None]
    if scored:
        mean = sum(scored) / len(scored)
        facts.scores = f"自评总分最高{fmt(max(scored))}分，最低{fmt(min(scored))}分，平均{fmt(mean)}分"
        facts.allowed.add(max(scored), min(scored), sum(scored) / len(scored), len(scored))
    bands = Counter(f"评分等级“{f.grade}”" if f.grade else f"未填评分等级、{_band(f.total_score)}" for f in forms)
    facts.allowed.add(90, 80, 60)  # the score bands named when a form prints no grade
    for grade, count in sorted(bands.items()):
        facts.grades.append(f"{grade}：{count}张")
        facts.allowed.add(count)
    codes = Counter((f.code, f.severity) for d in documents for f in d.findings if f.severity != "info")
    for (code, severity), count in codes.most_common(5):
        example = next(f.message for d in documents for f in d.findings if f.code == code)
        level = "错误" if severity == "error" else "警告"
        facts.top_findings.append(f"同类问题{count}处（{level}，{code}），例如：{example}")
        facts.allowed.add(count)
        for d in documents:
            for f in d.findings:
                if f.code == code and f.message == example and f.form is not None and f.form < len(d.forms):
                    facts.allowed.values |= form_numbers(d.forms[f.form], [f]).values
    for d in documents:
        for form in d.forms:
            facts.allowed.add_text(form.project_name)
    return facts


def _band(score: float | None) -> str:
    if score is None:
        return "未评分"
    return ("自评总分90分及以上" if score >= 90 else "自评总分80–90分" if score >= 80
            else "自评总分60–80分" if score >= 60 else "自评总分60分以下")
