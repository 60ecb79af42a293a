"""The output contract (docs/output.md): one `Document` per input file.

Field names are fixed by the contract; extra fields are allowed where they help a reviewer.
Chinese domain terms live in the field descriptions.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    FieldSerializationInfo,
    SerializerFunctionWrapHandler,
    ValidationInfo,
    field_serializer,
    model_validator,
)

from jixiao import provcodec

BBox = tuple[float, float, float, float]
Method = Literal["rule", "llm", "ocr", "human"]
Severity = Literal["error", "warning", "info"]
FundKind = Literal["total", "fiscal", "general_budget", "carryover", "other"]
Operator = Literal["≥", "≤", "=", ">", "<", "定性"]
Scalar = str | float | int | bool | None


class Model(BaseModel):
    """Base for all contract models: unknown keys are refused, assignment is validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


# Below this confidence a value is shown to the reviewer as unsure (checks, report, workbook, eval).
FLAG_CONFIDENCE = 0.9


def _is_none(value: object) -> bool:
    """Optional provenance fields are written only when set (a 12,000-form input repeats provenance ~90 times
    per form); the contract fields are always written."""
    return value is None


class Provenance(Model):
    """How, where and how surely one field was obtained."""

    method: Method = "rule"
    page: int | None = Field(None, description="1-based page (plain text: page 1 unless form feeds split it)")
    bbox: BBox | None = Field(None, description="x0, y0, x1, y1 in PDF points; null for plain text")
    source_text: str = Field(description="the cell text the value was read from, as printed")
    confidence: float = Field(1.0, ge=0.0, le=1.0)
    line: int | None = Field(None, description="1-based line of a plain-text input")
    note: str | None = Field(None, description="how the value was repaired or inferred, if it was", exclude_if=_is_none)
    model: str | None = Field(None, description="the model that supplied an llm value", exclude_if=_is_none)
    prompt_sha256: str | None = Field(None, description="sha256 of the prompt template behind an llm value",
                                      exclude_if=_is_none)
    sheet: str | None = Field(None, description="worksheet name of a spreadsheet input (page is its ordinal)",
                              exclude_if=_is_none)
    cell: str | None = Field(None, description="spreadsheet cell address, e.g. B7", exclude_if=_is_none)
    table: int | None = Field(None, description="1-based table of a Word input (page is its ordinal too)",
                              exclude_if=_is_none)
    row: int | None = Field(None, description="1-based row of that Word table", exclude_if=_is_none)
    column: int | None = Field(None, description="1-based grid column of that Word table", exclude_if=_is_none)


class PageGeometry(Model):
    """A page as the boxes of its values refer to it (scans: after turning and deskewing)."""

    number: int
    width: float | None = Field(None, description="points")
    height: float | None = Field(None, description="points")
    rotation: int = Field(0, description="clockwise degrees the scan was turned to read it upright")
    skew: float = Field(0.0, description="degrees of skew corrected before OCR")
    ocr: bool = False


class SourceInfo(Model):
    path: str
    sha256: str
    kind: Literal["text", "pdf", "scan", "image", "xlsx", "xls", "docx"]
    pages: int
    encoding: str | None = Field(None, description="detected text encoding of a text input")
    page_geometry: list[PageGeometry] = Field(default_factory=list, description="PDF/scan pages, for the report")


class Fund(Model):
    kind: FundKind = Field(description="total 年度资金总额 / fiscal 财政拨款 / general_budget 一般公共预算 / "
                           "carryover 上年结转 / other 其他资金")
    label: str = Field(description="row label as printed")
    initial_budget: float | None = Field(None, description="年初预算数")
    adjusted_budget: float | None = Field(None, description="全年（调整）预算数")
    executed: float | None = Field(None, description="全年执行数")
    rate: float | None = Field(None, description="this row's printed 执行率 (%), if printed")


class BudgetExecution(Model):
    rate: float | None = Field(None, description="执行率 (%) as printed")
    weight: float | None = Field(None, description="执行率分值 / 权重")
    score: float | None = Field(None, description="执行率得分")


class Goals(Model):
    initial: str | None = Field(None, description="年初绩效目标 / 预期目标")
    adjusted: str | None = Field(None, description="全年（调整）绩效目标")
    actual: str | None = Field(None, description="全年目标实际完成情况")


class Indicator(Model):
    level1: str | None = Field(None, description="一级指标")
    level2: str | None = Field(None, description="二级指标")
    name: str = Field(description="三级指标 / 指标名称")
    unit: str | None = Field(None, description="计量单位")
    operator: Operator | None = Field(None, description="指标性质 or the target's prefix")
    target: str | None = Field(None, description="指标值 / 年度指标值, as printed")
    actual: str | None = Field(None, description="完成值 / 实际完成值, as printed")
    target_value: float | None = None
    actual_value: float | None = None
    deviation_pct: float | None = Field(None, description="偏离度 (%)")
    score_coef: float | None = Field(None, description="得分系数 (%)")
    weight: float | None = Field(None, description="分值 / 指标权重")
    score: float | None = Field(None, description="得分 / 指标得分 / 自评分")
    review_score: float | None = Field(None, description="复核分, where the form has one")
    is_core: bool | None = Field(None, description="是否核心指标")
    explanation: str = Field("", description="说明 / 偏差原因分析及改进措施")
    scoring_method: str | None = Field(None, description="得分计算方法 / 评分标准, where the form has one")


COMPACT = {"compact": True}  # serialization context of the JSON file: no source_text that repeats its value


class Form(Model):
    form_type: Literal["project", "department"] = Field(description="项目支出 / 部门整体")
    year: int | None = None
    title: str | None = None
    project_name: str | None = Field(None, description="项目名称")
    project_code: str | None = Field(None, description="项目编码")
    department: str | None = Field(None, description="主管部门 / 项目主管部门")
    implementing_unit: str | None = Field(None, description="实施单位")
    finance_office: str | None = Field(None, description="财政归口处室")
    contact: str | None = Field(None, description="联系人")
    phone: str | None = Field(None, description="联系电话")
    amount_unit: Literal["万元", "元"] | None = None
    funds: list[Fund] = Field(default_factory=list)
    budget_execution: BudgetExecution = Field(default_factory=BudgetExecution)
    goals: Goals = Field(default_factory=Goals)
    indicators: list[Indicator] = Field(default_factory=list)
    total_score: float | None = Field(None, description="自评总分 / 总分行的得分")
    total_weight: float | None = Field(None, description="总分行的分值, where printed")
    grade: str | None = Field(None, description="评分等级")
    explanation: str | None = Field(None, description="说明: the form-level 说明 row below the indicator table, as printed")
    layout: str | None = Field(None, description="detected indicator-table layout, e.g. 'deviation' or 'three-level'")
    provenance: dict[str, Provenance] = Field(default_factory=dict)

    @field_serializer("provenance", mode="wrap")
    def _compact(self, value: dict[str, Provenance], handler: SerializerFunctionWrapHandler,
                 info: FieldSerializationInfo) -> Any:
        """In the JSON file (context COMPACT) provenance is written short and lossless (`provcodec.compact`;
        context "rests": the notes numbered by the document's earlier forms)."""
        if not (isinstance(info.context, dict) and info.context.get("compact")):
            return handler(value)
        rests = info.context.get("rests")
        return provcodec.compact(value, self, rests if isinstance(rests, list) else None)

    @model_validator(mode="before")
    @classmethod
    def _restore(cls, data: Any, info: ValidationInfo) -> Any:
        """The JSON file's provenance read back (`provcodec.restore`; context "rests": the notes numbered by the
        document's earlier forms, when its forms are read one by one)."""
        if isinstance(data, dict) and isinstance(data.get("provenance"), dict):
            rests = info.context.get("rests") if isinstance(info.context, dict) else None
            provcodec.restore(data, rests if isinstance(rests, list) else None)
        return data


class Finding(Model):
    code: str
    severity: Severity
    form: int | None = Field(None, description="index into forms; null for file-level findings")
    path: str | None = Field(None, description="JSON path inside the form, e.g. indicators[3].score")
    message: str = Field(description="what a reviewer should look at, in Chinese")
    expected: Scalar = None
    found: Scalar = None
    quote: str | None = Field(None, description="原文摘录: the form's own text the finding is about, as printed")
    method: Literal["rule", "llm"] = Field("rule", description="who decided it: the rules, or the LLM judge")


class Draft(Model):
    kind: Literal["deviation_reason", "form_summary", "batch_summary"]
    form: int | None = None
    indicator: int | None = None
    text: str
    method: Literal["llm", "template"]
    model: str | None = None
    prompt_sha256: str | None = None
    grounded: bool = Field(description="every number in the text is a value of the form or derived from them, and "
                           "every cause or measure it states is one the form gives")
    ungrounded_numbers: list[str] = Field(default_factory=list)
    ungrounded_claims: list[str] = Field(default_factory=list, description="causes/measures the form does not give")
    quotes: list[str] = Field(default_factory=list, description="原文依据: the form's text each cause/measure rests on")
    status: Literal["draft", "accepted", "edited", "rejected"] = "draft"
    facts: list[str] = Field(default_factory=list, description="the facts the drafter was given")
    original_text: str | None = Field(None, description="the drafted text, when a reviewer edited it")
    decided_by: Literal["human"] | None = Field(None, description="审核结论 came from a reviewer")
    review_note: str | None = Field(None, description="审核意见")


AssessmentStatus = Literal["met", "over", "short", "unread", "unjudged"]


class Assessment(Model):
    """How one indicator stands against its target, judged once by the checks (docs/checks.md) and read by
    the drafts, the workbook and the reports."""

    form: int
    indicator: int
    kind: Literal["quantitative", "qualitative", "unknown"]
    status: AssessmentStatus = Field(description="met 已完成 / over 超额完成（优于目标） / short 未完成 / "
                                     "unread 未能识别 / unjudged 无法判断")
    operator: Operator | None = Field(None, description="the operator the judgement used (printed, or ≥ by default)")
    met: bool | None = Field(None, description="the target is reached under the operator (the checks' judgement)")
    achievement: Literal["achieved", "partial", "not_achieved"] | None = Field(
        None, description="定性: 达成 / 部分达成 / 未达成")
    deviation: float | None = Field(None, description="偏离度 computed from target and actual (%)")
    rule_score: float | None = Field(None, description="the score the rules give (docs/checks.md rules 3)")
    score_deducted: bool = Field(False, description="得分 < 分值")
    units: tuple[str, str] | None = Field(None, description="(target unit, actual unit) when they differ")
    unread: list[str] = Field(default_factory=list, description="fields the tool could not read surely "
                              "(OCR omission, low confidence)")
    reasons: list[str] = Field(default_factory=list, description="why an explanation is required (rule 8), in Chinese")

    @property
    def needs_explanation(self) -> bool:
        return bool(self.reasons)


class LlmUsage(Model):
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_calls: int = 0


class Document(Model):
    """Everything jixiao knows about one input file."""

    source: SourceInfo
    status: Literal["ok", "partial"] = Field(
        "ok", description="partial while any finding of severity warning or error is open"
    )
    profile: str = Field("national", description="rule profile the checks ran under")
    forms: list[Form] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    assessments: list[Assessment] = Field(default_factory=list, description="one per indicator, from the checks")
    drafts: list[Draft] = Field(default_factory=list)
    llm_usage: LlmUsage = Field(default_factory=LlmUsage)

    @model_validator(mode="before")
    @classmethod
    def _shared_facts(cls, data: Any) -> Any:
        """A draft whose facts are "^" has the previous draft's (the JSON file writes repeated facts once); the
        forms' provenance notes are numbered across the document (`provcodec`)."""
        if isinstance(data, dict) and isinstance(data.get("forms"), list):  # the forms' numbered notes are shared
            rests: list[Any] = []
            for form in data["forms"]:
                if isinstance(form, dict) and isinstance(form.get("provenance"), dict):
                    provcodec.restore(form, rests)
        if isinstance(data, dict) and isinstance(data.get("drafts"), list):
            previous: Any = []
            for draft in data["drafts"]:
                if isinstance(draft, dict):
                    if draft.get("facts") == SAME_FACTS:
                        draft["facts"] = previous
                    previous = draft.get("facts", [])
        return data


SAME_FACTS = "^"  # in the JSON file: this draft's facts are the previous draft's
