"""Drafts are true to the form: each misstatement a reviewer found, driven from the seeds."""

from __future__ import annotations

import re

from jixiao.checks import RuleProfile, check_document
from jixiao.drafts import TemplateDrafter, draft_batch, draft_document
from jixiao.models import Document, Draft, Provenance


def _drafted(doc: Document, profile: RuleProfile) -> Document:
    return draft_document(doc, profile, TemplateDrafter())


def _summary(doc: Document, form: int) -> str:
    return next(d.text for d in doc.drafts if d.kind == "form_summary" and d.form == form)


def _deviation(doc: Document, form: int, indicator: int) -> Draft | None:
    return next((d for d in doc.drafts if d.kind == "deviation_reason" and d.form == form
                 and d.indicator == indicator), None)


def test_a_met_at_most_target_is_not_called_short(seeds: dict[str, Document], profile: RuleProfile) -> None:
    doc = _drafted(seeds["qijiang"], profile)  # 网络安全事故发生率: ≤5, actual 0
    form = next(i for i, f in enumerate(doc.forms) if any(ind.name == "网络安全事故发生率" for ind in f.indicators))
    text = _summary(doc, form)
    assert "未完成0项" in text and "网络安全事故发生率优于年度指标值" in text
    assert "未达到年度目标" not in text and "未完成或偏差较大" not in text


def test_equal_to_target_cost_is_met(seeds: dict[str, Document], profile: RuleProfile) -> None:
    doc = _drafted(seeds["jinfeng"], profile)  # 资金成本: 51万元 → 51万元, 8 of 10 points
    form = next(i for i, f in enumerate(doc.forms)
                if any(ind.name == "资金成本" and ind.target == "51万元" for ind in f.indicators))
    text = _summary(doc, form)
    assert "未完成0项" in text and "已完成但自评扣分的指标：资金成本（分值10分，自评得分8分）" in text
    index = next(i for i, ind in enumerate(doc.forms[form].indicators) if ind.name == "资金成本")
    draft = _deviation(doc, form, index)
    assert draft is not None and "已完成年度指标值" in draft.text and "扣分原因：【待补充：具体原因】" in draft.text
    assert "未达到" not in draft.text


def test_over_achievement_is_described_as_such_without_a_commitment(seeds: dict[str, Document],
                                                                     profile: RuleProfile) -> None:
    doc = _drafted(seeds["yuzhong"], profile)  # 承办大型会议活动次数: ≥50, actual 60
    index = next(i for i, ind in enumerate(doc.forms[0].indicators) if ind.name == "承办大型会议活动次数")
    draft = _deviation(doc, 0, index)
    assert draft is not None and "超额完成（偏离度20%）" in draft.text
    assert "改进措施" not in draft.text and "确保" not in draft.text and "未达到" not in draft.text
    for d in doc.drafts:  # no draft promises what the form does not say
        assert "确保年度绩效目标按期实现" not in d.text and "加强项目实施过程监控" not in d.text


def test_a_value_ocr_missed_is_unread_not_unfilled(seeds: dict[str, Document], profile: RuleProfile) -> None:
    """A scan where the seal hid 完成值 and 自评总分: the drafts say the value was not read, never 未填写."""
    seed = seeds["pujin"].model_copy(deep=True)
    form = seed.forms[0]
    form.provenance = {k: p.model_copy(update={"method": "ocr", "confidence": 0.97}) for k, p in form.provenance.items()}
    form.indicators[1].actual, form.indicators[1].actual_value = None, None
    form.total_score = None
    del form.provenance["indicators[1].actual"], form.provenance["total_score"]
    doc = _drafted(check_document(seed, profile), profile)
    judged = next(a for a in doc.assessments if a.form == 0 and a.indicator == 1)
    assert judged.status == "unread" and "actual" in judged.unread
    text = _summary(doc, 0)
    assert "数值未能识别1项" in text and "自评总分未能识别，请核对原件" in text
    assert "未填写" not in text
    empty = next(f for f in doc.findings if f.code == "EMPTY_ACTUAL" and f.form == 0)
    assert "未能识别，请核对原件" in empty.message and "未填写" not in empty.message
    low = Provenance(method="ocr", source_text="9", confidence=0.5)
    form.provenance["indicators[2].weight"] = low  # read, but not surely: its weight is not part of a sure sum
    rechecked = check_document(seed, profile)
    assert "weight" in next(a for a in rechecked.assessments if a.form == 0 and a.indicator == 2).unread


COUNTS = re.compile(r"绩效指标共(\d+)项，已完成(\d+)项(?:（其中超额完成或优于目标(\d+)项）)?，未完成(\d+)项"
                    r"(?:，数值未能识别(\d+)项)?(?:，无法判断是否完成(\d+)项)?")


def test_summary_counts_add_up(seeds: dict[str, Document], profile: RuleProfile) -> None:
    for doc in (_drafted(d, profile) for d in seeds.values()):
        for i, form in enumerate(doc.forms):
            match = COUNTS.search(_summary(doc, i))
            assert match, _summary(doc, i)
            total, met, _over, short, unread, unjudged = (int(g or 0) for g in match.groups())
            assert total == len(form.indicators) == met + short + unread + unjudged


def test_batch_summary_is_titled_by_what_it_holds(seeds: dict[str, Document], profile: RuleProfile) -> None:
    projects = [seeds["pujin"], seeds["jinfeng"]]
    assert {f.form_type for d in projects for f in d.forms} == {"project"}
    text = draft_batch(projects, TemplateDrafter()).text
    assert text.startswith("项目支出绩效自评情况汇总") and "部门整体" not in text
    mixed = draft_batch([seeds["yuzhong"], seeds["pujin"]], TemplateDrafter()).text
    assert mixed.startswith("项目支出和部门整体支出绩效自评情况汇总") and "部门整体1张" in mixed
    everything = draft_batch(list(seeds.values()), TemplateDrafter()).text
    assert "（警告：分值合计不符）" in everything and "WEIGHT_SUM_MISMATCH" not in everything  # labels, not codes
