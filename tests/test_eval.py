"""The golden evaluation passes on the committed cases and catches a regression."""

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from jixiao.cli import app
from tests.conftest import GOLDEN

runner = CliRunner()


def _text_cases(target: Path) -> Path:
    """A golden folder holding only the text cases (the PDF/scan cases run in `make test`'s own eval step)."""
    target.mkdir()
    for case in GOLDEN.glob("*-text"):
        shutil.copytree(case, target / case.name)
    shutil.copy(GOLDEN / "thresholds.toml", target / "thresholds.toml")
    return target


def test_golden_passes_its_thresholds(tmp_path: Path) -> None:
    result = runner.invoke(app, ["eval", str(_text_cases(tmp_path / "golden"))])
    assert result.exit_code == 0, result.output
    assert "100.00%" in result.output


def test_a_wrong_expected_value_fails(tmp_path: Path) -> None:
    golden = _text_cases(tmp_path / "golden")
    path = golden / "pujin-text" / "expected.json"
    expected = json.loads(path.read_text(encoding="utf-8"))
    expected["forms"][0]["indicators"][1]["score"] = 19.0
    expected["findings"].append({"code": "GRADE_MISMATCH", "severity": "warning", "form": 0, "path": "grade"})
    path.write_text(json.dumps(expected, ensure_ascii=False), encoding="utf-8")
    report = tmp_path / "report.json"
    result = runner.invoke(app, ["eval", str(golden), "--report", str(report)])
    assert result.exit_code == 1
    assert "indicators[1].score: expected 19.0, found 18.0" in result.output
    assert "finding missing: GRADE_MISMATCH|warning|0|grade" in result.output
    cases = {c["case"]: c for c in json.loads(report.read_text(encoding="utf-8"))}
    assert cases["pujin-text"]["fields"]["wrong"] == 1


def test_update_only_behind_the_flag(tmp_path: Path) -> None:
    golden = _text_cases(tmp_path / "golden")
    path = golden / "qijiang-text" / "expected.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"杨雨晴"', '"某人"'), encoding="utf-8")
    assert runner.invoke(app, ["eval", str(golden)]).exit_code == 1
    assert runner.invoke(app, ["eval", str(golden), "--update"]).exit_code == 0
    assert "杨雨晴" in path.read_text(encoding="utf-8")
