"""The command line as a user runs it: outputs, exit codes, bad input in a batch."""

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jixiao.cli import app
from tests.conftest import SEEDS, read_json

runner = CliRunner()


def _bad_batch(folder: Path) -> None:
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (folder / "notaform.txt").write_text("会议纪要\n今天讨论了预算安排。\n", encoding="utf-8")
    (folder / "gbk.txt").write_bytes(SEEDS["pujin"].read_text(encoding="utf-8").encode("gbk"))
    text = SEEDS["jinfeng"].read_text(encoding="utf-8")
    (folder / "cut.txt").write_text(text[: text.index("智慧城市运营中心网络运行") + 5], encoding="utf-8")


def test_run_writes_json_and_summary(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(SEEDS["pujin"]), str(SEEDS["qijiang"]), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted([
        "000_23ab6bb0c7ba0c16.html", "000_23ab6bb0c7ba0c16.json", "000_23ab6bb0c7ba0c16.md",
        "002_01c3afafab9c22d7.html", "002_01c3afafab9c22d7.json", "002_01c3afafab9c22d7.md",
        *(f"000_23ab6bb0c7ba0c16-{n}.docx" for n in (1, 2, 3)), *(f"002_01c3afafab9c22d7-{n}.docx" for n in (1, 2, 3, 4)),
        "batch_report.docx", "batch_summary.json", "index.html", "review.xlsx"])
    doc = read_json(out / "002_01c3afafab9c22d7.json")
    assert set(doc) >= {"source", "forms", "findings", "drafts", "llm_usage"}
    assert doc["source"]["kind"] == "text" and len(doc["forms"]) == 4
    assert "## 1. “一网统管”运维费" in (out / "002_01c3afafab9c22d7.md").read_text(encoding="utf-8")


def test_bad_inputs_do_not_stop_the_batch(tmp_path: Path) -> None:
    _bad_batch(tmp_path / "in")
    out = tmp_path / "out"
    result = runner.invoke(app, ["extract", str(tmp_path / "in"), "-o", str(out)])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error ")]
    assert len(errors) == 3
    assert any("empty.txt: empty file" in e for e in errors)
    assert any("binary.txt: binary data" in e for e in errors)
    assert any("notaform.txt: no 绩效自评表 found" in e for e in errors)
    assert sorted(p.name for p in out.iterdir()) == ["cut.json", "gbk.json"]  # nothing for failures, no temp files
    cut = read_json(out / "cut.json")
    assert any(f["code"] == "INDICATOR_TABLE_TRUNCATED" and f["severity"] == "error" for f in cut["findings"])
    gbk = read_json(out / "gbk.json")
    assert gbk["source"]["encoding"] == "gb18030" and gbk["forms"][0]["project_name"] == "“一网统管”运维费"


def test_existing_outputs_survive_a_failed_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    src = tmp_path / "form.txt"
    shutil.copy(SEEDS["pujin"], src)
    assert runner.invoke(app, ["extract", str(src), "-o", str(out)]).exit_code == 0
    before = (out / "form.json").read_bytes()
    src.write_bytes(b"")
    assert runner.invoke(app, ["extract", str(src), "-o", str(out)]).exit_code == 1
    assert (out / "form.json").read_bytes() == before


def test_json_logs(tmp_path: Path) -> None:
    result = runner.invoke(app, ["extract", str(SEEDS["yuzhong"]), "-o", str(tmp_path), "--json"])
    record = json.loads(result.stdout.strip().splitlines()[-1])
    assert record["event"] == "done" and record["forms"] == 3 and record["status"] == "partial"


def test_check_reruns_after_an_edit(tmp_path: Path) -> None:
    assert runner.invoke(app, ["extract", str(SEEDS["jinfeng"]), "-o", str(tmp_path)]).exit_code == 0
    path = tmp_path / "004_376dea5d61d0869c.json"
    doc = read_json(path)
    doc["forms"][1]["budget_execution"]["score"] = 10.0  # a reviewer corrects the score
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 0, result.output
    rechecked = read_json(path)
    assert not any(f["code"] == "EXEC_SCORE_MISMATCH" and f["form"] == 1 for f in rechecked["findings"])
    assert any(f["code"] == "EXEC_SCORE_MISMATCH" and f["form"] == 2 for f in rechecked["findings"])


@pytest.mark.parametrize("args", [["extract"], ["run", "x.txt", "--profile", "atlantis"], ["nosuchcommand"]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    assert runner.invoke(app, args).exit_code == 2


def test_check_refuses_a_foreign_json(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"hello": 1}', encoding="utf-8")
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 1 and "not a jixiao document" in result.output


def test_missing_input_is_reported(tmp_path: Path) -> None:
    result = runner.invoke(app, ["extract", str(tmp_path / "nope.txt"), str(SEEDS["pujin"]), "-o", str(tmp_path)])
    assert result.exit_code == 1 and "nope.txt: no such file or folder" in result.output
    assert (tmp_path / "002_01c3afafab9c22d7.json").exists()


def test_check_draft_and_import_keep_the_documents_profile(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert runner.invoke(app, ["run", str(SEEDS["jinfeng"]), "-o", str(out), "--profile", "sichuan"]).exit_code == 0
    path = out / f"{SEEDS['jinfeng'].stem}.json"

    def profile_and_low() -> tuple[str, int]:
        doc = read_json(path)
        return doc["profile"], sum(f["code"] == "EXEC_RATE_LOW" for f in doc["findings"])

    assert profile_and_low() == ("sichuan", 1)
    assert runner.invoke(app, ["check", str(path)]).exit_code == 0
    assert profile_and_low() == ("sichuan", 1)
    assert runner.invoke(app, ["draft", str(path), "--no-llm"]).exit_code == 0
    assert profile_and_low() == ("sichuan", 1)
    assert runner.invoke(app, ["run", str(SEEDS["jinfeng"]), "-o", str(out), "--profile", "sichuan"]).exit_code == 0
    result = runner.invoke(app, ["review", "import", str(out / "review.xlsx")])
    assert result.exit_code == 0, result.output
    assert profile_and_low() == ("sichuan", 1)
    assert runner.invoke(app, ["check", str(path), "--profile", "national"]).exit_code == 0
    assert profile_and_low() == ("national", 0)  # an explicit profile still wins
