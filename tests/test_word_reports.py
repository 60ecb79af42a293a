"""The Word reports read back with python-docx: every number equals the JSON's, every paragraph comes from the
JSON (drafts marked by their review state, placeholders highlighted), a bureau template changes the wording, and
form text never becomes a field, a hyperlink or a template tag."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from docx import Document as WordDocument
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.domain.format import plain
from jixiao.models import Document
from jixiao.outputs.schema import ASSESSMENT_NAMES
from jixiao.outputs.word import FORM_TEMPLATE, NO_FUNDS, write_form_reports
from jixiao.templating import template_file
from tests.conftest import GOLDEN, SEEDS

runner = CliRunner()
MARK = re.compile(r"【(?:待审核|需核实[^】]*)】")


@pytest.fixture(scope="module")
def run_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run")
    inputs = [*SEEDS.values(), GOLDEN / "yuzhong-xlsx" / "yuzhong.xlsx", GOLDEN / "real-central-xls" / "central-pku_1.xls"]
    result = runner.invoke(app, ["run", *map(str, inputs), "-o", str(out), "-q"])
    assert result.exit_code in (0, 1), result.output
    return out


def _tables(path: Path) -> list[list[list[str]]]:
    return [[[c.text for c in row.cells] for row in t.rows] for t in WordDocument(str(path)).tables]


def _paragraphs(path: Path) -> list[str]:
    return [p.text for p in WordDocument(str(path)).paragraphs if p.text.strip()]


def _documents(out: Path) -> dict[str, Document]:
    return {p.stem: Document.model_validate_json(p.read_bytes()) for p in sorted(out.glob("*.json"))
            if p.name != "batch_summary.json"}


def _report(out: Path, stem: str, index: int, forms: int) -> Path:
    return out / (f"{stem}.docx" if forms == 1 else f"{stem}-{index + 1}.docx")


def test_every_number_of_each_form_report_equals_the_json(run_out: Path) -> None:
    documents = _documents(run_out)
    assert len(documents) == 6
    checked = 0
    for stem, doc in documents.items():
        for i, form in enumerate(doc.forms):
            basics, funds, indicators, appendix = _tables(_report(run_out, stem, i, len(doc.forms)))
            expected = [[f.label, plain(f.initial_budget), plain(f.adjusted_budget), plain(f.executed), plain(f.rate)]
                        for f in form.funds]
            assert funds[1:] == (expected or [[NO_FUNDS, "", "", "", ""]])
            judged = {a.indicator: ASSESSMENT_NAMES[a.status] for a in doc.assessments if a.form == i}
            assert [row[0] for row in indicators[1:]] == [str(k + 1) for k in range(len(form.indicators))]
            for row, ind, k in zip(indicators[1:], form.indicators, range(len(form.indicators)), strict=True):
                assert row[2:] == [ind.name, plain(ind.target), plain(ind.actual), plain(ind.weight), plain(ind.score),
                                   judged.get(k, "")], (stem, i, k)
                checked += 1
            values = dict((r[0], r[1]) for r in basics[1:])
            assert values["项目名称"] == form.project_name and values.get("年度", "") == plain(form.year)
            assert {r[0]: r[1] for r in appendix[1:]}["自评总分"] == plain(form.total_score)
            assert {r[0]: r[1] for r in appendix[1:]}["执行率(%)"] == plain(form.budget_execution.rate)
    assert checked > 60


HEADINGS = ("一、项目基本情况", "二、资金使用情况", "三、绩效目标完成情况", "四、存在问题及原因", "五、改进措施",
            "附表 自评表")
COMPUTED = ("自评总分", "预算执行率", "本报告由", "项目支出绩效自评", "部门整体绩效自评")  # the template's own lines


def test_paragraphs_come_from_the_json_and_pending_or_ungrounded_drafts_are_marked(run_out: Path) -> None:
    for stem, doc in _documents(run_out).items():
        for i, form in enumerate(doc.forms):
            path = _report(run_out, stem, i, len(doc.forms))
            drafts = [" ".join(d.text.split("\n")) for d in doc.drafts if d.form == i and d.status != "rejected"]
            messages = [f.message for f in doc.findings if f.form in (i, None)]
            names = [ind.name for ind in form.indicators]
            paragraphs = _paragraphs(path)
            for para in paragraphs[1:]:  # the title: the project name and the template's words
                body = MARK.sub("", para).strip()
                if para in HEADINGS or para.startswith(COMPUTED) or para == (form.title or "绩效自评表"):
                    continue
                if body.startswith("审核发现（"):
                    assert body.split("）：", 1)[1] in messages, para
                    continue
                body = next((body[len(n) + 1:] for n in names if body.startswith(f"{n}：")), body)
                if body.startswith("【待补充"):
                    continue
                assert any(body in d for d in drafts), (stem, i, para)
            pending = [d for d in doc.drafts if d.form == i and d.status == "draft"]
            assert any("【待审核】" in p for p in paragraphs) == bool(pending), (stem, i)
            ungrounded = [d for d in doc.drafts if d.form == i and not d.grounded and d.status != "rejected"]
            assert sum("【需核实" in p for p in paragraphs) >= len(ungrounded)


def test_placeholders_stay_visible_and_highlighted(run_out: Path) -> None:
    seen = 0
    for path in sorted(run_out.glob("*.docx")):
        with zipfile.ZipFile(path) as z:
            xml = z.read("word/document.xml").decode("utf-8")
        for run in re.findall(r"<w:r>(?:(?!</w:r>).)*【待补充(?:(?!</w:r>).)*</w:r>", xml):
            assert 'w:fill="FFFF00"' in run, run[:300]
            seen += 1
    assert seen > 10


def test_batch_report_numbers_equal_the_json(run_out: Path) -> None:
    documents = _documents(run_out)
    totals, grades, forms = _tables(run_out / "batch_report.docx")[:3]
    rows = [(doc, i, f) for doc in documents.values() for i, f in enumerate(doc.forms)]
    assert dict((r[0], r[1]) for r in totals[1:])["表单数"] == str(len(rows))
    assert len(forms) - 1 == len(rows)
    for row, (doc, i, form) in zip(forms[1:], rows, strict=True):
        mine = [f for f in doc.findings if f.form in (i, None)]
        assert row[3:8] == [plain(form.total_score), form.grade or "", plain(form.budget_execution.rate),
                            str(sum(f.severity == "error" for f in mine)), str(sum(f.severity == "warning" for f in mine))]
    assert sum(int(r[1]) for r in grades[1:]) == len(rows)
    units = {"万元": 1.0, "元": 1e-4}
    budget = sum(f.funds[0].adjusted_budget * units[f.amount_unit] for _, _, f in rows
                 if f.funds and f.amount_unit and f.funds[0].adjusted_budget is not None and f.funds[0].executed is not None)
    shown = next(r[1] for r in totals[1:] if r[0].startswith("全年预算数合计"))
    assert abs(float(shown.replace(",", "")) - budget) < 1e-4


def test_a_bureau_template_changes_the_wording_without_code(tmp_path: Path, run_out: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    house = tmp_path / "house" / "outputs"
    house.mkdir(parents=True)
    word = WordDocument(str(template_file("outputs", FORM_TEMPLATE)))
    for para in word.paragraphs:
        for run in para.runs:
            run.text = run.text.replace("绩效自评报告", "绩效评价报告（区财政局样式）")
            run.text = run.text.replace("五、改进措施", "五、下一步工作安排")
    word.save(str(house / FORM_TEMPLATE))
    monkeypatch.setenv("JIXIAO_TEMPLATES_DIR", str(tmp_path / "house"))
    source = run_out / f"{SEEDS['pujin'].stem}.json"
    result = runner.invoke(app, ["report", str(source), "-o", str(tmp_path / "reports")])
    assert result.exit_code == 0, result.output
    text = "\n".join(_paragraphs(tmp_path / "reports" / f"{SEEDS['pujin'].stem}-1.docx"))
    assert "绩效评价报告（区财政局样式）" in text and "五、下一步工作安排" in text and "五、改进措施" not in text
    monkeypatch.delenv("JIXIAO_TEMPLATES_DIR")
    result = runner.invoke(app, ["report", str(source), "-o", str(tmp_path / "plain")])
    assert "五、改进措施" in "\n".join(_paragraphs(tmp_path / "plain" / f"{SEEDS['pujin'].stem}-1.docx"))
    assert (tmp_path / "plain" / "batch_report.docx").is_file() and (tmp_path / "plain" / "index.html").is_file()


def test_a_broken_bureau_template_is_one_line_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    house = tmp_path / "house" / "outputs"
    house.mkdir(parents=True)
    word = WordDocument(str(template_file("outputs", FORM_TEMPLATE)))
    word.add_paragraph("{{ no_such_variable }}")
    word.save(str(house / FORM_TEMPLATE))
    monkeypatch.setenv("JIXIAO_TEMPLATES_DIR", str(tmp_path / "house"))
    result = runner.invoke(app, ["run", str(SEEDS["qijiang"]), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1 and "Word template" in result.output and "no_such_variable" in result.output
    assert not list((tmp_path / "out").glob("*.docx")) and not (tmp_path / "out" / f"{SEEDS['qijiang'].stem}.json").exists()


PAYLOADS = ('{ HYPERLINK "http://evil.example" }', "{{7*7}}", "{% raw %}", "{%p if 1 %}", "{_{ x }_}",
            '<w:fldSimple w:instr="HYPERLINK x"/>', "]]>&amp;", "bell\x07page\x0ctab\tline\nend")


def test_form_text_never_becomes_a_field_a_link_or_a_tag(tmp_path: Path, seeds: dict[str, Document]) -> None:
    doc = seeds["pujin"]
    payload = " ".join(PAYLOADS)
    form = doc.forms[0].model_copy(update={"project_name": payload, "department": payload})
    form.indicators[0] = form.indicators[0].model_copy(update={"name": payload, "target": payload})
    drafts = [d.model_copy(update={"text": payload}) if d.form == 0 else d for d in doc.drafts]
    doc = doc.model_copy(update={"forms": [form, *doc.forms[1:]], "drafts": drafts})
    [path, *_] = write_form_reports(doc, tmp_path, "hostile")
    with zipfile.ZipFile(path) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    for markup in ("<w:fldSimple", "<w:fldChar", "<w:instrText", "<w:hyperlink", "<w:br", "<w:tab/>"):
        assert markup not in xml.split("<w:body>", 1)[1] or markup in ("<w:tab/>",), markup
    text = "\n".join(_paragraphs(path)) + "\n".join(c for t in _tables(path) for r in t for c in r)
    assert "{{7*7}}" in text and "49" not in text.replace("2049", "")
    assert '{ HYPERLINK "http://evil.example" }' in text and "{% raw %}" in text and "{_{ x }_}" in text
    assert '<w:fldSimple w:instr="HYPERLINK x"/>' in text and "bell page tab line end" in text
    assert json.loads(json.dumps(text))  # the document parsed: no broken XML
    assert not list(tmp_path.glob(".jixiao-tmp-*"))


def test_report_command_names_a_bad_input_and_goes_on(tmp_path: Path, run_out: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    good = run_out / f"{SEEDS['yuzhong'].stem}.json"
    result = runner.invoke(app, ["report", str(bad), str(good), "-o", str(tmp_path / "r")])
    assert result.exit_code == 1 and "bad.json" in result.output
    assert (tmp_path / "r" / f"{SEEDS['yuzhong'].stem}-1.docx").is_file()
    shutil.rmtree(tmp_path / "r")
