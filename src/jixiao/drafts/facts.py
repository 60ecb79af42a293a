"""The facts a drafter may use, computed from one form (or a batch) and stated as plain lines.

Both drafters get the same facts: the template drafter fills them into fixed sentences, the LLM
drafter receives them as a list and nothing else. Counts computed here are added to the numbers
a draft may state.
"""

from __future__ import annotations

from collections import Counter

from pydantic import BaseModel, Field

from jixiao.checks.assess import is_ocr
from jixiao.checks.profile import RuleProfile
from jixiao.domain.codes import FindingCode, label
from jixiao.domain.format import UNREAD, fmt
from jixiao.drafts.grounding import Allowed, form_numbers, states_claim
from jixiao.models import Assessment, AssessmentStatus, Document, Finding, Form, Indicator

_CUT = (FindingCode.INPUT_TRUNCATED, FindingCode.INDICATOR_TABLE_TRUNCATED)
UNKNOWN_CAUSE = "【待补充：具体原因】"
UNKNOWN_MEASURE = "【待补充：改进措施】"


class Shortfall(BaseModel):
    """An indicator the form summary names, or a 偏差原因 draft is written for."""

    index: int
    name: str
    status: AssessmentStatus
    target: str
    actual: str
    reasons: list[str]
    better: str = Field("超额完成", description="how exceeding the target is said (≥: 超额完成, ≤: 优于年度指标值)")
    deviation: str | None = None
    weight: str | None = None
    score: str | None = None
    deducted: bool = False
    explained: bool
    unit_text: str | None = Field(None, description="the unit's own 偏差原因, kept when the review found it inadequate")
    missing: list[str] = Field(default_factory=list, description="what the unit's text lacks: cause, measure")

    @property
    def standing(self) -> str:
        """Where the indicator stands, in the words a draft uses (never 未完成 for a met target)."""
        if self.status == "short":
            return "未达到年度指标值"
        if self.status == "over":
            return f"{self.better}（偏离度{self.deviation}%）" if self.deviation else self.better
        if self.status == "met":
            return "已完成年度指标值"
        if self.status == "unread":
            return f"数值{UNREAD}"
        return "无法判断是否完成（" + "、".join(self.reasons) + "）" if self.reasons else "无法判断是否完成"


class FormFacts(BaseModel):
    """What a form says, for the summary and the 偏差原因 drafts."""

    index: int
    name: str = Field(description="项目名称, or the title")
    form_type: str
    unit: str
    funds: list[str] = Field(default_factory=list, description="资金 lines as a reviewer reads them")
    execution: str | None = None
    indicators: int = 0
    met: int = Field(0, description="met, over-achieved included")
    over: list[Shortfall] = Field(default_factory=list, description="met by far (|偏离度| over the threshold)")
    short: list[Shortfall] = Field(default_factory=list, description="the target missed")
    deducted: list[Shortfall] = Field(default_factory=list, description="met, yet points deducted")
    unread: list[Shortfall] = Field(default_factory=list, description="target or actual not read surely")
    unjudged: int = 0
    explain: list[Shortfall] = Field(default_factory=list, description="need a 偏差原因, have none (docs/checks.md rule 8)")
    total_score: str | None = None
    total_unread: bool = False
    grade: str | None = None
    issues: list[str] = Field(default_factory=list, description="warning/error findings, as messages")
    sources: list[str] = Field(default_factory=list, description="the form's own text a cause or measure may come "
                               "from: 偏差原因/说明, goals, the form's 说明, quotes of findings")
    causes: list[str] = Field(default_factory=list, description="the passages a 偏差原因 slot may quote: the "
                              "sources that read like a cause or a measure (因/由于/措施/下一步…), never the goals "
                              "(a goal states what was planned, never why it was missed)")
    allowed: Allowed = Field(default_factory=Allowed, exclude=True)

    def lines(self) -> list[str]:
        """The facts as short lines (what the LLM drafter is given)."""
        out = [f"项目：{self.name}（{self.form_type}）", *self.funds]
        if self.execution:
            out.append(self.execution)
        out.append(self.count_line())
        out += [f"未完成指标：{s.name}，年度指标值{s.target}，实际完成值{s.actual}（{'、'.join(s.reasons)}）"
                + ("" if s.explained else "，未填写偏差原因") for s in self.short]
        out += [f"{s.better}的指标：{s.name}，年度指标值{s.target}，实际完成值{s.actual}（偏离度{s.deviation}%）"
                for s in self.over]
        out += [f"已完成但扣分的指标：{s.name}，分值{s.weight}分，自评得分{s.score}分" for s in self.deducted]
        out += [f"数值{UNREAD}的指标：{s.name}" for s in self.unread]
        if self.total_score:
            out.append(f"自评总分：{self.total_score}" + (f"，评分等级：{self.grade}" if self.grade else ""))
        elif self.total_unread:
            out.append(f"自评总分：{UNREAD}")
        out += [f"复核发现：{m}" for m in self.issues]
        return out

    def count_line(self) -> str:
        """How many indicators stand where; the parts add up to the total."""
        parts = [f"已完成{self.met}项" + (f"（其中超额完成或优于目标{len(self.over)}项）" if self.over else ""),
                 f"未完成{len(self.short)}项"]
        if self.unread:
            parts.append(f"数值未能识别{len(self.unread)}项")
        if self.unjudged:
            parts.append(f"无法判断是否完成{self.unjudged}项")
        return f"绩效指标共{self.indicators}项，" + "，".join(parts)


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


def _shown(ind: Indicator, field: str, unread: list[str]) -> str:
    value = getattr(ind, field)
    if field in unread and not value:
        return UNREAD
    return value or "（空）"


def _item(ind: Indicator, judged: Assessment, findings: list[Finding]) -> Shortfall:
    missing = _missing(findings, judged.indicator)
    return Shortfall(
        index=judged.indicator, name=_label(ind), status=judged.status, reasons=judged.reasons,
        target=_shown(ind, "target", judged.unread), actual=_shown(ind, "actual", judged.unread),
        better="优于年度指标值" if judged.operator in ("≤", "<") else "超额完成",
        deviation=fmt(judged.deviation) if judged.deviation is not None else None,
        weight=fmt(ind.weight) if ind.weight is not None else None,
        score=fmt(ind.score) if ind.score is not None else None,
        deducted=judged.score_deducted, explained=bool(ind.explanation.strip()),
        unit_text=ind.explanation.strip() if missing and "placeholder" not in missing else None,
        missing=[m for m in missing if m != "placeholder"])


def form_facts(document: Document, index: int, profile: RuleProfile) -> FormFacts:
    """Facts of one form of a checked document; the indicators' standing is read from its assessments."""
    form = document.forms[index]
    mine = [f for f in document.findings if f.form == index]
    unit = form.amount_unit or "万元"
    facts = FormFacts(index=index, name=form.project_name or form.title or f"第{index + 1}张表",
                      form_type="部门整体支出" if form.form_type == "department" else "项目支出", unit=unit,
                      total_score=fmt(form.total_score) if form.total_score is not None else None, grade=form.grade,
                      total_unread=form.total_score is None and (is_ocr(form) or any(
                          f.code in _CUT for f in mine)), allowed=form_numbers(form, mine))
    for fund in form.funds:
        if fund.adjusted_budget is None and fund.executed is None and fund.initial_budget is None:
            continue
        facts.funds.append(f"{fund.label.rstrip(':：')}：年初预算{fmt(fund.initial_budget, 6)}{unit}，"
                           f"全年预算{fmt(fund.adjusted_budget, 6)}{unit}，全年执行{fmt(fund.executed, 6)}{unit}")
    be = form.budget_execution
    if be.rate is not None:
        facts.execution = (f"预算执行率{fmt(be.rate)}%" + (f"，分值{fmt(be.weight)}分" if be.weight is not None else "")
                           + (f"，得分{fmt(be.score)}分" if be.score is not None else ""))
    for judged in (a for a in document.assessments if a.form == index):
        item = _item(form.indicators[judged.indicator], judged, mine)
        facts.indicators += 1
        if judged.status in ("met", "over"):
            facts.met += 1
        {"over": facts.over, "short": facts.short, "unread": facts.unread}.get(judged.status, []).append(item)
        facts.unjudged += judged.status == "unjudged"
        if judged.status in ("met", "over") and judged.score_deducted:
            facts.deducted.append(item)
        if judged.needs_explanation and (not item.explained or item.missing):  # none, or the text review found it lacking
            facts.explain.append(item)
    texts = [form.explanation, form.goals.initial, form.goals.adjusted, form.goals.actual,
             *(ind.explanation for ind in form.indicators), *(f.quote for f in mine)]
    facts.sources = list(dict.fromkeys(t.strip() for t in texts if t and t.strip()))
    goals = {t.strip() for t in (form.goals.initial, form.goals.adjusted, form.goals.actual) if t}
    facts.causes = [t for t in facts.sources if t not in goals and states_claim(t)]
    facts.issues = [f.message for f in mine if f.severity in ("error", "warning")
                    and f.code not in ("SHORT_WITHOUT_EXPLANATION", "LOW_CONFIDENCE")][:5]
    facts.allowed.add(facts.indicators, facts.met, len(facts.over), len(facts.short), len(facts.unread),
                      facts.unjudged, index + 1, profile.deviation.threshold)
    facts.allowed.add(*(a.deviation for a in document.assessments if a.form == index))
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
    duplicates: list[str] = Field(default_factory=list, description="forms submitted twice, or resubmitted")
    allowed: Allowed = Field(default_factory=Allowed, exclude=True)

    @property
    def title(self) -> str:
        """Named by what the batch holds: 项目支出, 部门整体, or both."""
        if self.departments and not self.projects:
            return "部门整体支出绩效自评情况汇总"
        if self.projects and not self.departments:
            return "项目支出绩效自评情况汇总"
        return "项目支出和部门整体支出绩效自评情况汇总"

    def overview(self) -> str:
        kinds = [f"项目支出{self.projects}张" if self.projects else "", f"部门整体{self.departments}张"
                 if self.departments else ""]
        return f"本批次文件{self.documents}份，自评表{self.forms}张（{'，'.join(k for k in kinds if k)}）"

    def lines(self) -> list[str]:
        out = [self.title, self.overview()]
        out += self.budgets
        if self.scores:
            out.append(self.scores)
        out += self.grades + self.top_findings + self.short_forms + self.duplicates
        return out


def batch_facts(documents: list[Document], duplicates: list[str] | None = None) -> BatchFacts:
    """Facts across the documents of an output folder; `duplicates`: notes on forms submitted twice."""
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
    bands = Counter(f"评分等级“{f.grade}”" if f.grade else f"未填评分等级、{_band(f)}" for f in forms)
    facts.allowed.add(90, 80, 60)  # the score bands named when a form prints no grade
    for grade, count in sorted(bands.items()):
        facts.grades.append(f"{grade}：{count}张")
        facts.allowed.add(count)
    codes = Counter((f.code, f.severity) for d in documents for f in d.findings if f.severity != "info")
    for (code, severity), count in codes.most_common(5):
        example = next(f.message for d in documents for f in d.findings if f.code == code)
        level = "错误" if severity == "error" else "警告"
        facts.top_findings.append(f"同类问题{count}处（{level}：{label(code)}），例如：{example}")
        facts.allowed.add(count)
        for d in documents:
            for f in d.findings:
                if f.code == code and f.message == example and f.form is not None and f.form < len(d.forms):
                    facts.allowed.values |= form_numbers(d.forms[f.form], [f]).values
    for d in documents:
        for form in d.forms:
            facts.allowed.add_text(form.project_name)
    for note in duplicates or []:
        facts.duplicates.append(note)
        facts.allowed.add_text(note)
    return facts


def _band(form: Form) -> str:
    score = form.total_score
    if score is None:
        return f"自评总分{UNREAD}" if is_ocr(form) else "未评分"
    return ("自评总分90分及以上" if score >= 90 else "自评总分80–90分" if score >= 80
            else "自评总分60–80分" if score >= 60 else "自评总分60分以下")
