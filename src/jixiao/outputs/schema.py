"""The review workbook's schema, shared by the writer (`outputs.workbook`) and the importer (`review.importer`):
sheet names, the 草稿 columns and which of them a reviewer may edit, decisions, draft ids, and when a value is
shown to the reviewer as needing a look."""

from __future__ import annotations

from jixiao.models import FLAG_CONFIDENCE, AssessmentStatus, Provenance

META_SHEET = "校验"
META_VERSION = "3"
SHEETS = ("表单", "指标", "问题", "草稿")
DRAFT_SHEET = "草稿"
DECISIONS = ("采纳", "修改", "退回")
STATUS = {"采纳": "accepted", "修改": "edited", "退回": "rejected"}
STATUS_NAMES = {"draft": "待审核", "accepted": "已采纳", "edited": "已修改", "rejected": "已退回"}
# 草稿: the draft's text and the reviewer's columns side by side (the columns up to 草稿内容 are frozen)
DRAFT_HEADER = ("编号", "项目名称", "草稿类型", "指标", "草稿内容", "审核结论", "修改后文本", "审核意见", "当前状态",
                "数字核验", "生成方式", "文件", "表单")
EDITABLE = ("审核结论", "修改后文本", "审核意见")
PROTECTED = ("编号", "草稿内容")  # an edit here is refused by the import (it would be lost)
FROZEN_THROUGH = "草稿内容"
KIND_NAMES = {"deviation_reason": "偏差原因分析", "form_summary": "表单小结", "batch_summary": "批次汇总"}
ASSESSMENT_NAMES: dict[AssessmentStatus, str] = {"met": "已完成", "over": "超额完成", "short": "未完成",
                                                 "unread": "未能识别", "unjudged": "无法判断"}
SEVERITY_NAMES = {"error": "错误", "warning": "警告", "info": "提示"}
PLACEHOLDER = "【待补充"
FIELD_LABELS = {
    "title": "表名", "project_name": "项目名称", "project_code": "项目编码", "department": "主管部门",
    "implementing_unit": "实施单位", "finance_office": "财政归口处室", "contact": "联系人", "phone": "联系电话",
    "year": "年度", "amount_unit": "金额单位", "total_score": "自评总分", "total_weight": "总分值", "grade": "评分等级",
    "rate": "执行率(%)", "weight": "分值", "score": "得分", "initial_budget": "年初预算数", "adjusted_budget": "全年预算数",
    "executed": "全年执行数", "label": "资金名称", "level1": "一级指标", "level2": "二级指标", "name": "三级指标",
    "unit": "计量单位", "operator": "指标性质", "target": "年度指标值", "actual": "实际完成值", "deviation_pct": "偏离度(%)",
    "score_coef": "得分系数(%)", "review_score": "复核分", "is_core": "核心指标", "explanation": "偏差原因分析及改进措施",
    "indicators": "绩效指标", "funds": "资金情况", "budget_execution": "预算执行", "goals": "绩效目标",
    "initial": "年初目标", "adjusted": "调整后目标", "actual_goal": "实际完成情况",
}

# values a rule derived rather than read from a printed cell (a unit taken from the target's suffix, a
# qualitative operator, an amount unit guessed from the size of the amounts): their confidence is no reason to look
_DERIVED_NOTES = ("inferred", "taken from", "qualitative", "not printed", "from the title")


def draft_id(stem: str, index: int) -> str:
    return f"{stem}#{index}"


def needs_look(prov: Provenance | None) -> bool:
    """A printed value read below the confidence floor (OCR, a repaired cell, an LLM value)."""
    if prov is None or prov.confidence >= FLAG_CONFIDENCE:
        return False
    return not any(word in (prov.note or "") for word in _DERIVED_NOTES)
