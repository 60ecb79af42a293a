"""Input limits: set on the command line or in the environment, checked at start (exit 2 naming the setting), and
an input past one is a one-line error naming it, with nothing written for it."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench.make_dump import write_dump
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.limits import LimitError, Limits, limits_from
from tests.conftest import GOLDEN

runner = CliRunner()


@pytest.mark.parametrize(("args", "env", "named"), [
    (["--max-forms", "0"], {}, "--max-forms"),
    (["--max-pixels", "10"], {}, "--max-pixels"),
    ([], {"JIXIAO_MAX_PAGES": "many"}, "JIXIAO_MAX_PAGES"),
    ([], {"JIXIAO_MAX_CELLS": "-5"}, "JIXIAO_MAX_CELLS"),
])
def test_an_invalid_limit_stops_the_command_naming_it(args: list[str], env: dict[str, str], named: str,
                                                      tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    form = tmp_path / "f.txt"
    write_dump(form, 1)
    result = runner.invoke(app, ["extract", str(form), "-o", str(tmp_path / "out"), *args])
    assert result.exit_code == 2 and named in result.output
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.json"))


def test_the_command_line_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIXIAO_MAX_FORMS", "7")
    assert limits_from({}).max_forms == 7 and limits_from({"max_forms": 9}).max_forms == 9
    assert limits_from({}).max_pages == Limits().max_pages
    with pytest.raises(LimitError, match="--max-pages"):
        limits_from({"max_pages": 0})


def test_an_input_past_a_limit_fails_alone_and_names_it(tmp_path: Path) -> None:
    dump, small = tmp_path / "dump.txt", tmp_path / "small.txt"
    write_dump(dump, 20)
    write_dump(small, 3)
    pdf = GOLDEN / "jinfeng-pdf" / "jinfeng.pdf"
    out = tmp_path / "out"
    result = runner.invoke(app, ["extract", str(dump), str(small), str(pdf), "-o", str(out), "--max-forms", "10",
                                 "--max-pages", "1"])
    assert result.exit_code == 1
    assert "more than 10 forms (--max-forms)" in result.output and "(--max-pages)" in result.output
    assert sorted(p.name for p in out.glob("*.json")) == ["small.json"]
    assert not [p for p in out.iterdir() if p.name.startswith(".jixiao-")]
