"""The review loop never loses a decision: run → import → run again → export; a changed input resets only its own."""

from __future__ import annotations

import shutil
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.outputs.schema import DRAFT_HEADER
from tests.conftest import SEEDS, read_json

runner = CliRunner()
COLUMN = {name: k + 1 for k, name in enumerate(DRAFT_HEADER)}


def _decide(book: Path, decisions: dict[int, tuple[str, str | None]], column: str = "修改后文本") -> None:
    wb = load_workbook(book)
    ws = wb["草稿"]
    for row, (decision, text) in decisions.items():
        ws.cell(row=row, column=COLUMN["审核结论"], value=decision)
        if text is not None:
            ws.cell(row=row, column=COLUMN[column], value=text)
    wb.save(book)


def _decided(path: Path) -> dict[tuple[str, int | None, int | None], tuple[str, str]]:
    doc = read_json(path)
    return {(d["kind"], d["form"], d["indicator"]): (d["status"], d["text"]) for d in doc["drafts"]
            if d["decided_by"] == "human"}


def _row_of(book: Path, stem: str) -> int:
    ws = load_workbook(book)["草稿"]
    return next(n for n, row in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2)
                if row[COLUMN["文件"] - 1] == stem)


def test_decisions_survive_a_rerun_export_rebuilds_and_a_changed_input_resets_only_its_own(tmp_path: Path) -> None:
    inputs, out = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    yuzhong, pujin = (Path(shutil.copy(SEEDS[k], inputs)) for k in ("yuzhong", "pujin"))
    assert runner.invoke(app, ["run", str(yuzhong), str(pujin), "-o", str(out)]).exit_code == 0
    book = out / "review.xlsx"
    first_y, first_p = _row_of(book, yuzhong.stem), _row_of(book, pujin.stem)
    edited = "经核实，承办会议次数增加系临时任务所致。"
    _decide(book, {first_y: ("采纳", None), first_y + 1: ("修改", edited), first_p: ("退回", None)})
    result = runner.invoke(app, ["review", "import", str(book)])
    assert result.exit_code == 0 and "1 accepted, 1 edited, 1 rejected" in result.output, result.output
    y_json, p_json = out / f"{yuzhong.stem}.json", out / f"{pujin.stem}.json"
    before_y, before_p = _decided(y_json), _decided(p_json)
    assert len(before_y) == 2 and len(before_p) == 1 and (("edited", edited) in before_y.values())

    # run again over the reviewed folder: every decision is kept, and the workbook shows them
    result = runner.invoke(app, ["run", str(yuzhong), str(pujin), "-o", str(out)])
    assert result.exit_code == 0 and "changed input" not in result.output, result.output
    assert _decided(y_json) == before_y and _decided(p_json) == before_p
    ws = load_workbook(book)["草稿"]
    shown = {row[COLUMN["当前状态"] - 1] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert {"已采纳", "已修改", "已退回", "待审核"} <= shown

    # a run of one input keeps the other's forms in the folder's workbook; export rebuilds every output
    assert runner.invoke(app, ["run", str(yuzhong), "-o", str(out)]).exit_code == 0
    files = {row[COLUMN["文件"] - 1] for row in load_workbook(book)["草稿"].iter_rows(min_row=2, values_only=True)}
    assert {yuzhong.stem, pujin.stem, "batch_summary"} <= files
    for stale in [book, *out.glob("*.md"), *out.glob("*.html")]:
        stale.unlink()
    result = runner.invoke(app, ["review", "export", str(out)])
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} >= {"review.xlsx", f"{yuzhong.stem}.md", f"{yuzhong.stem}.html",
                                               f"{pujin.stem}.md", f"{pujin.stem}.html", "batch_summary.json"}
    assert _decided(y_json) == before_y  # export never rewrites the JSON
    assert "已采纳" in (out / f"{yuzhong.stem}.html").read_text(encoding="utf-8")

    # the same workbook can be imported again after an export (the JSON did not change)
    result = runner.invoke(app, ["review", "import", str(book)])
    assert result.exit_code == 0 and "0 accepted, 0 edited, 0 rejected" in result.output, result.output

    # one input changes: it is reported, its decisions reset; the other keeps its own
    pujin.write_text(pujin.read_text(encoding="utf-8").replace("156.28", "150.28", 1), encoding="utf-8")
    result = runner.invoke(app, ["run", str(yuzhong), str(pujin), "-o", str(out)])
    assert "changed input" in result.output and pujin.name in result.output, result.output
    assert _decided(p_json) == {} and _decided(y_json) == before_y
    reset = [f for f in read_json(p_json)["findings"] if f["code"] == "DECISIONS_RESET"]
    assert len(reset) == 1 and reset[0]["found"] == 1


def test_import_lists_every_problem_and_warns(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert runner.invoke(app, ["run", str(SEEDS["yuzhong"]), "-o", str(out)]).exit_code == 0
    book = out / "review.xlsx"
    pristine = (out / f"{SEEDS['yuzhong'].stem}.json").read_bytes()
    _decide(book, {2: ("同意", None), 3: ("修改", None), 4: ("采纳", "我改了草稿内容")}, column="草稿内容")
    result = runner.invoke(app, ["review", "import", str(book)])
    assert result.exit_code == 1 and "3 problems, nothing was changed" in result.output, result.output
    for where in ("row 2, 审核结论", "row 3, 修改后文本", "row 4, 草稿内容: this column is protected"):
        assert where in result.output, where
    assert (out / f"{SEEDS['yuzhong'].stem}.json").read_bytes() == pristine

    assert runner.invoke(app, ["review", "export", str(out)]).exit_code == 0
    _decide(book, {2: ("采纳", None), 3: ("修改", "本年度承办会议480部，原因：【待补充：具体原因】。")})
    result = runner.invoke(app, ["review", "import", str(book)])
    assert result.exit_code == 0, result.output
    assert "row 2, 审核结论: 采纳 of a text that still holds a placeholder" in result.output
    assert "row 3, 修改后文本: numbers the form does not support: 480" in result.output
