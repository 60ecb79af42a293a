"""Layouts that are not among the seeds: headers are mapped by meaning, not position."""

from pathlib import Path

from jixiao.checks import load_profile
from jixiao.pipeline import extract
from tests.conftest import FORMS, write_form


def test_sichuan_like_columns() -> None:
    doc = extract(FORMS / "sichuan_like.txt", load_profile("sichuan"))
    form = doc.forms[0]
    first = form.indicators[0]
    assert (first.operator, first.unit, first.target, first.actual, first.explanation) == (
        "≥", "公里", "100", "85", "汛期延误，已调整养护计划")
    assert form.budget_execution.rate == 85.0 and form.grade == "优"
    codes = {f.code for f in doc.findings}
    assert "EXEC_RATE_LOW" in codes  # Sichuan: 执行率 < 90% must be explained


def test_weight_first_with_review_scores() -> None:
    doc = extract(FORMS / "xianjie_like.txt", load_profile("hubei"))
    form = doc.forms[0]
    assert form.project_name == "产业路硬化工程" and form.project_code == "HB2023-017"
    assert form.budget_execution.weight == 20.0
    late = form.indicators[2]
    assert (late.weight, late.score, late.review_score, late.scoring_method) == (10.0, 10.0, 9.0, "完成值/指标值×分值")
    codes = {f.code for f in doc.findings}
    assert "SCORE_ABOVE_RULE" in codes and "SCORE_SUM_MISMATCH" not in codes  # total is the 复核分 total


def test_multi_space_dump_without_tabs(tmp_path: Path) -> None:
    text = (FORMS / "sichuan_like.txt").read_text(encoding="utf-8").replace("\t", "   ")
    doc = extract(write_form(tmp_path, text), load_profile())
    assert doc.forms[0].project_name == "乡村公路养护补助"
    assert len(doc.forms[0].indicators) == 6


def test_unknown_column_order(tmp_path: Path) -> None:
    text = (
        "项目支出绩效自评表（2023年度）\n项目名称\t测试项目\n"
        "项目资金\t年初预算数\t全年预算数\t全年执行数\t执行率\t分值\t得分\n"
        "年度资金总额\t10\t10\t10\t100%\t10\t10\n"
        "得分\t分值\t实际完成值\t年度指标值\t三级指标\t二级指标\t一级指标\n"
        "18\t20\t90%\t100%\t完成率\t数量指标\t产出指标\n"
    )
    form = extract(write_form(tmp_path, text), load_profile()).forms[0]
    assert (form.title, form.year) == ("项目支出绩效自评表（2023年度）", 2023)
    ind = form.indicators[0]
    assert (ind.name, ind.target, ind.actual, ind.weight, ind.score) == ("完成率", "100%", "90%", 20.0, 18.0)


def test_an_unknown_column_is_reported(tmp_path: Path) -> None:
    text = (
        "项目支出绩效自评表\n项目名称\t测试项目\n"
        "项目资金\t年初预算数\t全年预算数\t全年执行数\t执行率\t分值\t得分\n"
        "年度资金总额\t10\t10\t10\t100%\t10\t10\n"
        "序号\t三级指标\t年度指标值\t实际完成值\t佐证材料\t分值\t得分\n"
        "1\t完成率\t100%\t100%\t验收报告\t90\t90\n"
    )
    doc = extract(write_form(tmp_path, text), load_profile())
    unknown = [f for f in doc.findings if f.code == "UNKNOWN_COLUMN"]
    assert [f.found for f in unknown] == ["佐证材料"]  # 序号 is known to carry nothing
    assert doc.forms[0].indicators[0].weight == 90.0
