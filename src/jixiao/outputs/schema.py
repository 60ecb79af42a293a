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
