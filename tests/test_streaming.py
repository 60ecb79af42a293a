"""Bounded memory: a text dump runs through the stages in parts, its JSON is written and read back one item at a
time in a compact but lossless layout, and a run killed mid-dump resumes to the uninterrupted outputs."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from bench.make_dump import write_dump
from typer.testing import CliRunner

from jixiao import pipeline
from jixiao.cli import app
from jixiao.models import Document
from jixiao.outputs.document import document_bytes
from jixiao.outputs.jsonfile import iter_items, read_head
from jixiao.pipeline import RunOptions, extract
from tests.conftest import SEEDS, forked, reaped
from tests.test_hostile import _outputs

runner = CliRunner()


def _drafted(path: Path) -> Document:
    return extract(path, RunOptions(draft=True))


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_the_json_reads_back_to_the_same_document(name: str, tmp_path: Path) -> None:
    document = _drafted(SEEDS[name])
    data = document_bytes(document)
    assert Document.model_validate_json(data) == document
    assert len(data) < len(document.model_dump_json(indent=2)) / 2  # defaults, repeated source text, facts left out
    path = tmp_path / "doc.json"
    path.write_bytes(data)
    assert read_head(path).source == document.source and read_head(path).status == document.status
    for name_ in ("forms", "findings", "assessments", "drafts"):
        assert list(iter_items(path, name_)) == getattr(document, name_)  # type: ignore[arg-type]
    older = tmp_path / "older.json"  # the layout of earlier versions (and of a hand edit) is read whole
    older.write_text(document.model_dump_json(indent=2), encoding="utf-8")
    assert list(iter_items(older, "drafts")) == document.drafts and read_head(older).profile == document.profile


def test_a_dump_in_parts_reads_as_it_does_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dump = tmp_path / "dump.txt"
    assert write_dump(dump, 40) >= 40
    whole = _drafted(dump)
    monkeypatch.setattr(pipeline, "PART_FORMS", 3)
    found = pipeline.stream(dump, RunOptions(draft=True))
    parts = list(found.parts)
    assert len(parts) > 10 and all(len(p.forms) <= 5 for p in parts)
    joined = pipeline.join(found.source, found.profile, iter(parts))
    assert len(whole.forms) >= 40 and joined.forms == whole.forms
    assert joined.assessments == whole.assessments and joined.drafts == whole.drafts
    key = [(f.code, f.form, f.path, f.message) for f in joined.findings]
    assert Counter(key) == Counter((f.code, f.form, f.path, f.message) for f in whole.findings)
    assert joined.status == whole.status


@pytest.mark.parametrize("kill_at", [4, 11])  # inside the first dump's parts; inside the second's
def test_resume_after_kill_mid_dump_gives_the_uninterrupted_outputs(kill_at: int, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "PART_FORMS", 4)
    inputs = []
    for n in (1, 2):
        inputs.append(str(tmp_path / f"dump{n}.txt"))
        write_dump(Path(inputs[-1]), 24)
    whole = tmp_path / "whole"
    assert runner.invoke(app, ["run", *inputs, "-o", str(whole), "-q"]).exit_code in (0, 1)
    out = tmp_path / "out"
    # one job: the parts are written in this process (a worker process's writer would be the one killed)
    assert reaped(forked(["run", *inputs, "-o", str(out), "-q", "--jobs", "1"], hook=f"part-written#{kill_at}:kill")) == -9
    assert len(list(out.glob("*.json"))) == (0 if kill_at == 4 else 1)  # a JSON is whole or absent
    resumed = runner.invoke(app, ["run", *inputs, "-o", str(out), "--resume"])
    assert resumed.exit_code in (0, 1), resumed.output
    assert resumed.output.count("skipped") == (0 if kill_at == 4 else 1)
    assert _outputs(out) == _outputs(whole)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_check_streams_to_the_bytes_check_document_writes(tmp_path: Path) -> None:
    """`jixiao check` re-checks one form at a time; its file is the one the whole-document path would write."""
    from jixiao.checks import check_document, load_profile
    from jixiao.recheck import recheck_file

    dump = tmp_path / "dump.txt"
    write_dump(dump, 30)
    for source in (dump, *sorted(SEEDS.values())[:2]):
        document = _drafted(source)
        edited = document.model_copy(update={"findings": document.findings[::2]})  # as if a hand edit dropped some
        path = tmp_path / f"{source.stem}.json"
        path.write_bytes(document_bytes(edited))
        profile = load_profile(document.profile)
        expected = document_bytes(check_document(edited, profile))
        result = recheck_file(path, path, profile)
        assert path.read_bytes() == expected
        assert result.findings == len(Document.model_validate_json(expected).findings)


def test_draft_streams_to_the_bytes_the_whole_document_path_writes(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """`jixiao draft` re-checks and drafts a part of the forms at a time, keeping the reviewer's decisions."""
    from jixiao import recheck
    from jixiao.checks import check_document

    monkeypatch.setattr(recheck, "PARTS", 7)
    dump = tmp_path / "dump.txt"
    write_dump(dump, 30)
    document = _drafted(dump)
    decided = document.drafts[3].model_copy(update={"status": "edited", "decided_by": "human", "text": "改过的文字"})
    edited = document.model_copy(update={"drafts": [decided], "findings": document.findings[::3]})
    path = tmp_path / "dump.json"
    path.write_bytes(document_bytes(edited))
    options = RunOptions(draft=True)
    expected = document_bytes(pipeline.draft(check_document(edited, options.profile_for(edited)), options))
    _, drafts, _ = recheck.redraft_file(path, path, options)
    assert path.read_bytes() == expected and drafts == len(Document.model_validate_json(expected).drafts)
    assert "改过的文字" in path.read_text(encoding="utf-8")


def test_import_streams_to_the_bytes_the_whole_document_path_writes(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """`review import` re-checks a part of the forms at a time and applies the decisions draft by draft; the JSON
    it commits is the one the whole-document path (check_document, then the decisions, then document_json) gives."""
    from jixiao.checks import check_document, load_profile
    from jixiao.outputs.workbook import sha256_file
    from jixiao.review import importer
    from jixiao.review.importer import Decision, ImportResult, apply_decisions, shown_text

    monkeypatch.setattr(importer, "PARTS", 7)
    dump = tmp_path / "dump.txt"
    write_dump(dump, 30)
    document = _drafted(dump)
    folder = tmp_path / "out"
    folder.mkdir()
    path = folder / "dump.json"
    path.write_bytes(document_bytes(document.model_copy(update={"findings": document.findings[::2]})))
    edited = document.drafts[5]
    decisions = {f"dump#{k}": Decision(row=k + 2, decision=choice, text="改写：见原表" if choice == "修改" else "",
                                       shown=shown_text(document.drafts[k]))
                 for k, choice in ((0, "采纳"), (5, "修改"), (len(document.drafts) - 1, "退回"))}
    old = Document.model_validate_json(path.read_bytes())
    checked = check_document(old, load_profile(old.profile))
    allowed = {i: importer.form_facts(checked, i, load_profile(old.profile)).allowed for i in range(len(old.forms))}
    expected = document_bytes(checked.model_copy(update={"drafts": importer._apply(
        checked.drafts, "dump", dict(decisions), allowed, ImportResult())}))  # type: ignore[arg-type]
    result = apply_decisions(folder, {"dump": sha256_file(path)}, decisions, [], None, origin="test")
    assert (result.accepted, result.edited, result.rejected) == (1, 1, 1)
    assert path.read_bytes() == expected and edited.text in path.read_text(encoding="utf-8")
