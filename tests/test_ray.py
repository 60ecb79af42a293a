"""`--ray`: the golden set through a local Ray instance gives the JSON of a local run (`make test-ray`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jixiao.cli import app
from tests.conftest import GOLDEN

ray = pytest.importorskip("ray", reason="Ray is optional: make test-ray installs jixiao[ray]")
pytestmark = pytest.mark.filterwarnings("ignore")  # Ray's own deprecation notices are not this project's
runner = CliRunner()


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def _json(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.glob("*.json")) if p.name != "batch_summary.json"}


# every golden input but three of the four scans (one scan, 3 pages, keeps the OCR path in; all four would add
# ~4 min of OCR, twice, to CI for no path the one does not take)
CASES = [str(d) for d in sorted(GOLDEN.iterdir()) if d.is_dir() and (
    not d.name.endswith("-scan") or d.name == "qijiang-scan")]


def test_the_golden_set_through_ray_gives_the_local_json(local_ray: None, tmp_path: Path) -> None:
    # the local reference runs serially: worker processes started from a process that has also started Ray lost
    # inputs here (seen once, 2026-11-30, not yet understood: see the closing note of stop 19)
    local = runner.invoke(app, ["run", *CASES, "-o", str(tmp_path / "local"), "--jobs", "1", "-q"])
    remote = runner.invoke(app, ["run", *CASES, "-o", str(tmp_path / "ray"), "--ray", "auto", "-q"])
    assert remote.exit_code == local.exit_code, remote.output
    assert "worker" not in remote.output and "Ray task" not in remote.output, remote.output
    produced = _json(tmp_path / "ray")
    assert len(produced) >= 50
    assert produced == _json(tmp_path / "local")
    assert (tmp_path / "ray" / "review.xlsx").is_file()
