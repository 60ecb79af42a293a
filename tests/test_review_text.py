"""The text review's rules (issue 17): seeds, and each rule family on phrasing not in the labelled set."""

from __future__ import annotations

from pathlib import Path

import pytest

from jixiao.checks import check_form, load_profile
from jixiao.checks.review_codes import REVIEW_CODES
from jixiao.checks.review_words import _load
from jixiao.models import Document, Finding, Form, Indicator
from jixiao.values import quantity_value


def _row(name: str, target: str, actual: str, weight: float, score: float, explanation: str = "",
         operator: str | None = None, unit: str | None = None, level2: str | None = None) -> Indicator:
    return Indicator(name=name, target=target, actual=actual, weight=weight, score=score, explanation=explanation,
                     operator=operator, unit=unit, level2=level2,  # type: ignore[arg-type]
                     target_value=quantity_value(target), actual_value=quantity_value(actual))


def _review(*rows: Indicator) -> list[Finding]:
    form = Form(form_type="project", indicators=list(rows))
    return [f for f in check_form(0, form, load_profile()) if f.code in REVIEW_CODES]


def _codes(findings: list[Finding], row: int) -> set[str]:
    return {f.code for f in findings if f.path and f.path.startswith(f"indicators[{row}]")}


def test_seed_copied_explanation_is_found(seeds: dict[str, Document]) -> None:
    found = [f for f in seeds["jinfeng"].findings if f.code == "EXPLANATION_OTHER_INDICATOR"]
    assert [(f.form, f.path) for f in found] == [(0, "indicators[3].explanation")]
    assert found[0].quote == "疫情结束后，解聘2名疫情防控人员" and "发放中心聘用人员" in found[0].message
    assert found[0].method == "rule" and found[0].severity == "warning"


@pytest.mark.parametrize(("seed", "form", "row"), [("qijiang", 1, 4), ("pujin", 0, 1), ("jinfeng", 0, 0),
                                                    ("jinfeng", 4, 3), ("pujin", 3, 2)])
def test_seed_explanations_with_a_cause_are_clean(seeds: dict[str, Document], seed: str, form: int, row: int) -> None:
    assert not [f for f in seeds[seed].findings if f.code in REVIEW_CODES and f.form == form
                and (f.path or "").startswith(f"indicators[{row}]")]


def test_remedy_without_cause() -> None:
    found = _review(_row("培训覆盖率", "≥90%", "85%", 10, 8, "今后要强化培训组织，确保参训率"),
                    _row("设备完好率", "≥95%", "90%", 10, 8, "受台风影响部分设备损坏，今后加强巡检"))
    assert _codes(found, 0) == {"EXPLANATION_REMEDY_ONLY"} and not _codes(found, 1)
    assert found[0].quote == "今后要强化培训组织，确保参训率" and "仅提出改进措施" in found[0].message


def test_placeholders_only_where_points_were_lost() -> None:
    found = _review(_row("巡查次数", "≥12次", "12次", 10, 9, "——"), _row("巡查覆盖率", "100%", "100%", 10, 10, "无"),
                    _row("整改率", "100%", "96%", 10, 9, "暂无"))
    assert _codes(found, 0) == {"EXPLANATION_PLACEHOLDER"} and not _codes(found, 1)
    assert _codes(found, 2) == {"EXPLANATION_PLACEHOLDER"}


def test_wording_against_the_numbers() -> None:
    found = _review(_row("宣传活动场次", "≥4场", "5场", 10, 10, "因场地原因，部分活动没能如期举办"),
                    _row("资料发放数量", "≥2000份", "2100份", 10, 7, "如期完成发放"),
                    _row("网络安全事故", "≤1次", "0次", 10, 10, "未发生网络安全事故"))
    assert _codes(found, 0) == {"EXPLANATION_CONTRADICTS"} and "没能如期" in found[0].message
    assert _codes(found, 1) == {"EXPLANATION_CONTRADICTS"} and not _codes(found, 2)


def test_copied_and_repeated_explanations() -> None:
    generic = "因客观原因，部分任务推进较慢"
    found = _review(_row("绿化养护面积", "≥50万平方米", "48万平方米", 10, 9, "2处绿地移交街道管理，养护面积减少"),
                    _row("苗木成活率", "≥95%", "96%", 10, 8, "2处绿地移交街道管理，养护面积减少"),
                    _row("病虫害防治次数", "≥6次", "5次", 10, 9, generic),
                    _row("绿地巡查频次", "≥2次/周", "1.8次/周", 10, 9, generic))
    assert not _codes(found, 0) and _codes(found, 1) == {"EXPLANATION_OTHER_INDICATOR"}
    assert not _codes(found, 2) and _codes(found, 3) == {"EXPLANATION_REPEATED"}


def test_explanation_naming_another_indicator() -> None:
    found = _review(_row("门诊服务人次", "≥5000人次", "5200人次", 10, 10),
                    _row("住院服务人次", "≥800人次", "760人次", 10, 9, "门诊服务人次超出计划，床位周转受限"),
                    _row("门诊满意度", "≥90%", "92%", 10, 10),
                    _row("住院满意度", "≥90%", "86%", 10, 9, "门诊满意度92%，下一步继续改进"))
    assert not _codes(found, 1)  # it names 门诊 but explains 床位, its own subject (住院)
    assert _codes(found, 3) == {"EXPLANATION_OTHER_INDICATOR", "EXPLANATION_REMEDY_ONLY"}


def test_targets_names_and_actuals() -> None:
    found = _review(_row("质量指标", "合格", "合格", 10, 10),
                    _row("群众获得感", "显著增强", "增强", 10, 10, operator="定性"),
                    _row("群众生活环境", "改善群众生活环境质量", "改善群众生活环境质量", 10, 10, operator="定性"),
                    _row("垃圾分类知晓", "垃圾分类知晓", "90%", 10, 10),
                    _row("入户宣传户数", "≥3000户", "已完成", 10, 10, operator="≥"),
                    _row("入户宣传户数", "≥3000户", "3100户", 10, 10, operator="≥"),
                    _row("使用时间", "2023年1-12月", "2023年1-12月", 10, 10, operator="定性"),
                    _row("系统运行", "正常运行", "正常运行", 10, 10, operator="定性"),
                    _row("补贴发放", "按时足额发放", "按时足额发放", 10, 10, operator="定性"),
                    _row("水质", "提高至国家二类标准", "达标", 10, 10, operator="定性"))
    assert _codes(found, 0) == {"NAME_IS_LEVEL"}
    assert _codes(found, 1) == {"TARGET_NOT_MEASURABLE"}
    assert _codes(found, 2) == {"TARGET_SAME_AS_ACTUAL"}
    assert _codes(found, 3) == {"TARGET_SAME_AS_NAME"}
    assert _codes(found, 4) == {"ACTUAL_WITHOUT_VALUE"}
    assert _codes(found, 5) == {"NAME_DUPLICATE"}
    assert not _codes(found, 6) and not _codes(found, 7) and not _codes(found, 8) and not _codes(found, 9)
    assert all(f.quote for f in found)


def test_words_are_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib import resources

    text = (resources.files("jixiao") / "checks" / "review_words.toml").read_text(encoding="utf-8")
    custom = tmp_path / "words.toml"
    custom.write_text(text.replace('remedy_words = ["加强"', 'remedy_words = ["狠抓", "加强"'), encoding="utf-8")
    row = _row("整改率", "100%", "96%", 10, 9, "狠抓整改")
    assert not _review(row)
    monkeypatch.setenv("JIXIAO_REVIEW_WORDS", str(custom))
    _load.cache_clear()
    assert _codes(_review(row), 0) == {"EXPLANATION_REMEDY_ONLY"}


def test_causes_stated_as_a_state_and_good_news_are_not_flagged() -> None:
    found = _review(_row("入户走访户数", "≥2000户", "1800户", 10, 9, "部分村民外出务工，入户难度大，下一步错峰走访"),
                    _row("安全事故次数", "≤2次", "0次", 10, 10, "全年安全事故未达到控制上限", operator="≤"),
                    _row("培训人次", "≥500人次", "520人次", 10, 9, "培训已完成，但因场地紧张部分课时压缩扣1分"),
                    _row("检测批次", "≥300批次", "280批次", 10, 8, "上级任务下调为280批次，按新任务全部完成"))
    assert not found


def test_more_words_for_met_and_for_no_value() -> None:
    found = _review(_row("抽检合格率", "100%", "100%", 10, 9, "均已合格"),
                    _row("新增就业人数", "≥500人", "已实现年度目标", 10, 10, operator="≥"),
                    _row("新增就业岗位", "≥300个", "基本完成", 10, 10, operator="≥"))
    assert _codes(found, 0) == {"EXPLANATION_CONTRADICTS"}
    assert _codes(found, 1) == {"ACTUAL_WITHOUT_VALUE"} and _codes(found, 2) == {"ACTUAL_WITHOUT_VALUE"}


def test_a_qualitative_target_with_a_written_standard_is_measurable() -> None:
    row = _row("财务监控有效性", "有效", "较有效", 2, 2, operator="定性")
    assert _codes(_review(row), 0) == {"TARGET_NOT_MEASURABLE"}
    row.scoring_method = "1.制定或具有相应的监控机制；2.采取了相应的财务检查等必要的监控措施。有一个不符合要求的扣1分"
    assert not _review(row)
