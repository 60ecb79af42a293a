"""One list of finding codes: every code the source emits is registered, and the docs tables are generated from it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jixiao.domain import codes
from jixiao.domain.codes import CodeInfo, FindingCode, Stage, codes_of, info, label, markdown_table, register
from jixiao.ingest import INGEST_CODES

ROOT = Path(__file__).resolve().parent.parent
EMITTED = re.compile(r"""(?:code=|emit\(|finding\(|FindingCode\.)["']?([A-Z][A-Z0-9_]{3,})""")


def test_every_emitted_code_is_registered() -> None:
    emitted = set()
    for path in (ROOT / "src" / "jixiao").rglob("*.py"):
        emitted |= set(EMITTED.findall(path.read_text(encoding="utf-8")))
    assert emitted, "the pattern found no codes"
    unknown = {c for c in emitted if info(c) is None}
    assert not unknown, unknown
    assert codes_of(Stage.INGEST) >= INGEST_CODES


def test_docs_tables_are_the_generated_table() -> None:
    table = markdown_table()
    for doc in (ROOT / "README.md", ROOT / "docs" / "checks.md"):
        text = doc.read_text(encoding="utf-8")
        body = text.split("<!-- codes:start -->\n", 1)[1].split("\n<!-- codes:end -->", 1)[0]
        assert body == table, f"{doc.name}: regenerate with `python -m jixiao.domain.codes`"


def test_codes_are_strings_labels_are_chinese_and_the_list_extends(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(codes, "_REGISTRY", dict(codes._REGISTRY))  # the registration below ends with the test
    assert FindingCode.EXEC_RATE_LOW == "EXEC_RATE_LOW" and label("EXEC_RATE_LOW") == "执行率偏低"
    assert label("SOMETHING_NEW") == "SOMETHING_NEW"
    register("TEXT_TARGET_UNMEASURABLE", CodeInfo(stage=Stage.REVIEW, severity="warning", label="指标值无法衡量",
                                                  meaning="a target that cannot be measured"))
    assert label("TEXT_TARGET_UNMEASURABLE") == "指标值无法衡量" and "TEXT_TARGET_UNMEASURABLE" in codes_of(Stage.REVIEW)


def test_the_commands_the_docs_name_exist() -> None:
    from typer.main import get_command

    from jixiao.cli import app

    group = get_command(app)
    names = set(group.commands)  # type: ignore[attr-defined]
    review = set(group.commands["review"].commands)  # type: ignore[attr-defined]
    for doc in (ROOT / "README.md", ROOT / "docs" / "cli.md"):
        text = doc.read_text(encoding="utf-8")
        for command, sub in re.findall(r"jixiao (run|extract|check|draft|review|eval|report|layouts)(?: (\w+))?", text):
            assert command in names, f"{doc.name}: jixiao {command}"
            if command == "review":
                assert sub in review, f"{doc.name}: jixiao review {sub}"
