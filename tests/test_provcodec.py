"""The JSON file's provenance (provcodec): rows written together, notes numbered across a document, every shape read
back to the same Form, and a form that needs its document's notes refused when read alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from jixiao.models import Document, Form, Fund, Goals, Indicator, Provenance, SourceInfo
from jixiao.outputs.jsonfile import dump, item_json, iter_items

UNIT = {"confidence": 0.8, "note": "unit taken from the target's suffix"}


def _form(k: int) -> Form:
    p = Provenance
    indicators = [
        Indicator(level1="产出指标", level2="数量指标", name=f"指标{k}", unit="人", target="28人", actual="28人",
                  target_value=28.0, actual_value=28.0, weight=15.0, score=12.5),
        Indicator(level1="产出指标", level2="质量指标", name="合格率", target="=100%", actual="100%", weight=10.0,
                  score=10.0, is_core=True),  # is_core has no provenance: its row is written entry by entry
        Indicator(name="满意度", target="≥95", actual="96", operator="≥", weight=10.0, score=10.0),
    ]
    provenance = {
        "title": p(page=1, line=3, source_text="项目支出绩效自评表"),
        "form_type": p(page=1, line=3, source_text="项目支出绩效自评表", note="from the title"),
        "year": p(page=1, line=4, source_text="(2023 年度)"),
        "amount_unit": p(source_text="largest amount 46.50", confidence=0.7, note="unit not printed"),
        "funds[0].label": p(page=1, line=6, source_text="年度资金总额"),
        "funds[0].executed": p(page=1, line=6, source_text="1,234.5"),
        "goals.initial": p(page=1, line=8, source_text="目标"),
        "indicators[0].name": p(page=1, line=10, source_text=f"指标{k}"),
        "indicators[0].level1": p(page=1, line=9, source_text="产出指标", note="merged cell: carried down"),
        "indicators[0].level2": p(page=1, line=10, source_text="数量指标"),
        "indicators[0].target": p(page=1, line=10, source_text="28人"),
        "indicators[0].actual": p(page=1, line=10, source_text="28人"),
        "indicators[0].weight": p(page=1, line=10, source_text="15"),
        "indicators[0].score": p(page=1, line=10, source_text="12.50"),
        "indicators[0].unit": p(page=1, line=10, source_text="28人", **UNIT),  # type: ignore[arg-type]
        "indicators[0].target_value": p(page=1, line=10, source_text="28人", confidence=0.85, note="a=b, c"),
        "indicators[1].name": p(page=1, line=11, source_text="合格率"),
        "indicators[1].level1": p(page=1, line=9, source_text="产出指标", note="merged cell: carried down"),
        "indicators[1].level2": p(page=1, line=11, source_text="质量指标"),
        "indicators[1].target": p(page=1, line=11, source_text="=100%"),
        "indicators[1].actual": p(page=1, line=11, source_text="100%"),
        "indicators[1].weight": p(page=1, line=11, source_text="10"),
        "indicators[1].score": p(page=1, line=11, source_text="10"),
        "indicators[2].name": p(page=2, line=1, source_text="满意度", method="ocr", bbox=(1.0, 2.0, 3.0, 4.0)),
        "indicators[2].target": p(page=1, line=12, source_text="≥95"),
        "indicators[2].actual": p(page=1, line=12, source_text="96"),
        "indicators[2].weight": p(page=1, line=12, source_text="10"),
        "indicators[2].score": p(page=1, line=12, source_text="10"),
        "indicators[2].operator": p(page=1, line=12, source_text="≥95", **UNIT),  # type: ignore[arg-type]
    }
    return Form(form_type="project", year=2023, title="项目支出绩效自评表", amount_unit="万元",
                funds=[Fund(kind="total", label="年度资金总额", executed=1234.5)], goals=Goals(initial="目标"),
                indicators=indicators, provenance=provenance)


def test_every_shape_reads_back_to_the_same_form() -> None:
    form = _form(1)
    data = item_json(form)
    assert Form.model_validate_json(data) == form
    written = json.loads(data)["provenance"]
    rows = written["indicators.*"]
    assert rows[0][:2] == [1, 10] and "score=12.50" in rows[0] and "name" not in rows[0]  # own texts implied
    assert rows[1] is None and written["indicators[1].name"] == [1, 11]  # is_core has no provenance
    assert written["indicators[1].level1"] == "=indicators[0].level1"
    assert written["funds.*"] == [[1, 6, "executed=1,234.5"]] and written["goals.*"] == [1, 8]
    assert written["amount_unit"]["note"] == "unit not printed" and written["form_type"][3] == {"note": "from the title"}
    assert len(data) < len(form.model_dump_json(exclude_defaults=True)) * 0.7


def test_notes_are_numbered_across_a_document_and_a_form_needs_its_document(tmp_path: Path) -> None:
    document = Document(source=SourceInfo(path="x.txt", sha256="0" * 64, kind="text", pages=1),
                        forms=[_form(k) for k in range(3)])
    data = dump(document)
    assert Document.model_validate_json(data) == document
    path = tmp_path / "x.json"
    path.write_bytes(data)
    assert list(iter_items(path, "forms")) == document.forms
    lines = data.decode().splitlines()
    second = next(line for line in lines if line.startswith('{"form_type') and '"*":' in line).rstrip(",")
    assert UNIT["note"] not in second  # the first form's numbered dict is referred to
    with pytest.raises(ValidationError, match="read the form with its document"):
        Form.model_validate_json(second)


def test_the_earlier_layout_reads_as_before() -> None:
    """Entries as the previous version wrote them: one per value, "=path", [page, line(, text)], dicts."""
    older = {"form_type": "project", "indicators": [{"name": "合格率", "target": "100%", "weight": 10.0}],
             "provenance": {"indicators[0].name": [1, 5], "indicators[0].target": [1, 5, "100%"],
                            "indicators[0].weight": [1, 5, "10"], "indicators[0].unit": {
                                "page": 1, "line": 5, "source_text": "100%", "confidence": 0.8},
                            "title": {"page": 1, "line": 2, "note": "x"}, "year": "=indicators[0].name"}}
    form = Form.model_validate(older)
    assert form.provenance["indicators[0].name"].source_text == "合格率"
    assert form.provenance["indicators[0].weight"].source_text == "10"
    assert form.provenance["title"].source_text == "" and form.provenance["year"].line == 5
    assert Form.model_validate_json(item_json(form)) == form


@pytest.mark.parametrize("bad", [[1, 5, 3.5], [1, 5, ["name"]], [1, 5, 7]])
def test_a_damaged_row_entry_is_a_validation_error(bad: list[object]) -> None:
    with pytest.raises(ValidationError):
        Form.model_validate({"form_type": "project", "indicators": [{"name": "x"}],
                             "provenance": {"indicators.*": [bad]}})
