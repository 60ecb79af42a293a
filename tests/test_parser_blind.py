"""Families a blind test set showed (forms modelled on 安徽, 河北, 四川 and 贵州 templates by someone who never read
the parser). Each test is another province's wording of the same family, not the form that showed it."""

from __future__ import annotations

from pathlib import Path

from jixiao.checks import RuleProfile
from jixiao.models import FLAG_CONFIDENCE, Document
from jixiao.pipeline import extract
from tests.conftest import write_form


def _read(tmp_path: Path, lines: list[str], profile: RuleProfile) -> Document:
    return extract(write_form(tmp_path, "\n".join(lines) + "\n"), profile)


FORM = [
    "项目支出绩效目标完成情况自评表",
    "（2024年度）",
    "项目名称\t城区供水管网改造",
    "主管部门\t某市住房和城乡建设局\t\t实施单位\t某市供水公司",
    "联系人及电话\t王芳 0971-6123456（办公）",
    "项目资金（万元）\t\t年初预算数\t全年预算数\t全年执行数\t分值\t执行率\t得分",
    "\t年度资金总额\t500\t480\t470\t10\t97.92%\t9.79",
    "项目概况\t1.项目绩效目标完成情况",
    "\t项目年度目标\t\t\t年度目标完成情况",
    "\t改造老旧管网18公里，漏损率降到10%以下。\t\t\t改造管网18.6公里，漏损率9.2%。",
    "\t2.项目组织实施情况\t按月调度，分片施工。",
    "绩效指标完成情况\t一级指标\t二级指标\t三级指标\t指标值\t全年实际值\t分值\t得分\t偏差原因",
    "\t产出指标（60分）\t数量指标\t指标1：改造管网长度\t≥18公里\t18.6公里\t30\t30\t",
    "\t\t\t指标2\t\t\t\t\t",
    "\t\t质量指标\t指标1：验收合格率\t100%\t100%\t30\t30\t",
    "\t\t\t…\t\t\t\t\t",
    "\t效益指标（30分）\t社会效益指标\t指标1：管网漏损率\t≤10%\t9.2%\t30\t30\t",
    "\t\t生态效益指标\t指标1：无\t无\t无\t\t\t",
    "总分\t\t\t\t\t\t90\t89.79\t",
    "填报人：李明\t\t联系电话：0971-6234567\t\t填报日期：2025年3月10日",
]


def test_block_labels_placeholders_and_a_footer_of_a_form_not_seen(tmp_path: Path, profile: RuleProfile) -> None:
    doc = _read(tmp_path, FORM, profile)
    assert len(doc.forms) == 1  # the signature footer starts no second form
    form = doc.forms[0]
    assert form.title == "项目支出绩效目标完成情况自评表" and form.year == 2024
    # '绩效指标完成情况' is the block's label in the first column, not its 完成值 column
    assert [(i.name, i.actual, i.weight) for i in form.indicators] == [
        ("指标1：改造管网长度", "18.6公里", 30), ("指标1：验收合格率", "100%", 30), ("指标1：管网漏损率", "9.2%", 30)]
    assert form.goals.initial == "改造老旧管网18公里，漏损率降到10%以下。"
    assert form.goals.actual == "改造管网18.6公里，漏损率9.2%。"  # '2.项目组织实施情况' is not a goal
    assert (form.contact, form.phone) == ("王芳", "0971-6123456")  # one label asked for both


def test_a_placeholder_label_with_values_is_an_indicator(tmp_path: Path, profile: RuleProfile) -> None:
    lines = [line.replace("\t\t\t指标2\t\t\t\t\t", "\t\t\t指标2：\t≥2处\t2处\t5\t5\t") for line in FORM]
    names = [i.name for i in _read(tmp_path, lines, profile).forms[0].indicators]
    assert names[1] == "指标2："  # the unit filled it in: kept (and a finding says the name is not specific)


def test_a_signature_footer_gives_the_contact_when_the_header_has_none(tmp_path: Path, profile: RuleProfile) -> None:
    lines = [line for line in FORM if not line.startswith("联系人及电话")]
    form = _read(tmp_path, lines, profile).forms[0]
    assert (form.contact, form.phone) == ("李明", "0971-6234567")


def test_a_header_label_cut_by_a_line_wrap_is_joined_and_flagged(tmp_path: Path, profile: RuleProfile) -> None:
    lines = ["2024年度项目支出绩效自评表",
             "项目名称：城区供水管网改造 项目编码：630100240031 自评",
             "得分：89.79",
             *FORM[3:]]
    doc = _read(tmp_path, lines, profile)
    form = doc.forms[0]
    assert form.project_code == "630100240031" and form.total_score == 89.79
    assert doc.forms[0].provenance["project_code"].confidence < FLAG_CONFIDENCE
