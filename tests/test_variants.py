"""The layout-variant generator (golden/make_variants.py): deterministic, complete, and its expected
JSON is the output contract."""

from __future__ import annotations

import json
import random
import sys
import tomllib
from pathlib import Path

import pytest

from jixiao.models import Form
from tests.conftest import GOLDEN

sys.path.insert(0, str(GOLDEN))

from variants_gen import families, render
from variants_gen.build import build
from variants_gen.table import collapse, render_text

TEXT_ONLY = ["text", "collapsed"]


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    render.generate(tmp_path / "a", 2, 0, TEXT_ONLY)
    render.generate(tmp_path / "b", 2, 0, TEXT_ONLY)
    first, second = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert first == second
    assert len(first) == len(families.FAMILIES) * 2 * 2 * 3  # families × forms × renderings × (toml, input, json)
    render.generate(tmp_path / "c", 2, 0, TEXT_ONLY, seed=render.SEED + 1)
    assert _files(tmp_path / "c") != first


def test_every_family_and_rendering_is_produced(tmp_path: Path) -> None:
    out = tmp_path / "v"
    render.generate(out, 1, 0, [r for r in render.RENDERINGS if r != "scan"])
    metas = [tomllib.loads(p.read_text(encoding="utf-8")) for p in out.glob("*/case.toml")]
    assert {m["template"] for m in metas} == set(families.FAMILIES)
    assert len(families.FAMILIES) >= 12
    for family in families.FAMILIES:
        got = {m["rendering"] for m in metas if m["template"] == family}
        assert got == {"text", "collapsed", "markdown", "csv", "html", "pdf-plain", "pdf-compact", "pdf-boxed", "xlsx",
                       "docx"}, family
    for case in out.glob("*/case.toml"):
        meta = tomllib.loads(case.read_text(encoding="utf-8"))
        assert (case.parent / meta["input"]).stat().st_size > 0
        assert (case.parent / "expected.json").exists()


def test_office_renderings_store_what_the_others_print(tmp_path: Path) -> None:
    """.xlsx/.docx variants: the same bytes for the same seed; numbers stored as numbers, every formula with a
    cached value; the Word file holds every printed name and target."""
    import re
    import zipfile

    import openpyxl

    render.generate(tmp_path / "a", 2, 0, ["xlsx", "docx"], office_stride=1)
    render.generate(tmp_path / "b", 2, 0, ["xlsx", "docx"], office_stride=1)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    formulas = numbers = 0
    for case in sorted((tmp_path / "a").glob("*-xlsx")):
        path = next(case.glob("*.xlsx"))
        shown = openpyxl.load_workbook(path, data_only=True)  # cached values, as Excel saved them
        written = openpyxl.load_workbook(path)
        for ws in written.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    cached = shown[ws.title][cell.coordinate].value
                    if cell.data_type == "f":
                        formulas += 1
                        assert isinstance(cached, float | int), (path.name, cell.coordinate)
                    elif isinstance(cell.value, float | int):
                        numbers += 1
    assert formulas > 0 and numbers > 0
    for case in sorted((tmp_path / "a").glob("*-docx")):
        xml = zipfile.ZipFile(next(case.glob("*.docx"))).read("word/document.xml").decode()
        text = re.sub(r"<[^>]+>", "", xml).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
        for ind in json.loads((case / "expected.json").read_text(encoding="utf-8"))["forms"][0]["indicators"]:
            assert ind["name"] in text and (ind["target"] or "") in text, (case.name, ind["name"])


def test_a_scan_is_an_image_only_pdf(tmp_path: Path) -> None:
    import pymupdf  # noqa: TID251 — checks the generated file, as the ingest tests do

    original = dict(families.FAMILIES)
    try:
        families.FAMILIES.clear()
        families.FAMILIES["national"] = original["national"]
        render.generate(tmp_path / "s", 1, 1, ["scan"])
    finally:
        families.FAMILIES.clear()
        families.FAMILIES.update(original)
    (case,) = list((tmp_path / "s").glob("*-scan"))
    meta = tomllib.loads((case / "case.toml").read_text(encoding="utf-8"))
    assert meta["kind"] == "scan" and meta["rendering"].startswith("scan-")
    with pymupdf.open(case / meta["input"]) as doc:
        assert doc.page_count >= 1
        assert all(not page.get_text().strip() and page.get_images() for page in doc)


def test_expected_json_is_the_output_contract(tmp_path: Path) -> None:
    render.generate(tmp_path / "v", 3, 0, ["text"])
    for path in (tmp_path / "v").glob("*/expected.json"):
        body = json.loads(path.read_text(encoding="utf-8"))
        assert body["findings"] == []
        for form in body["forms"]:
            Form.model_validate(form)


@pytest.mark.parametrize("family", sorted(families.FAMILIES))
def test_expected_values_are_printed_in_the_text(family: str) -> None:
    """Every expected number and text appears in the drawn sheet (nothing is expected that is not printed)."""
    rng = random.Random(f"test-{family}")
    spec, sem, _sheet, _form = render.form_for(family, rng)
    sheet, form = build(spec, sem)
    text = render_text(sheet, spec.text)
    flat = text.replace("\t", "").replace("\n", "")
    for ind in form.indicators:
        assert ind.name in flat and (ind.target or "") in flat and ind.explanation in flat
    for fund in form.funds:
        assert fund.label in flat
    assert str(form.year) in text
    assert collapse(text, random.Random(1)).count("\t") == 0


def test_family_rules_in_the_expected() -> None:
    rng = random.Random("rules")
    _spec, _sem, _sheet, hunan = render.form_for("hunan", rng)
    assert hunan.total_score is None and hunan.total_weight == 100  # 总分 row: 100 printed, 得分 empty
    assert all(i.level1 in ("产出指标", "效益指标", "满意度指标") for i in hunan.indicators)  # （50分） not part of the name
    _spec, _sem, _sheet, yunnan = render.form_for("yunnan", rng)
    rate = yunnan.budget_execution.rate
    assert rate is not None and rate > 1  # printed as a ratio (0.9134), expected in percent
    _spec, _sem, _sheet, ningxia = render.form_for("ningxia", rng)
    assert ningxia.budget_execution.weight is None and ningxia.budget_execution.rate is not None
    assert sum(i.weight or 0 for i in ningxia.indicators) == 100
    _spec, _sem, _sheet, dept = render.form_for("department", rng)
    assert [f.kind for f in dept.funds] == ["total", "fiscal", "other"]  # 按支出性质 rows are not funds


def test_eval_reports_per_rendering_and_family(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from jixiao.cli import app

    out = tmp_path / "v"
    render.generate(out, 1, 0, TEXT_ONLY)
    result = CliRunner().invoke(app, ["eval", str(out), "--errors", "0"])
    assert result.exit_code == 0, result.output
    assert "per family × rendering" in result.output and "most frequent misses" in result.output
    # a floor keyed by rendering applies (1.01 can never be met)
    (out / "thresholds.toml").write_text("[collapsed]\nfield_accuracy = 1.01\nfindings_precision = 0\n"
                                         "findings_recall = 0\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", str(out), "--errors", "0"])
    assert result.exit_code == 1 and "below threshold collapsed: field accuracy" in result.output


def test_error_classes_drop_indexes() -> None:
    from jixiao.evaluate import CaseResult, FieldTally
    from jixiao.evaluate_breakdown import error_classes

    def case(name: str, errors: list[str]) -> CaseResult:
        return CaseResult(case=name, template="t", kind="text", fields=FieldTally(errors=errors), forms_expected=1,
                          forms_found=1, indicators_expected=0, indicators_found=0, findings_expected=0,
                          findings_found=0, findings_matched=0)

    classes = error_classes([case("a", ["forms[0].indicators[3].unit: omitted (expected '人')",
                                        "forms[0].indicators[5].unit: expected '人', found '个'"]),
                             case("b", ["forms[1].year: omitted (expected 2023)"])])
    assert classes[0][:3] == ("forms[].indicators[].unit", 1, 1)
    assert classes[1][:3] == ("forms[].year", 1, 0)
