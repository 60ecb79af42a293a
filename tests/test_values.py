import pytest

from jixiao.values import (
    is_date_like,
    money_unit_of,
    parse_number,
    parse_operator_cell,
    quantity_value,
    split_operator,
)


@pytest.mark.parametrize(("text", "value"), [
    ("17,871,602.07", 17871602.07), ("207.6892万元", 207.6892), ("87.00%", 87.0), ("10.00", 10.0),
    ("１００", 100.0), ("—", None), ("-", None), ("1,2", None), ("", None), ("及时", None),
])
def test_parse_number(text: str, value: float | None) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize(("text", "value"), [
    ("=100.00(%)", 100.0), ("28人", 28.0), ("≥95", 95.0), ("180.97212万元", 180.97212), ("≥2 0 0", 200.0),
    ("2023年1月-12月", None), ("2024年", None), ("指标1：1个 指标2：7个", None), ("及时", None),
])
def test_quantity_value(text: str, value: float | None) -> None:
    assert quantity_value(text) == value


def test_operators() -> None:
    assert split_operator("≥90.00(%)") == ("≥", "90.00(%)")
    assert split_operator("不低于95%") == ("≥", "95%")
    assert split_operator("＜3") == ("<", "3")
    assert parse_operator_cell("定性") == "定性"
    assert parse_operator_cell("正向") == "≥"
    assert parse_operator_cell("≤") == "≤"
    assert parse_operator_cell("个") is None


def test_money_unit_and_dates() -> None:
    assert money_unit_of("项目资金 (万元)") == "万元"
    assert money_unit_of("(万元)") == "万元"
    assert money_unit_of("单位：元") == "元"
    assert money_unit_of("年度资金总额") is None
    assert is_date_like("2023年1月-12月") and is_date_like("12月底前") and not is_date_like("28人")
