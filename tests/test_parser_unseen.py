"""Layout families no seed uses (issue 9): each test is a form as some province prints it, read by meaning."""

from __future__ import annotations

from pathlib import Path

from jixiao.checks import RuleProfile
from jixiao.ingest.text import ingest_text
from jixiao.layout import LayoutDocument
from jixiao.models import FLAG_CONFIDENCE, Document
from jixiao.parse import parse
from jixiao.pipeline import extract
from tests.conftest import write_form


def _read(tmp_path: Path, lines: list[str], profile: RuleProfile) -> Document:
    return extract(write_form(tmp_path, "\n".join(lines) + "\n"), profile)


HUNAN_TABBED = [
    "2023年度项目支出绩效自评表",
    "项目名称\t农村公路安全生命防护工程\t项目编码\t430621-2023-088",
    "主管部门\t某县交通运输局\t实施单位\t某县公路建设养护中心",
    "项目资金（万元）\t\t年初预算数\t全年预算数\t全年执行数\t分值\t执行率\t得分",
    "\t年度资金总额\t320.00\t300.00\t285.00\t10\t95.00%\t9.5",
    "\t其中：当年财政拨款\t320.00\t300.00\t285.00\t—\t95.00%\t—",
    "一级指标\t二级指标\t三级指标\t年度指标值\t实际完成值\t分值\t得分\t偏差原因分析及改进措施",
    "产出指标\t数量指标\t安装波形护栏长度\t≥42公里\t43.5公里\t20\t20\t",
    "\t质量指标\t工程验收合格率\t100%\t100%\t20\t20\t",
    "\t时效指标\t完工时间\t2023年11月底前\t2023年12月\t10\t8\t雨季延误工期",
    "效益指标\t社会效益指标\t农村公路事故率下降\t明显下降\t有所下降\t30\t27\t部分路段未完工",
    "满意度指标\t服务对象满意度指标\t沿线群众满意度\t≥90%\t93%\t10\t10\t",
    "总分\t\t\t\t\t100\t94.5\t",
]


def test_a_dump_whose_tabs_became_single_spaces_is_re_split(tmp_path: Path, profile: RuleProfile) -> None:
    spaced = [" ".join(cell for cell in line.split("\t") if cell) for line in HUNAN_TABBED]
    doc, tabbed = _read(tmp_path, spaced, profile), _read(tmp_path, HUNAN_TABBED, profile)
    form, truth = doc.forms[0], tabbed.forms[0]
    assert (form.project_name, form.department, form.implementing_unit) == (
        "农村公路安全生命防护工程", "某县交通运输局", "某县公路建设养护中心")
    assert [f.model_dump() for f in form.funds] == [f.model_dump() for f in truth.funds]
    assert form.budget_execution == truth.budget_execution
    assert [i.model_dump() for i in form.indicators] == [i.model_dump() for i in truth.indicators]
    assert (form.total_weight, form.total_score) == (100.0, 94.5)
    # a re-split row is a weaker path: every value read from one is flagged
    assert form.provenance["indicators[2].target"].confidence < FLAG_CONFIDENCE
    assert form.provenance["funds[0].executed"].confidence < FLAG_CONFIDENCE
    assert tabbed.forms[0].provenance["indicators[2].target"].confidence == 1.0


def test_a_funds_block_run_into_one_line_is_cut_back_into_rows(tmp_path: Path, profile: RuleProfile) -> None:
    lines = [*HUNAN_TABBED[:3], " ".join(c for line in HUNAN_TABBED[3:6] for c in line.split("\t") if c),
             *HUNAN_TABBED[6:]]
    form = _read(tmp_path, lines, profile).forms[0]
    assert [(f.label, f.adjusted_budget, f.executed) for f in form.funds] == [
        ("年度资金总额", 300.0, 285.0), ("其中：当年财政拨款", 300.0, 285.0)]
    assert (form.budget_execution.weight, form.budget_execution.score) == (10.0, 9.5)


def test_a_lost_indicator_header_is_guessed_and_flagged(tmp_path: Path, profile: RuleProfile) -> None:
    second = [line.replace("农村公路安全生命防护工程", "危桥改造") for line in HUNAN_TABBED
              if not line.startswith("一级指标")]
    doc = _read(tmp_path, [*HUNAN_TABBED, "", *second], profile)
    guessed = doc.forms[1]
    assert [i.name for i in guessed.indicators] == [i.name for i in doc.forms[0].indicators]
    assert (guessed.indicators[3].target, guessed.indicators[3].score) == ("明显下降", 27.0)
    assert guessed.provenance["indicators[3].score"].confidence < FLAG_CONFIDENCE
    assert any(f.code == "INDICATOR_HEADER_GUESSED" and f.form == 1 for f in doc.findings)


def test_budget_and_spending_only_with_the_points_in_the_block_title(tmp_path: Path, profile: RuleProfile) -> None:
    lines = [
        "部门项目支出绩效自评表",
        "（2024年度）",
        "项目名称\t老旧小区改造补助\t主管部门\t某市住房和城乡建设局",
        "资金执行情况（单位：万元）（10分）",
        "资金来源\t预算数(A)\t执行数(B)\t执行率(B/A)\t得分(10分×执行率)",
        "合计\t1200\t1080\t0.9\t9",
        "其中：中央补助\t800\t800\t1\t",
        "指标名称\t指标值\t实际完成值\t分值\t得分",
        "改造小区数量\t≥12个\t12个\t45\t45",
        "居民满意度\t≥85%\t88%\t45\t45",
        "合计\t\t\t100\t99",
    ]
    form = _read(tmp_path, lines, profile).forms[0]
    assert (form.year, form.amount_unit) == (2024, "万元")
    assert [(f.kind, f.adjusted_budget, f.executed, f.rate) for f in form.funds] == [
        ("total", 1200.0, 1080.0, 90.0), ("fiscal", 800.0, 800.0, 100.0)]
    be = form.budget_execution
    assert (be.rate, be.weight, be.score) == (90.0, 10.0, 9.0)
    assert form.provenance["budget_execution.rate"].note is not None  # printed as a ratio, read as a percent
    assert (form.total_weight, form.total_score) == (100.0, 99.0)


def test_a_ratio_rate_the_amounts_do_not_confirm_is_flagged(tmp_path: Path, profile: RuleProfile) -> None:
    lines = [
        "项目支出绩效自评表",
        "项目名称\t测试",
        "资金来源\t预算数\t执行数\t执行率\t得分(20分*执行率)",
        "合计\t100\t80\t0.95\t19",
    ]
    form = _read(tmp_path, lines, profile).forms[0]
    assert form.budget_execution.rate == 95.0 and form.budget_execution.weight == 20.0
    assert form.provenance["budget_execution.rate"].confidence < FLAG_CONFIDENCE


def test_an_empty_total_score_under_a_printed_total_weight(tmp_path: Path, profile: RuleProfile) -> None:
    lines = [line if not line.startswith("总分") else "合计\t\t\t\t\t100\t\t" for line in HUNAN_TABBED]
    form = _read(tmp_path, lines, profile).forms[0]
    assert form.total_weight == 100.0 and form.total_score is None


def test_labels_above_values_a_year_line_and_the_filer(tmp_path: Path, profile: RuleProfile) -> None:
    lines = [
        "项目绩效自评表",
        "年度：2023\t\t填报单位（盖章）：某区文化和旅游局",
        "项目名称\t项目主管部门\t项目实施单位",
        "公共文化场馆免费开放\t某区文化和旅游局\t某区图书馆",
        "项目资金\t年初预算数\t全年预算数\t全年执行数\t分值\t执行率\t得分",
        "年度资金总额\t60\t60\t60\t10\t100%\t10",
    ]
    form = _read(tmp_path, lines, profile).forms[0]
    assert (form.year, form.project_name, form.department, form.implementing_unit) == (
        2023, "公共文化场馆免费开放", "某区文化和旅游局", "某区图书馆")
    assert form.provenance["year"].source_text.startswith("年度")


def test_the_filer_stands_in_for_the_unit_only_when_no_unit_is_printed(tmp_path: Path, profile: RuleProfile) -> None:
    lines = ["项目绩效自评表", "填报单位：某镇人民政府", "项目名称\t村级道路硬化",
             "项目资金\t年初预算数\t全年预算数\t全年执行数", "年度资金总额\t5\t5\t5"]
    form = _read(tmp_path, lines, profile).forms[0]
    assert form.implementing_unit == "某镇人民政府"
    assert form.provenance["implementing_unit"].confidence < FLAG_CONFIDENCE


def test_level_names_that_carry_their_points(tmp_path: Path, profile: RuleProfile) -> None:
    lines = [*HUNAN_TABBED[:7],
             "产出指标（50分）\t数量指标\t安装波形护栏长度\t≥42公里\t43.5公里\t50\t50\t",
             "效益指标（30分）\t社会效益指标\t农村公路事故率下降\t明显下降\t明显下降\t30\t30\t",
             "满意度指标（10分）\t服务对象满意度指标\t沿线群众满意度\t≥90%\t93%\t10\t10\t"]
    doc = _read(tmp_path, lines, profile)
    assert [i.level1 for i in doc.forms[0].indicators] == ["产出指标", "效益指标", "满意度指标"]
    assert not any(f.code == "ROW_ALIGNMENT_UNCERTAIN" for f in doc.findings)


def test_cells_glued_with_no_space_at_all(tmp_path: Path, profile: RuleProfile) -> None:
    lines = [
        "项目支出绩效自评表",
        "年度：2023",
        "项目名称 项目编码 主管部门 实施单位",
        "乡村道路养护 520102-2023-17 某县交通局 某县公路所",
        "资金来源预算数执行数执行率分值得分",
        "年度资金总额120.5 110.3 91.54% 10 9.15",
        "年度绩效目标完成全县乡村道路日常养护，路况优良率保持在85%以上。",
        "目标实际完成情况 完成养护里程412公里，路况优良率87%。",
        "一级指标二级指标三级指标年度指标值实际完成值分值得分偏差原因分析及改进措施",
        "产出指标数量指标养护里程≥400公里412公里30 30",
        "质量指标 路况优良率 ≥85% 87% 30 30",
        "满意度指标 服务对象满意度指标 群众满意度 ≥90% 92% 30 30",
        "总分 100 99.15",
    ]
    form = _read(tmp_path, lines, profile).forms[0]
    assert (form.year, form.project_name, form.project_code, form.implementing_unit) == (
        2023, "乡村道路养护", "520102-2023-17", "某县公路所")
    assert [(f.label, f.adjusted_budget, f.executed, f.rate) for f in form.funds] == [("年度资金总额", 120.5, 110.3, 91.54)]
    assert form.goals.actual == "完成养护里程412公里，路况优良率87%。"
    first = form.indicators[0]
    assert (first.level1, first.level2, first.name, first.target, first.actual, first.weight, first.score) == (
        "产出指标", "数量指标", "养护里程", "≥400公里", "412公里", 30.0, 30.0)
    assert (form.total_weight, form.total_score) == (100.0, 99.15)
    assert all(p.confidence < FLAG_CONFIDENCE for k, p in form.provenance.items() if k.startswith("indicators"))


def test_listed_and_prefixed_header_labels_inline_with_cell_borders_kept_or_lost(tmp_path: Path,
                                                                                 profile: RuleProfile) -> None:
    """A label is a label by vocabulary wherever it sits: '主管部门/单位名称' names the department (not the
    project, as a lone 单位名称 does on a 部门整体 form), '项目联系人' and '联系电话' end the value glued before them."""
    header = ["项目名称：城乡供水一体化维修养护", "主管部门/单位名称：某县水务局", "项目联系人：孙立",
              "联系电话：0311-86001234"]
    tail = HUNAN_TABBED[3:]
    for row in ("\t\t".join(header), " ".join(header), "".join(header)):
        form = _read(tmp_path, ["2023年度项目支出绩效自评表", row, *tail], profile).forms[0]
        assert (form.project_name, form.department, form.contact, form.phone) == (
            "城乡供水一体化维修养护", "某县水务局", "孙立", "0311-86001234"), row


def test_a_row_realigned_by_content_has_no_sure_cell(tmp_path: Path, profile: RuleProfile) -> None:
    """A row with a cell missing (a merged cell the exporter dropped) is moved into place by content; the
    cells that did not move are in doubt as well, for the row does not sit in its columns."""
    lines = [*HUNAN_TABBED[:10], "效益指标\t社会效益指标\t农村公路事故率下降\t有所下降\t30\t27\t部分路段未完工",
             *HUNAN_TABBED[11:]]
    form = _read(tmp_path, lines, profile).forms[0]
    row = form.indicators[3]
    assert row.name == "农村公路事故率下降"  # which column 30 and 27 belong to the row cannot say
    read = {k: p for k, p in form.provenance.items() if k.startswith("indicators[3].") and "level" not in k}
    assert read and all(p.confidence < FLAG_CONFIDENCE for p in read.values()), read
    assert form.provenance["indicators[2].name"].confidence == 1.0


def test_labels_the_contract_has_no_field_for_end_the_value_before_them(tmp_path: Path, profile: RuleProfile) -> None:
    """传真/邮政编码/电子邮箱 printed among the header pairs: their values are read as nothing, and they do not
    run into the value before them, whether the pairs are tabbed, spaced, inline with colons or glued."""
    rows = {
        "tabbed": ["项目名称\t城区排涝泵站运行维护", "项目联系人\t钱多多\t传真\t0512-66553322",
                   "联系电话\t0512-66554411\t邮政编码\t215000"],
        "spaced": ["项目名称 城区排涝泵站运行维护", "项目联系人 钱多多 传真 0512-66553322",
                   "联系电话 0512-66554411 邮政编码 215000"],
        "inline": ["项目名称：城区排涝泵站运行维护",
                   "项目联系人：钱多多 传真：0512-66553322 联系电话：0512-66554411 电子邮箱：pz@example.cn"],
        "glued": ["项目名称：城区排涝泵站运行维护",
                  "项目联系人钱多多传真0512-66553322联系电话0512-66554411邮政编码215000"],
    }
    for name, header in rows.items():
        form = _read(tmp_path, ["项目支出绩效自评表", "（2023年度）", *header, *HUNAN_TABBED[3:]], profile).forms[0]
        assert (form.project_name, form.contact, form.phone) == ("城区排涝泵站运行维护", "钱多多", "0512-66554411"), name


def _as_ocr(layout: LayoutDocument, score: float) -> LayoutDocument:
    """The same rows as an OCR engine would hand them over: origin ocr, the recogniser's score."""
    pages = [page.model_copy(update={"ocr": True, "blocks": [block.model_copy(update={"rows": [
        row.model_copy(update={"cells": tuple(c.model_copy(update={"origin": "ocr", "confidence": score})
                                              for c in row.cells)}) for row in block.rows]})
        for block in page.blocks]}) for page in layout.pages]
    return layout.model_copy(update={"pages": pages})


def test_an_ocr_read_quantity_without_its_sign_is_unsure(tmp_path: Path) -> None:
    """OCR drops a leading ≥/≤ or reads it as '>', '2' or 'S' ('≥42公里' → '42公里', '242公里'): on a scan a
    quantity target with no sign, or with a strict sign, is flagged; a sign that was read, or a qualitative
    target, keeps the recogniser's score."""
    lines = [*HUNAN_TABBED[:7],
             "产出指标\t数量指标\t安装波形护栏长度\t242公里\t43.5公里\t20\t20\t",
             "\t质量指标\t工程验收合格率\t>95%\t100%\t20\t20\t",
             "\t时效指标\t完工时间\t按期完工\t按期完工\t10\t10\t",
             "效益指标\t社会效益指标\t沿线群众满意度\t≥90%\t93%\t30\t30\t",
             "总分\t\t\t\t\t100\t100\t"]
    layout = _as_ocr(ingest_text(write_form(tmp_path, "\n".join(lines) + "\n")), 0.97)
    form = parse(layout).forms[0]
    prov = form.provenance
    for i in (0, 1):
        assert prov[f"indicators[{i}].target"].confidence < FLAG_CONFIDENCE
        assert prov[f"indicators[{i}].target_value"].confidence < FLAG_CONFIDENCE
    assert prov["indicators[1].operator"].confidence < FLAG_CONFIDENCE
    assert prov["indicators[2].target"].confidence >= FLAG_CONFIDENCE
    assert prov["indicators[3].target"].confidence >= FLAG_CONFIDENCE
    assert prov["indicators[3].operator"].confidence >= FLAG_CONFIDENCE


def test_a_value_cell_holding_the_next_pair_is_cut_at_its_label(tmp_path: Path, profile: RuleProfile) -> None:
    # the border between two pairs was not drawn (or not seen): '项目实施单位 | 甲中心 项目主管部门 乙局'
    lines = [HUNAN_TABBED[0], "项目名称\t农村公路安全生命防护工程",
             "项目实施单位\t某县公路建设养护中心 项目主管部门 某县交通运输局", *HUNAN_TABBED[3:]]
    form = _read(tmp_path, lines, profile).forms[0]
    assert (form.implementing_unit, form.department) == ("某县公路建设养护中心", "某县交通运输局")
    assert form.provenance["department"].confidence < FLAG_CONFIDENCE  # cut by words: shown as unsure
    assert form.provenance["implementing_unit"].confidence < FLAG_CONFIDENCE


def test_a_glued_label_that_may_take_the_names_last_word_is_flagged(tmp_path: Path, profile: RuleProfile) -> None:
    # '…养护补助项目主管部门：' is '…补助项目' + '主管部门' or '…补助' + '项目主管部门': the reader cannot know
    lines = [HUNAN_TABBED[0], "项目名称：道路养护补助项目主管部门：某县交通运输局", "联系人：刘洋联系电话：0731-5555",
             *HUNAN_TABBED[3:]]
    form = _read(tmp_path, lines, profile).forms[0]
    assert form.department == "某县交通运输局"
    assert form.provenance["project_name"].confidence < FLAG_CONFIDENCE
    assert form.provenance["department"].confidence < FLAG_CONFIDENCE
    assert (form.contact, form.phone) == ("刘洋", "0731-5555")  # 联系电话 after a name is no guess
    assert form.provenance["phone"].confidence >= FLAG_CONFIDENCE


def test_a_score_first_table_with_every_space_lost_keeps_its_total_and_cause(tmp_path: Path,
                                                                              profile: RuleProfile) -> None:
    # 分值 printed first, borders lost: the total row glued into one word, a rule and a cause side by side
    lines = [
        "2023年度项目支出绩效自评表", "项目名称：村级道路养护项目 主管部门：某县交通运输局",
        "资金情况（单位：万元）", "资金来源预算数执行数执行率分值得分", "年度资金总额 120.00 108.00 90.00% 10 9",
        "分值(分) 一级指标 二级指标 三级指标 指标值(A) 实际完成值(B) 自评分 得分计算方法 未完成原因分析",
        "30 产出指标 数量指标 养护道路里程 ≥40公里 36公里 27 完成值/指标值×分值 雨季延误工期，下一步提前安排",
        "30 产出指标 质量指标 验收合格率 100% 100% 30 达到指标值得满分",
        "30 效益指标 社会效益指标 群众出行条件 明显改善 明显改善 30 达成得满分，否则酌情扣分",
        "90合计87",
    ]
    form = _read(tmp_path, lines, profile).forms[0]
    assert (form.total_weight, form.total_score) == (90.0, 87.0)
    assert form.provenance["total_score"].confidence < FLAG_CONFIDENCE  # cut from a glued word: unsure
    first = form.indicators[0]
    assert (first.scoring_method, first.explanation) == ("完成值/指标值×分值", "雨季延误工期，下一步提前安排")
    assert [i.name for i in form.indicators] == ["养护道路里程", "验收合格率", "群众出行条件"]


def test_a_spaced_funds_row_without_its_points_keeps_the_rate_under_its_column(tmp_path: Path,
                                                                              profile: RuleProfile) -> None:
    # 分值 and 得分 left blank, borders lost: the four numbers must not be read into the first four columns
    lines = [*HUNAN_TABBED[:4], "年度资金总额 320.00 300.00 285.00 95.00%", "其中：当年财政拨款 320.00 300.00 285.00 95.00%",
             *HUNAN_TABBED[6:]]
    form = _read(tmp_path, lines, profile).forms[0]
    assert [(f.adjusted_budget, f.executed, f.rate) for f in form.funds] == [(300.0, 285.0, 95.0)] * 2
    assert (form.budget_execution.rate, form.budget_execution.weight) == (95.0, None)
    assert form.provenance["budget_execution.rate"].confidence < FLAG_CONFIDENCE  # re-split: shown as unsure
