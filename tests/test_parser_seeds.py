"""The rule parser on the four seed layouts: counts, repairs and provenance."""

from jixiao.models import Document


def test_counts(seeds: dict[str, Document]) -> None:
    assert sum(len(d.forms) for d in seeds.values()) == 15
    assert sum(len(f.indicators) for d in seeds.values() for f in d.forms) == 98
    assert [len(f.indicators) for f in seeds["jinfeng"].forms] == [6, 7, 8, 6, 6]


def test_header_synonyms_and_truncated_label(seeds: dict[str, Document]) -> None:
    form = seeds["qijiang"].forms[0]
    assert form.finance_office == "008-经济建设科"  # label printed as 政归口处室
    assert form.project_code == "50011023T000003401811" and form.phone == "15923225901"
    assert seeds["yuzhong"].forms[0].form_type == "department"
    assert seeds["pujin"].forms[0].implementing_unit == "上海市闵行区浦锦街道城市运行管理中心"


def test_amount_units(seeds: dict[str, Document]) -> None:
    yuzhong = seeds["yuzhong"].forms[0]
    assert yuzhong.amount_unit == "元" and yuzhong.funds[0].initial_budget == 17871602.07
    assert yuzhong.provenance["amount_unit"].confidence < 1
    jinfeng = seeds["jinfeng"].forms[0]
    assert jinfeng.amount_unit == "万元" and jinfeng.funds[0].adjusted_budget == 180.97212
    assert jinfeng.provenance["amount_unit"].source_text == "(万元)"


def test_shifted_cells_realigned_by_content(seeds: dict[str, Document]) -> None:
    pujin = seeds["pujin"].forms
    late = pujin[1].indicators[5]  # printed one cell to the left, 二级指标 in the 一级 column
    assert (late.level1, late.level2, late.name, late.target, late.weight) == (
        "产出指标", "时效指标", "各项工作完成及时性", "及时", 10.0)
    assert pujin[1].provenance["indicators[5].name"].note
    right = pujin[3].indicators[4]  # printed one cell to the right
    assert (right.name, right.target, right.actual, right.score) == ("长效管理机制健全性", "健全", "达成指标", 30.0)
    jinfeng = seeds["jinfeng"].forms[4].indicators[1]
    assert (jinfeng.name, jinfeng.target, jinfeng.weight, jinfeng.score) == ("合格率", "100%", 15.0, 13.0)


def test_broken_header_word_joined(seeds: dict[str, Document]) -> None:
    last = seeds["pujin"].forms[3].indicators[-1]
    assert (last.level1, last.level2) == ("满意度指标", "服务对象满意度指标")


def test_filler_rows_dropped_and_packed_cells_kept(seeds: dict[str, Document]) -> None:
    names = [i.name for f in seeds["jinfeng"].forms for i in f.indicators]
    assert "无" not in names
    packed = seeds["jinfeng"].forms[1].indicators[0]
    assert packed.name.startswith("指标1：") and "指标2：" in packed.name
    assert packed.target == "指标1：1个 指标2：7个" and packed.target_value is None
    sustained = seeds["jinfeng"].forms[0].indicators[4]
    assert sustained.level1 == "效益指标"  # carried down from a 无 row


def test_operators(seeds: dict[str, Document]) -> None:
    pujin = seeds["pujin"].forms[0].indicators
    assert [i.operator for i in pujin] == ["=", "=", "定性", "定性", "定性", "≥"]
    assert seeds["qijiang"].forms[2].indicators[2].operator == "≤"
    assert seeds["jinfeng"].forms[0].indicators[0].operator is None  # '28人': no operator printed


def test_totals_and_grade(seeds: dict[str, Document]) -> None:
    pujin = seeds["pujin"].forms[1]
    assert (pujin.total_weight, pujin.total_score, pujin.grade) == (100.0, 99.0, "优")  # shifted total row
    assert seeds["qijiang"].forms[0].total_score == 100.0  # from the header's 自评总分


def test_every_value_has_provenance(seeds: dict[str, Document]) -> None:
    for doc in seeds.values():
        for form in doc.forms:
            for i, ind in enumerate(form.indicators):
                for field, value in ind.model_dump().items():
                    if value not in (None, "") and field not in ("target_value", "actual_value"):
                        prov = form.provenance[f"indicators[{i}].{field}"]
                        assert prov.method == "rule" and prov.source_text and prov.line
            for field in ("project_name", "total_score"):
                assert form.provenance[field].confidence > 0
