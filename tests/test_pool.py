"""`--jobs N`: worker processes give the serial run's outputs, and a killed worker loses only its input."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.llm.client import InstructorService
from jixiao.llm.config import LlmConfig
from tests.conftest import GOLDEN, SEEDS
from tests.fake_openai import FakeOpenAI, Step

runner = CliRunner()
INPUTS = [str(p) for p in SEEDS.values()] + [str(next((GOLDEN / "jinfeng-docx").glob("*.docx")))]


def _outputs(out: Path) -> dict[str, object]:
    files: dict[str, object] = {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.suffix in (".json", ".md",
                                                                                                   ".html")}
    book = load_workbook(out / "review.xlsx")
    files["review.xlsx"] = [[c.value for c in row] for sheet in book for row in sheet.iter_rows()]
    return files


def _log(output: str) -> list[dict[str, object]]:
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    for record in records:
        record.pop("seconds", None)
    return records


def test_two_jobs_write_the_serial_outputs_in_the_serial_order(tmp_path: Path) -> None:
    serial = runner.invoke(app, ["run", *INPUTS, "-o", str(tmp_path / "serial"), "--jobs", "1", "--json"])
    pooled = runner.invoke(app, ["run", *INPUTS, "-o", str(tmp_path / "pooled"), "--jobs", "2", "--json"])
    assert serial.exit_code == pooled.exit_code, pooled.output
    assert _outputs(tmp_path / "serial") == _outputs(tmp_path / "pooled")
    assert _log(serial.output) == _log(pooled.output) and len(_log(serial.output)) == len(INPUTS)


def test_a_killed_worker_loses_only_its_input(tmp_path: Path) -> None:
    victim = Path(INPUTS[1])
    out = tmp_path / "out"
    # the victim dies while the other worker holds a written temporary file: the broken pool terminates that
    # worker mid-write, and its temporary file must not be left behind
    hooks = f"worker-{victim.name}:pause=1.5,worker-{victim.name}:kill,atomic-written#1:pause=3"
    result = runner.invoke(app, ["run", *INPUTS, "-o", str(out), "--jobs", "2"], env={"JIXIAO_TEST_HOOK": hooks})
    assert result.exit_code == 1
    assert f"{victim}: the worker process reading it died" in result.output
    assert f"{len(INPUTS) - 1} inputs processed" in result.output and "1 failed" in result.output
    written = {p.stem for p in out.glob("*.json")} - {"batch_summary"}
    assert written == {Path(p).stem for p in INPUTS if Path(p) != victim}
    assert not [p for p in out.iterdir() if p.name.startswith(".jixiao-tmp")]  # nothing half-written
    whole = tmp_path / "whole"
    assert runner.invoke(app, ["run", *[p for p in INPUTS if Path(p) != victim], "-o", str(whole), "--jobs", "1"]
                         ).exit_code == 0
    assert {k: v for k, v in _outputs(out).items() if k != "review.xlsx"} == \
        {k: v for k, v in _outputs(whole).items() if k != "review.xlsx"}


def test_inputs_processed_at_once_keep_their_own_llm_budget() -> None:
    service = InstructorService(LlmConfig(base_url="http://127.0.0.1:9/v1", model="m", timeout_s=1, budget_s=4))
    seen: dict[str, float] = {}

    def one_input(name: str, budget: float, pause: float) -> None:
        service.begin_input(budget)
        time.sleep(pause)  # meanwhile the other input begins its own budget
        seen[name] = service._left()

    first = threading.Thread(target=one_input, args=("first", 100.0, 0.3))
    second = threading.Thread(target=one_input, args=("second", 1.0, 0.0))
    first.start()
    time.sleep(0.1)
    second.start()
    first.join()
    second.join()
    assert seen["first"] > 50 and seen["second"] < 1.5


def test_workers_share_one_llm_concurrency_bound(fake: FakeOpenAI, tmp_path: Path) -> None:
    """Two workers, each asking two at a time, still send JIXIAO_LLM_CONCURRENCY=2 requests at once."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted((GOLDEN / "damaged").glob("*/*.txt")))
    inputs = []
    for name, digits in (("a.txt", "8"), ("b.txt", "7")):  # other numbers: other prompts, no reply shared by cache
        (tmp_path / name).write_text(text.replace("8", digits), encoding="utf-8")
        inputs.append(str(tmp_path / name))
    fake.default = Step(content="{}", delay=0.3)
    env = {"JIXIAO_LLM_BASE_URL": fake.base_url, "JIXIAO_LLM_MODEL": "fake-model", "JIXIAO_LLM_MODE": "md_json",
           "JIXIAO_LLM_RETRIES": "0", "JIXIAO_LLM_CONCURRENCY": "2", "JIXIAO_CACHE_DIR": str(tmp_path / "cache")}
    result = runner.invoke(app, ["extract", *inputs, "-o", str(tmp_path / "out"), "--jobs", "2", "-q"], env=env)
    assert result.exit_code in (0, 1), result.output
    assert len(fake.requests) > 4 and fake.max_in_flight == 2
    assert len(list((tmp_path / "out").glob("*.json"))) == 2
