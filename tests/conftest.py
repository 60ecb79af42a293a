"""Shared fixtures. Tests read only the project's own files (golden/, tests/forms/)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jixiao.checks import RuleProfile, load_profile
from jixiao.models import Document
from jixiao.pipeline import extract
from tests.fake_openai import FakeOpenAI

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "golden"
FORMS = Path(__file__).resolve().parent / "forms"
SEEDS = {
    "qijiang": GOLDEN / "qijiang-text" / "000_23ab6bb0c7ba0c16.txt",
    "yuzhong": GOLDEN / "yuzhong-text" / "001_13b36e46f43ca26e.txt",
    "pujin": GOLDEN / "pujin-text" / "002_01c3afafab9c22d7.txt",
    "jinfeng": GOLDEN / "jinfeng-text" / "004_376dea5d61d0869c.txt",
}


@pytest.fixture(scope="session")
def profile() -> RuleProfile:
    return load_profile("national")


@pytest.fixture(scope="session")
def seeds(profile: RuleProfile) -> dict[str, Document]:
    return {name: extract(path, profile) for name, path in SEEDS.items()}


def read_json(path: Path) -> dict[str, Any]:
    """A document JSON with every field spelled out (the file leaves defaults out; see outputs/jsonfile.py)."""
    return Document.model_validate_json(path.read_bytes()).model_dump(mode="json")


def write_form(tmp_path: Path, text: str, name: str = "form.txt", encoding: str = "utf-8") -> Path:
    """A form written the way dumps arrive: lines of tab-separated cells."""
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def forked(args: list[str], hook: str = "") -> int:
    """Start `jixiao ARGS` in a forked child (a real process, without an interpreter's start-up) with
    JIXIAO_TEST_HOOK=hook; returns its pid. Reap it with `reaped`."""
    import os

    pid = os.fork()
    if pid == 0:  # the child never returns into pytest
        code = 3
        try:
            from jixiao import testhook
            from jixiao.cli import app

            os.environ["JIXIAO_TEST_HOOK"] = hook
            testhook._seen.clear()
            result = app(args, standalone_mode=False)
            code = result if isinstance(result, int) else 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            code = 3
        finally:
            os._exit(code)
    return pid


def reaped(pid: int) -> int:
    """The child's exit status: its exit code, or -N when signal N ended it."""
    import os

    _, status = os.waitpid(pid, 0)
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    """A scripted OpenAI-compatible server on loopback, stopped after the test."""
    server = FakeOpenAI().start()
    yield server
    server.stop()
