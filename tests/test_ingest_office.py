"""Spreadsheet and Word ingest: displayed values, merged cells, sheet choice, provenance, and every kind of bad file."""

from __future__ import annotations

import io
import shutil
import subprocess
import time
from pathlib import Path

import docx
import openpyxl
import pytest
from typer.testing import CliRunner

from jixiao.checks import RuleProfile
from jixiao.cli import app
from jixiao.errors import InputError, NotAForm
from jixiao.ingest import ingest
from jixiao.ingest.numfmt import format_number
from jixiao.ingest.office import sniff
from jixiao.pipeline import extract
from tests.conftest import GOLDEN, read_json
from tests.office_files import compound_file, encrypted_xls_stream, replaced_sheet, with_extra_entries

XLSX = GOLDEN / "qijiang-xlsx" / "qijiang.xlsx"
DOCX = GOLDEN / "pujin-docx" / "pujin.docx"
REAL_XLSX = GOLDEN / "real-yuzhong-xlsx" / "chongqing-yuzhong_1.xlsx"
REAL_XLS = GOLDEN / "real-central-xls" / "central-pku_1.xls"


@pytest.mark.parametrize(("value", "code", "shown"), [
    (0.88, "0%", "88%"), (0.12345, "0.00%", "12.35%"), (1234.5, "#,##0.00", "1,234.50"), (90, "0_ ", "90"),
    (7574, "General", "7574"), (82800.92000000001, "General", "82800.92"), (0.125, "0.00", "0.13"),
    (-5, "#,##0.00;(#,##0.00)", "(5.00)"), (3, '0"个"', "3个"), (12, "[$¥-804]#,##0.00", "¥12.00"),
    (0, '0.00;-0.00;"-"', "-"), (1.5, "0.##", "1.5"), (123456, "0.00E+00", "1.23E+05"), (5, "G/通用格式", "5"),
])
def test_numbers_are_read_as_the_sheet_displays_them(value: float, code: str, shown: str) -> None:
    assert format_number(value, code) == shown


def test_real_chongqing_workbook_traps(profile: RuleProfile) -> None:
    document = extract(REAL_XLSX, profile)
    form = document.forms[0]
    budget = next(i for i, ind in enumerate(form.indicators) if ind.name == "预算执行率")
    # 0.88 under the format 0% is printed 88%: against a target of 90 (%) it falls short
    assert form.indicators[budget].actual == "88%" and form.indicators[budget].actual_value == 88
    prov = form.provenance[f"indicators[{budget}].actual"]
    assert (prov.sheet, prov.cell, prov.page, prov.source_text) == ("就业补助资金", "G21", 1, "88%")
    assert form.provenance["funds[0].adjusted_budget"].cell == "B5"
    assert all(ind.score is None for ind in form.indicators)  # no 得分 column: nothing invented
    codes = {(f.code, f.path) for f in document.findings}
    assert ("SHORT_WITHOUT_EXPLANATION", f"indicators[{budget}].explanation") in codes
    assert ("TEMPLATE_TEXT_LEFT", "explanation") in codes
    assert form.provenance["explanation"].cell == "B28"
    # merged 指标类型 cells carried down; a line break inside a name removed
    assert [ind.level1 for ind in form.indicators[1:6]] == ["产出类指标"] * 5
    assert form.indicators[0].name == "新增区级创业孵化基地数量"


def test_real_central_export_reads_only_the_self_evaluation_sheet(profile: RuleProfile) -> None:
    document = extract(REAL_XLS, profile)
    assert len(document.forms) == 1 and document.source.kind == "xls"
    form = document.forms[0]
    assert form.provenance["project_name"].sheet == "项目支出绩效自评表"
    assert form.provenance["project_name"].page == 8  # the 8th of 11 sheets
    skipped = [f for f in document.findings if f.code == "SHEET_SKIPPED"]
    assert len(skipped) == 10 and all(f.severity == "info" for f in skipped)
    assert any("项目支出绩效目标执行监控" in f.message for f in skipped)
    # 总分 cells hold #REF! (BIFF error code 23): reported, never read as the number 23
    assert form.total_score is None
    errors = [f.message for f in document.findings if f.code == "CELL_ERROR"]
    assert any("H14" in m and "#REF!" in m for m in errors)
    assert not form.funds and all(ind.actual is None for ind in form.indicators)


def test_docx_table_merges_are_not_duplicated(profile: RuleProfile) -> None:
    document = extract(DOCX, profile)
    form = document.forms[0]
    assert document.source.kind == "docx"
    assert form.indicators[0].level1 and form.indicators[1].level1 == form.indicators[0].level1
    prov = form.provenance["indicators[0].name"]
    assert prov.table == 1 and prov.row is not None and prov.column == 4
    # the last form's table is nested in a one-cell layout table: read as a table of its own
    assert len(document.forms) == 4 and document.forms[-1].indicators


def test_content_decides_the_reader_not_the_suffix(tmp_path: Path, profile: RuleProfile) -> None:
    fake_xlsx = tmp_path / "really-xls.xlsx"
    shutil.copy(REAL_XLS, fake_xlsx)
    fake_xls = tmp_path / "really-xlsx.xls"
    shutil.copy(XLSX, fake_xls)
    for path, kind in ((fake_xlsx, "xls"), (fake_xls, "xlsx")):
        document = extract(path, profile)
        assert document.source.kind == kind and document.forms
        assert any(f.code == "SUFFIX_MISMATCH" for f in document.findings)
    assert sniff(DOCX.read_bytes()) == "docx"


def _bad(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_bad_office_files_get_one_line_errors(tmp_path: Path) -> None:
    cases = {
        "encrypted.xlsx": (compound_file({"EncryptionInfo": b"\x04\x00\x04\x00", "EncryptedPackage": b"\x01" * 64}),
                           "password-protected"),
        "encrypted.xls": (compound_file({"Workbook": encrypted_xls_stream()}), "password-protected"),
        "corrupt.xlsx": (XLSX.read_bytes()[: len(XLSX.read_bytes()) // 2], "damaged"),
        "garbage.xls": (compound_file({"Workbook": b"\x00" * 64}), "damaged"),
        "notoffice.docx": (b"just some text, not a document", "not a readable Excel/Word file"),
        "bomb.xlsx": (with_extra_entries(XLSX, {"xl/media/pad.bin": b"\0" * (101 * 1024 * 1024)}), "unpacks to"),
        "empty.xlsx": (b"", "empty file"),
    }
    for name, (data, message) in cases.items():
        path = _bad(tmp_path, name, data)
        with pytest.raises(InputError) as info:
            ingest(path)
        text = str(info.value)
        assert "\n" not in text and text.startswith(str(path)) and message in text, (name, text)


def test_word_file_without_a_table(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("2023年度项目支出绩效自评表")
    document.add_paragraph("（本单位本年度无项目支出）")
    buffer = io.BytesIO()
    document.save(buffer)
    path = _bad(tmp_path, "notable.docx", buffer.getvalue())
    with pytest.raises(NotAForm, match=r"notable\.docx: the Word document holds no table"):
        ingest(path)


def test_million_row_sheets_are_never_iterated(tmp_path: Path, profile: RuleProfile) -> None:
    # every row of a 1,048,576-row sheet filled: refused from the zip, before openpyxl loads it
    full = _bad(tmp_path, "full.xlsx", replaced_sheet(XLSX, "xl/worksheets/sheet1.xml", 1_048_576))
    start = time.perf_counter()
    with pytest.raises(InputError, match=r"full\.xlsx: more than 200,000 cells"):
        ingest(full)
    assert time.perf_counter() - start < 10
    # a form whose sheet also has one stray cell in row 1,048,576: read the form, quickly
    wb = openpyxl.load_workbook(XLSX)
    wb["自评表1"].cell(row=1_048_576, column=1, value="x")
    stray = tmp_path / "stray.xlsx"
    wb.save(stray)
    start = time.perf_counter()
    document = extract(stray, profile)
    assert time.perf_counter() - start < 5
    assert len(document.forms) == 3


def test_formulas_are_never_evaluated_and_links_never_followed(tmp_path: Path, profile: RuleProfile) -> None:
    wb = openpyxl.load_workbook(XLSX)
    ws = wb["自评表1"]
    target = next(c for row in ws.iter_rows() for c in row if c.value == "指标权重")
    ws.cell(row=target.row + 1, column=target.column, value="=SUM(H1:H2)")  # written by a program: no cached value
    path = tmp_path / "formula.xlsx"
    wb.save(path)
    linked = _bad(tmp_path, "linked.xlsx", with_extra_entries(path, {
        "xl/externalLinks/externalLink1.xml": b"<externalLink/>",
        "xl/externalLinks/_rels/externalLink1.xml.rels":
            b'<Relationships><Relationship Id="rId1" Target="file:///C:/budget/2023.xlsx"/></Relationships>'}))
    document = extract(linked, profile)
    messages = {f.code: f.message for f in document.findings}
    assert "FORMULA_NOT_CACHED" in messages and "=SUM(H1:H2)" in messages["FORMULA_NOT_CACHED"]
    assert "EXTERNAL_LINKS" in messages and "2023.xlsx" in messages["EXTERNAL_LINKS"]
    assert document.forms[0].indicators[0].weight is None  # the formula cell is read as blank, not computed


def test_legacy_word_without_libreoffice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _bad(tmp_path, "old.doc", compound_file({"WordDocument": b"\xec\xa5" + b"\0" * 62}))
    monkeypatch.setattr("jixiao.ingest.office.shutil.which", lambda _name: None)
    with pytest.raises(InputError, match=r"old\.doc: legacy Word/WPS file; install LibreOffice"):
        ingest(path)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not on PATH: .doc conversion untested")
def test_doc_is_converted_with_libreoffice(tmp_path: Path, profile: RuleProfile) -> None:
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "doc", "--outdir", str(tmp_path), str(DOCX)], capture_output=True, timeout=180)
    doc = tmp_path / "pujin.doc"
    if not doc.is_file():
        pytest.skip("soffice cannot write .doc here (LibreOffice Writer not installed): .doc conversion untested")
    before = doc.read_bytes()
    document = extract(doc, profile)
    assert len(document.forms) == 4 and any(f.code == "CONVERTED" for f in document.findings)
    assert doc.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["profile", "pujin.doc"]


def test_batch_goes_on_and_writes_only_whole_outputs(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(XLSX, folder / "good.xlsx")
    shutil.copy(DOCX, folder / "good-word.docx")
    (folder / "corrupt.xlsx").write_bytes(XLSX.read_bytes()[:500])
    (folder / "locked.xlsx").write_bytes(compound_file({"EncryptionInfo": b"\0", "EncryptedPackage": b"\0"}))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["extract", str(folder), "-o", str(out)])
    assert result.exit_code == 1
    assert sorted(p.name for p in out.iterdir()) == ["good-word.json", "good.json"]
    assert read_json(out / "good.json")["source"]["kind"] == "xlsx"
    assert (folder / "good.xlsx").read_bytes() == XLSX.read_bytes()  # inputs never modified


def test_report_shows_the_sheet_with_the_source_cell_marked(tmp_path: Path, profile: RuleProfile) -> None:
    from jixiao.outputs.html import path_label, report_html

    wb = openpyxl.load_workbook(REAL_XLSX)
    wb.active["A40"] = "<script>alert(1)</script>"  # cell text is shown, never run
    path = tmp_path / "marked.xlsx"
    wb.save(path)
    html = report_html(extract(path, profile))
    assert '<td data-ref="1:G21">88%</td>' in html  # the grid cell
    assert f'data-ref="1:G21" title="{path_label("indicators[10].actual")}' in html  # the value pointing at it
    assert "就业补助资金!G21" in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


def test_word_rows_and_cells_inside_content_controls_are_read(tmp_path: Path, profile: RuleProfile) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document(str(DOCX))
    tbl = document.tables[0]._tbl
    rows = list(tbl.tr_lst)
    for tr in rows[-4:-2]:  # two indicator rows wrapped in a content control, as WPS/form templates do
        sdt, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
        tr.addprevious(sdt)
        content.append(tr)
        sdt.append(content)
    title = document.paragraphs[0]._p
    sdt, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")  # the title paragraph too
    title.addprevious(sdt)
    content.append(title)
    sdt.append(content)
    path = tmp_path / "controls.docx"
    document.save(str(path))
    assert qn("w:sdt") in {el.tag for el in docx.Document(str(path)).element.body.iter()}
    original, wrapped = extract(DOCX, profile), extract(path, profile)
    assert wrapped.forms[0].model_dump(exclude={"provenance"}) == original.forms[0].model_dump(exclude={"provenance"})


def test_folder_search_skips_office_lock_files(tmp_path: Path) -> None:
    from jixiao.batch import expand_inputs

    shutil.copy(XLSX, tmp_path / "form.xlsx")
    (tmp_path / "~$form.xlsx").write_bytes(b"\x05owner" + b"\0" * 160)  # Excel's lock file while the form is open
    files, errors = expand_inputs([tmp_path])
    assert [p.name for p in files] == ["form.xlsx"] and not errors


_NO_TOTAL_ROWS = [  # a one-level table: the name is the first column
    ["2023年度项目支出绩效自评表"],
    ["项目名称", "农村公路安全生命防护工程", "", "自评总分", "94.5"],
    ["指标名称", "计量单位", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施", "备注"],
    ["安装波形护栏长度", "公里", "≥42", "43.5", 40, 40, "", ""],
    ["农村公路事故率下降", "", "明显下降", "有所下降", 30, 27, "部分路段未完工", ""],
    ["沿线群众满意度", "%", "≥90", "93", 20, 20, "", ""],
]
_REMARKS = ["注1：本表金额保留两位小数。", "备注:各项指标须附佐证材料", "填报说明：定性指标按达成程度填列。"]


def test_remarks_under_a_table_without_a_totals_row_are_not_indicators(tmp_path: Path, profile: RuleProfile) -> None:
    """The table ends on its last indicator (the total is in the header); under it, in the table's grid, the
    template's remarks (`注1：…`, `备注:…`, `填报说明：…`) merged across the row: notes, not indicators."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for row in _NO_TOTAL_ROWS:
        ws.append(row)
    for text in _REMARKS:
        ws.append([text])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=8)
    ws.append(["说明", "部分路段因雨季延误"])  # a 说明 row with its label in a cell of its own stays the 说明
    wb.save(tmp_path / "remarks.xlsx")
    document = docx.Document()
    table = document.add_table(rows=0, cols=8)
    for row in [r for r in _NO_TOTAL_ROWS if len(r) > 1] + [[t] for t in _REMARKS]:
        cells = table.add_row().cells
        if len(row) == 1:
            cells[0].merge(cells[7])
        for cell, value in zip(cells, row, strict=False):
            cell.text = str(value)
    document.save(str(tmp_path / "remarks.docx"))
    for name in ("remarks.xlsx", "remarks.docx"):
        form = extract(tmp_path / name, profile).forms[0]
        assert [i.name for i in form.indicators] == ["安装波形护栏长度", "农村公路事故率下降", "沿线群众满意度"], name
        assert form.explanation == ("部分路段因雨季延误" if name.endswith("xlsx") else None), name
