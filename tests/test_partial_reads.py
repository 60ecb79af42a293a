"""Partial reads are never silent: a cut input, prose between forms, the same form twice."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from jixiao.checks import RuleProfile
from jixiao.cli import app
from jixiao.pipeline import extract
from tests.conftest import SEEDS, read_json

runner = CliRunner()
LETTER = ("关于报送2023年度项目支出绩效自评结果的函\n区财政局：\n根据《关于开展2023年度绩效自评工作的通知》要求，"
          "我单位开展了绩效自评，现将自评结果报送如下，请审核。\n附件：项目支出绩效自评表\n某某区城市管理局\n2024年3月15日\n")


def _forms(seed: str) -> list[str]:
    """The seed's forms as separate texts (each starts at its title line)."""
    lines = SEEDS[seed].read_text(encoding="utf-8").splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.rstrip().endswith("绩效自评表")] + [len(lines)]
    return ["".join(lines[a:b]) for a, b in itertools.pairwise(starts)]


def test_a_dump_cut_mid_row_exits_1_with_a_truncation_error(tmp_path: Path) -> None:
    text = SEEDS["pujin"].read_text(encoding="utf-8")
    cut = tmp_path / "cut.txt"
    cut.write_text(text[: text.index("97.00(%)\t20.00\t18.00") + len("97.00(%)\t20.00\t18.")], encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(cut), "-o", str(out)])
    assert result.exit_code == 1, result.output
    doc = read_json(out / "cut.json")
    error = next(f for f in doc["findings"] if f["code"] == "INPUT_TRUNCATED")
    assert error["severity"] == "error" and error["found"] == "18." and "第18行" in error["message"]
    ind = doc["forms"][0]["indicators"][1]
    assert ind["explanation"] == "" and ind["score"] is None  # "18." is not read as the 偏差原因
    summary = next(d["text"] for d in doc["drafts"] if d["kind"] == "form_summary")
    assert "未填写自评总分" not in summary and "自评总分未能识别，请核对原件" in summary


def test_a_cover_letter_between_forms_is_a_note_not_a_form(tmp_path: Path, profile: RuleProfile) -> None:
    first, second = _forms("qijiang")[0], _forms("pujin")[0]
    path = tmp_path / "letter.txt"
    path.write_text(first + "\n" + LETTER + "\n" + second, encoding="utf-8")
    doc = extract(path, profile)
    assert [f.project_name for f in doc.forms] == [extract_name(first, tmp_path, profile),
                                                    extract_name(second, tmp_path, profile)]
    note = next(f for f in doc.findings if f.code == "TEXT_BETWEEN_FORMS")
    start = first.count("\n") + 2
    assert note.form is None and note.severity == "info" and f"第{start}–{start + 5}行" in note.message
    assert "关于报送2023年度项目支出绩效自评结果的函" in str(note.found) and "2024年3月15日" in str(note.found)
    assert not any(f.severity == "error" for f in doc.findings), [f.code for f in doc.findings]
    assert all("关于报送" not in ind.name for form in doc.forms for ind in form.indicators)


def extract_name(text: str, tmp_path: Path, profile: RuleProfile) -> str | None:
    single = tmp_path / "single.txt"
    single.write_text(text, encoding="utf-8")
    return extract(single, profile).forms[0].project_name


def test_the_same_form_as_text_and_as_pdf_is_flagged(tmp_path: Path) -> None:
    out = tmp_path / "out"
    pdf = SEEDS["pujin"].parent.parent / "pujin-pdf" / "pujin.pdf"
    assert runner.invoke(app, ["run", str(SEEDS["pujin"]), str(pdf), "-o", str(out)]).exit_code == 0
    sheet = load_workbook(out / "review.xlsx")["表单"]
    header = [c.value for c in sheet[1]]
    notes = [row[header.index("重复提交")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(notes) == 8 and sum(1 for n in notes if n and n.startswith("重复提交")) == 4, notes
    batch = json.loads((out / "batch_summary.json").read_text(encoding="utf-8"))["drafts"][0]["text"]
    assert "另有重复或多次提交的表：重复提交：与" in batch


def test_a_resubmission_with_other_numbers_is_flagged(tmp_path: Path) -> None:
    first = _forms("pujin")[0]
    again = tmp_path / "again.txt"
    again.write_text(first.replace("156.28", "150.28"), encoding="utf-8")
    (tmp_path / "first.txt").write_text(first, encoding="utf-8")
    out = tmp_path / "out"
    runner.invoke(app, ["run", str(tmp_path / "first.txt"), str(again), "-o", str(out)])
    sheet = load_workbook(out / "review.xlsx")["表单"]
    header = [c.value for c in sheet[1]]
    notes = [row[header.index("重复提交")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert [bool(n) for n in notes] == [False, True] and "同一项目多次提交" in notes[1]  # again.txt, first.txt
