"""The checks (docs/checks.md): the findings a reviewer needs on the seeds, and the rule profiles."""

from pathlib import Path

from jixiao.checks import RuleProfile, check_form, load_profile
from jixiao.checks.assess import assess
from jixiao.checks.review_codes import REVIEW_CODES
from jixiao.models import Assessment, Document, Form, Fund, Indicator, Provenance
from jixiao.pipeline import extract
from tests.conftest import FORMS


def _codes(doc: Document, form: int) -> dict[str, list[str | None]]:
    found: dict[str, list[str | None]] = {}
    for f in doc.findings:
        if f.form == form:
            found.setdefault(f.code, []).append(f.path)
    return found


def test_jinfeng_execution_scores(seeds: dict[str, Document]) -> None:
    doc = seeds["jinfeng"]
    scores = [f for f in doc.findings if f.code == "EXEC_SCORE_MISMATCH" and f.form in (1, 2, 3)]
    assert [(f.expected, f.found) for f in scores] == [(10.0, 6.0), (10.0, 6.0), (10.0, 5.0)]
    basis = next(f for f in doc.findings if f.code == "EXEC_RATE_ON_INITIAL_BUDGET")
    assert basis.form == 0 and basis.found == 87.0 and basis.expected == 100.0 and "年初预算数" in basis.message


def test_yuzhong_weights_disagree_with_total(seeds: dict[str, Document]) -> None:
    weight = next(f for f in seeds["yuzhong"].findings if f.code == "WEIGHT_SUM_MISMATCH")
    assert (weight.form, weight.expected, weight.found) == (0, 100.0, 110.0)


def test_short_indicators(seeds: dict[str, Document]) -> None:
    jinfeng = _codes(seeds["jinfeng"], 4)
    assert "indicators[1].explanation" in jinfeng["SHORT_WITHOUT_EXPLANATION"]  # 合格率 100%=100% but 13/15
    assert "indicators[1].score" in jinfeng["SCORE_DEDUCTED_THOUGH_MET"]
    assert "indicators[3].explanation" not in jinfeng["SHORT_WITHOUT_EXPLANATION"]  # 资金成本 is explained
    explained = [f for d in seeds.values() for f in d.findings if f.code == "SHORT_WITHOUT_EXPLANATION"]
    for f in explained:
        doc = next(d for d in seeds.values() if f in d.findings)
        index = int((f.path or "").split("[")[1].split("]")[0])
        assert f.form is not None and not doc.forms[f.form].indicators[index].explanation


def test_clean_forms_have_no_warnings(seeds: dict[str, Document]) -> None:
    assert seeds["pujin"].status == "ok" and seeds["qijiang"].status == "ok"
    # the text review's notes on 指标值 (tests/test_review_text.py) are about the plan, not the arithmetic
    assert {f.code for f in seeds["pujin"].findings if f.code not in REVIEW_CODES} == {"BUDGET_ADJUSTED"}


def _assess(ind: Indicator, profile: RuleProfile, provenance: dict[str, Provenance] | None = None) -> Assessment:
    return assess(Form(form_type="project", indicators=[ind], provenance=provenance or {}), 0, 0, profile)


def test_quantitative_rules() -> None:
    profile = load_profile()
    under = Indicator(name="x", operator="≥", target="100", actual="80", target_value=100, actual_value=80,
                      weight=20, score=20)
    result = _assess(under, profile)
    assert result.met is False and result.rule_score == 16.0 and result.status == "short" and result.needs_explanation
    reverse = Indicator(name="y", operator="≤", target="5", actual="10", target_value=5, actual_value=10,
                        weight=10, score=10)
    assert _assess(reverse, profile).rule_score == 5.0
    zero = Indicator(name="z", operator="≤", target="0", actual="1", target_value=0, actual_value=1, weight=10)
    assert _assess(zero, profile).rule_score == 0.0 and _assess(zero, profile).status == "short"


def test_status_follows_the_operator() -> None:
    """met / over / short under ≥ > = ≤ <, zero targets pass/fail, equal-to-target met, unread values."""
    profile = load_profile()

    def status(op: str, target: float, actual: float, **extra: object) -> str:
        ind = Indicator(name="x", operator=op, target=f"{target:g}", actual=f"{actual:g}", target_value=target,
                        actual_value=actual, weight=10, score=10, **extra)  # type: ignore[arg-type]
        return _assess(ind, profile).status

    assert status("≤", 5, 0) == "over"  # 网络安全事故发生率 ≤5, actual 0: met, beaten by far
    assert status("≤", 5, 4.8) == "met" and status("≤", 5, 6) == "short"
    assert status("<", 5, 5) == "short" and status(">", 5, 5) == "short" and status(">", 5, 5.2) == "met"
    assert status("=", 51, 51) == "met" and status("≥", 51, 51) == "met"  # 资金成本 51万元 = 51万元
    assert status("≥", 50, 60) == "over" and status("≥", 50, 52) == "met" and status("≥", 50, 40) == "short"
    assert status("≤", 0, 0) == "met" and status("≤", 0, 1) == "short"  # zero targets: pass/fail
    deducted = _assess(Indicator(name="资金成本", target="51万元", actual="51万元", target_value=51, actual_value=51,
                                 weight=10, score=8), profile)
    assert deducted.status == "met" and deducted.score_deducted and deducted.needs_explanation
    ocr = {"indicators[0].target": Provenance(method="ocr", source_text="≥95", confidence=0.98)}
    missed = _assess(Indicator(name="x", operator="≥", target="95", target_value=95, weight=10), profile, ocr)
    assert missed.status == "unread" and missed.unread == ["actual", "score"]
    text = _assess(Indicator(name="x", operator="≥", target="95", target_value=95, weight=10), profile)
    assert text.status == "unjudged" and not text.unread


def _form(**indicator: object) -> Form:
    return Form(form_type="project", project_name="p", total_score=100, grade="良",
                funds=[Fund(kind="total", label="年度资金总额", initial_budget=10, adjusted_budget=10, executed=10)],
                budget_execution={"rate": 100, "weight": 10, "score": 10},
                indicators=[Indicator(**{"name": "n", "weight": 90, "score": 90, **indicator})])


def test_grade_content_and_deviation_checks() -> None:
    profile = load_profile()
    codes = {f.code for f in check_form(0, _form(target="≥90%", actual="≥90%", target_value=90, actual_value=90,
                                                 operator="≥", deviation_pct=30), profile)}
    assert {"GRADE_MISMATCH", "ACTUAL_WRITTEN_AS_TARGET", "DEVIATION_MISMATCH"} <= codes
    codes = {f.code for f in check_form(0, _form(name="无", target="请填写指标值"), profile)}
    assert {"VOID_INDICATOR_WITH_POINTS", "TEMPLATE_TEXT_LEFT"} <= codes and "EMPTY_ACTUAL" not in codes
    codes = {f.code for f in check_form(0, _form(target="100%", score=None), profile)}
    assert {"EMPTY_ACTUAL", "EMPTY_SCORE"} <= codes


def test_qualitative_bands_follow_the_profile() -> None:
    partial = _form(operator="定性", target="及时", actual="部分完成", weight=10, score=5.5)
    partial.indicators.append(Indicator(name="m", weight=80, score=80))
    national = {f.code for f in check_form(0, partial, load_profile("national"))}
    sichuan = {f.code for f in check_form(0, partial, load_profile("sichuan"))}
    assert "QUALITATIVE_SCORE_OUT_OF_BAND" not in national and "QUALITATIVE_SCORE_OUT_OF_BAND" in sichuan


def test_profiles_load_and_extend(tmp_path: Path) -> None:
    assert load_profile("hubei").budget.execution_weight == 20
    assert load_profile("sichuan").qualitative.partial == (0.6, 0.8)
    custom = tmp_path / "county.toml"
    custom.write_text('name = "county"\nextends = "national"\n[deviation]\nthreshold = 20\n', encoding="utf-8")
    loaded = load_profile(str(custom))
    assert loaded.deviation.threshold == 20 and loaded.tolerance.money == 0.01
    doc = extract(FORMS / "sichuan_like.txt", loaded)
    assert doc.profile == "county"


def test_the_funds_total_is_the_sum_of_its_sources() -> None:
    profile = load_profile()

    def sums(*parts: Fund, total: float = 503.6) -> list[tuple[str | None, object]]:
        form = _form()
        form.funds = [Fund(kind="total", label="年度资金总额", adjusted_budget=503.62, executed=total), *parts]
        return [(f.path, f.expected) for f in check_form(0, form, profile) if f.code == "FUND_SUM_MISMATCH"]

    fiscal = Fund(kind="fiscal", label="其中：当年财政拨款", adjusted_budget=503.62, executed=503.62)
    # the one source listed must equal the total: the total (a digit lost) and that source are both flagged
    assert sums(fiscal) == [("funds[0].executed", 503.62), ("funds[1].executed", 503.62)]
    # other sources listed but empty may be what is missing: the total alone
    assert sums(fiscal, Fund(kind="carryover", label="上年结转资金")) == [("funds[0].executed", 503.62)]
    split = [Fund(kind="fiscal", label="财政拨款", adjusted_budget=500, executed=480.0),
             Fund(kind="other", label="其他资金", adjusted_budget=3.62, executed=3.62)]
    assert sums(*split, total=483.62) == []
    assert sums(*split, total=483.6) == [("funds[0].executed", 483.62)]  # two sources: the total alone
    # a nested breakdown (省级 and 市级 under 财政拨款 …) is not a sum the check can rely on
    nested = [fiscal, Fund(kind="fiscal", label="其中：省级资金", adjusted_budget=300, executed=300)]
    assert sums(*nested) == []
