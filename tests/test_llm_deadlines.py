"""Deadlines, not only timeouts: a server that trickles or stays silent cannot hold an input, and the
LLM settings are checked before anything runs."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jixiao.cli import app
from tests.conftest import SEEDS
from tests.fake_openai import FakeOpenAI, Step

runner = CliRunner()


def _damaged(tmp_path: Path) -> Path:
    """The 浦锦 seed with one collapsed indicator row: a gap the rules leave to the LLM."""
    text = SEEDS["pujin"].read_text(encoding="utf-8")
    path = tmp_path / "damaged.txt"
    path.write_text(text.replace("97.00(%)\t20.00\t18.00\t", "97.00(%)\t20.00 18.00\t", 1), encoding="utf-8")
    return path


def _extract(fake: FakeOpenAI, tmp_path: Path, **env: str) -> tuple[float, int, dict[str, object], str]:
    out = tmp_path / "out"
    settings = {"JIXIAO_LLM_BASE_URL": fake.base_url, "JIXIAO_LLM_MODEL": "fake", "JIXIAO_LLM_MODE": "md_json",
                "JIXIAO_CACHE_DIR": str(tmp_path / "cache")} | env
    start = time.monotonic()
    result = runner.invoke(app, ["extract", str(_damaged(tmp_path)), "-o", str(out)], env=settings)
    seconds = time.monotonic() - start
    return seconds, result.exit_code, json.loads((out / "damaged.json").read_text(encoding="utf-8")), result.output


def test_a_trickling_reply_is_cut_at_the_deadline_and_the_input_written(fake: FakeOpenAI, tmp_path: Path) -> None:
    fake.default = Step(trickle=2)  # headers, then a byte every 2 s: a read timeout never fires
    seconds, code, doc, output = _extract(fake, tmp_path, JIXIAO_LLM_TIMEOUT="5", JIXIAO_LLM_BUDGET="8")
    assert seconds < 20, seconds  # budget 8 s + the rules' own time on a busy machine
    assert code == 0, output
    failed = [f for f in doc["findings"] if f["code"] == "LLM_FAILED"]  # type: ignore[index, union-attr]
    assert len(failed) == 1 and "deadline passed" in failed[0]["message"]
    assert "deadline 5 s per request, 8 s per input" in failed[0]["message"]
    assert len(doc["forms"]) == 4  # type: ignore[arg-type]  # written, without the LLM's values


def test_a_silent_server_costs_one_budget_not_a_minute_per_try(fake: FakeOpenAI, tmp_path: Path) -> None:
    fake.default = Step(silent=True)
    seconds, code, doc, _ = _extract(fake, tmp_path, JIXIAO_LLM_TIMEOUT="1")  # budget: 4 × 1 s
    assert code == 0
    assert seconds < 12, seconds
    failed = [f for f in doc["findings"] if f["code"] == "LLM_FAILED"]  # type: ignore[index, union-attr]
    assert len(failed) == 1 and "tries" in failed[0]["message"] and len(fake.requests) >= 2


@pytest.mark.parametrize(("name", "value"), [
    ("JIXIAO_LLM_CONCURRENCY", "0"), ("JIXIAO_LLM_RETRIES", "-1"), ("JIXIAO_LLM_BASE_URL", "notaurl"),
    ("JIXIAO_LLM_TIMEOUT", "soon"), ("JIXIAO_LLM_TIMEOUT", "0"), ("JIXIAO_LLM_BUDGET", "-5"),
    ("JIXIAO_LLM_MODE", "telepathy"),
])
def test_bad_settings_stop_at_start_naming_the_setting(tmp_path: Path, name: str, value: str) -> None:
    env = {"JIXIAO_LLM_BASE_URL": "http://127.0.0.1:9/v1", name: value}
    result = runner.invoke(app, ["extract", str(SEEDS["qijiang"]), "-o", str(tmp_path / "out")], env=env)
    assert result.exit_code == 2 and f"{name}=" in result.output, result.output
    assert result.output.count("\n") == 1 and not (tmp_path / "out").exists()
