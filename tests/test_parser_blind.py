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


TRANSFER = [
    "附件1",
    "绩效目标申报表",
    "专项名称\t农村饮水安全巩固提升",
    "年度绩效目标\t新建集中供水工程3处",
    "一级指标\t二级指标\t三级指标\t指标值",
    "产出指标\t数量指标\t新建集中供水工程\t3处",
    "",
    "转移支付区域绩效自评表（2024年度）",
    "专项名称\t农村饮水安全巩固提升",
    "中央主管部门\t水利部\t地方主管部门\t某县水务局",
    "资金使用单位\t某县农村供水站",
    "项目负责人\t张强\t联系人\t刘芳\t联系电话\t0931-8123456",
    "资金情况（万元）\t\t年初预算数\t全年预算数\t全年执行数\t分值\t执行率\t得分",
    "\t年度资金总额\t800\t800\t760\t10\t95%\t9.5",
    "\t市县资金\t200\t200\t160\t—\t80%\t—",
    "一级指标\t二级指标\t三级指标\t指标值\t实际完成值\t偏离度(%)\t分值\t得分\t偏离原因及改进措施",
    "产出指标\t数量指标\t新建集中供水工程\t≥3处\t3处\t0\t20\t20\t",
    "\t\t新增供水覆盖面积\t≥12平方公里\t11.5平方公里\t-4.17\t20\t19\t雨季停工，次年完工",
    "\t成本指标\t户均建设成本\t≤1800元/户\t1750元/户\t2.78\t20\t20\t",
    "效益指标\t社会效益指标\t自来水普及率提高\t≥2个百分点\t2.3个百分点\t15\t20\t20\t",
    "满意度指标\t服务对象满意度指标\t受益群众满意度\t≥90%\t94%\t4.44\t20\t20\t",
    "说明：请在“偏离原因”中说明偏离目标的原因及拟采取的措施。",
    "总分\t\t\t\t\t\t100\t99",
]


def test_a_transfer_payment_form_after_a_declaration_form(tmp_path: Path, profile: RuleProfile) -> None:
    doc = _read(tmp_path, TRANSFER, profile)
    assert len(doc.forms) == 1  # the 申报表 before it is skipped, and said so
    assert any(f.code == "SHEET_SKIPPED" and "绩效目标申报表" in f.message for f in doc.findings)
    form = doc.forms[0]
    assert (form.project_name, form.department, form.implementing_unit) == (
        "农村饮水安全巩固提升", "某县水务局", "某县农村供水站")  # the local 主管部门, not the ministry
    assert form.contact == "刘芳"  # the 联系人, not the 项目负责人
    assert [f.kind for f in form.funds] == ["total", "fiscal"]
    assert [i.unit for i in form.indicators] == ["处", "平方公里", "元/户", "个百分点", "%"]
    assert form.indicators[1].explanation == "雨季停工，次年完工"  # 偏离原因 is the explanation, 偏离度 the deviation
    assert form.indicators[1].deviation_pct == -4.17 and len(form.indicators) == 5  # the 说明 line is no indicator


def test_an_excel_paste_keeps_a_header_cell_with_a_line_break_whole(tmp_path: Path, profile: RuleProfile) -> None:
    lines = [line.replace("\t年初预算数\t全年预算数\t全年执行数\t", '\t"年初\n预算数"\t"全年\n预算数"\t"全年\n执行数"\t')
             for line in TRANSFER[7:]]
    form = _read(tmp_path, lines, profile).forms[0]
    assert (form.funds[0].initial_budget, form.funds[0].executed) == (800, 760) and form.budget_execution.score == 9.5


def test_a_merged_level_printed_below_its_first_row_is_put_back(tmp_path: Path, profile: RuleProfile) -> None:
    # an exported sheet prints the merged 效益指标 in the middle of its rows: its first row carried 产出 down
    lines = [line.replace("效益指标\t社会效益指标\t自来水普及率提高", "\t社会效益指标\t自来水普及率提高")
             for line in TRANSFER[7:]]
    lines.insert(lines.index(next(x for x in lines if x.startswith("满意度指标"))),
                 "效益指标\t可持续影响指标\t供水管护机制\t健全\t健全\t\t0\t0\t")
    form = _read(tmp_path, lines, profile).forms[0]
    social = form.indicators[3]
    assert (social.level1, social.level2) == ("效益指标", "社会效益指标")
    assert form.provenance["indicators[3].level1"].confidence < FLAG_CONFIDENCE  # put back, flagged


def test_the_block_label_printed_in_a_row_is_no_level(tmp_path: Path, profile: RuleProfile) -> None:
    # the merged '绩效指标' cell spanning the table prints its text in the middle of its rows, in the first column
    lines = ["项目支出绩效自评表", "项目名称\t河道保洁",
             "\t一级指标\t二级指标\t三级指标\t指标值\t完成值\t分值\t得分",
             "\t产出指标\t数量指标\t保洁河道长度\t≥39公里\t42公里\t40\t40",
             "绩效指标\t\t成本指标\t单站年运维成本\t≤6.53万元\t5.95万元\t30\t30",
             "\t效益指标\t生态效益指标\t水质达标情况\t稳定达标\t稳定达标\t30\t30",
             "总分\t\t\t\t\t\t100\t100"]
    form = _read(tmp_path, lines, profile).forms[0]
    assert [i.level1 for i in form.indicators] == ["产出指标", "产出指标", "效益指标"]


def test_a_department_form_with_a_tasks_table_and_an_investment_form(tmp_path: Path, profile: RuleProfile) -> None:
    tasks = ["部门整体支出绩效自评表", "部门名称\t某区水务局", "联系人\t王敏\t联系电话\t0991-1234567",
             "部门预算资金（万元）\t\t年初预算数\t全年预算数\t全年执行数\t分值\t执行率\t得分",
             "\t年度资金总额\t900\t1000\t950\t10\t95%\t9.5",
             "年度重点工作\t工作任务\t主要内容\t预算数（万元）\t执行数（万元）\t完成情况",  # tasks, not sources of money
             "\t河道清淤\t清淤12公里\t400\t390\t完成",
             "一级指标\t二级指标\t三级指标\t指标值\t完成值\t分值\t得分",
             "产出指标\t数量指标\t清淤河道长度\t≥12公里\t12公里\t90\t90", "总分\t\t\t\t\t100\t99.5"]
    form = _read(tmp_path, tasks, profile).forms[0]
    assert form.department == "某区水务局" and form.project_name is None  # a 部门整体 form names its department
    assert [(f.label, f.executed) for f in form.funds] == [("年度资金总额", 950)]
    assert (form.budget_execution.rate, form.budget_execution.score) == (95, 9.5)
    investment = ["政府投资项目绩效自评表", "项目名称\t某中学教学楼", "项目建设单位\t某中学",
                  "年度投资完成情况（万元）\t投资来源\t年初计划投资\t调整后计划投资\t实际完成投资\t分值\t完成率\t得分",
                  "\t年度投资总额\t3200\t3600\t3170\t10\t88.06%\t8.81",
                  "\t其中：中央预算内投资\t2000\t2000\t2000\t—\t100%\t—",
                  "\t地方政府专项债券\t1000\t1400\t1050\t—\t75%\t—",
                  "一级指标\t二级指标\t三级指标\t指标值\t完成值\t分值\t得分",
                  "产出指标\t数量指标\t新建教学楼面积\t≥12600平方米\t12600平方米\t90\t90", "总分\t\t\t\t\t100\t98.81"]
    form = _read(tmp_path, investment, profile).forms[0]
    assert form.implementing_unit == "某中学"
    assert [(f.kind, f.initial_budget, f.adjusted_budget, f.executed) for f in form.funds] == [
        ("total", 3200, 3600, 3170), ("fiscal", 2000, 2000, 2000), ("other", 1000, 1400, 1050)]
    assert (form.budget_execution.rate, form.budget_execution.score) == (88.06, 8.81)


def test_a_scoring_rule_column_units_with_a_bracket_and_named_fiscal_sources(tmp_path: Path,
                                                                              profile: RuleProfile) -> None:
    lines = ["项目支出绩效自评表", "项目名称\t畜禽养殖补助",
             "项目资金（万元）\t\t年初预算数\t全年预算数\t全年执行数\t分值\t执行率\t得分",
             "\t年度资金总额\t300\t300\t300\t10\t100%\t10",
             "\t其中：上级补助资金\t200\t200\t200\t—\t100%\t—",
             "\t本级财政资金\t100\t100\t100\t—\t100%\t—",
             "一级指标\t二级指标\t三级指标\t指标值\t完成值\t分值\t得分\t计分方法",
             "\t数量指标\t补助养殖场数量\t≥20台（套）\t22台（套）\t50\t50\t完成得满分，未完成按比例扣分",
             # the 一级 printed below its first row, as an exported merged cell prints it
             "产出指标\t质量指标\t出栏量\t≥1.2万头（只）\t1.3万头（只）\t40\t40\t完成得满分",
             "总分\t\t\t\t\t100\t100"]
    form = _read(tmp_path, lines, profile).forms[0]
    assert [f.kind for f in form.funds] == ["total", "fiscal", "fiscal"]
    assert [(i.level1, i.unit, i.scoring_method) for i in form.indicators] == [
        ("产出指标", "台（套）", "完成得满分，未完成按比例扣分"), ("产出指标", "万头（只）", "完成得满分")]
    assert form.provenance["indicators[0].level1"].confidence < FLAG_CONFIDENCE  # taken from the 二级's family
