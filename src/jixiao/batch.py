"""Batch processing for the CLI: expand inputs, process each, write outputs, report progress."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel, Field
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from jixiao.errors import InputError
from jixiao.ingest import SUPPORTED_SUFFIXES
from jixiao.outputs.document import output_stem
from jixiao.outputs.jsonfile import DocumentWriter, iter_items, read_head
from jixiao.outputs.summary import DocumentSummary
from jixiao.pipeline import DocumentStream, Outcome, RunOptions, stream
from jixiao.pool import pooled
from jixiao.testhook import hook
from jixiao.textsafe import terminal_text


class BatchReport(BaseModel):
    outcomes: list[Outcome] = Field(default_factory=list)
    written: list[str] = Field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(o.has_errors for o in self.outcomes)


def _is_output_folder(folder: Path, out_dir: Path | None) -> bool:
    """The run's own output folder, or another jixiao output folder (its .md summaries are not forms)."""
    return ((out_dir is not None and folder.resolve() == out_dir.resolve())
            or (folder / "batch_summary.json").is_file() or (folder / ".jixiao.lock").exists())


def _walk(folder: Path, out_dir: Path | None, files: list[Path], errors: list[str],
          seen: set[tuple[int, int]]) -> None:
    """Supported files under `folder`; an entry that cannot be read is an error of that entry, never a skip."""
    try:
        info = folder.stat()
        if (info.st_dev, info.st_ino) in seen:
            errors.append(f"{folder}: symbolic link loop (a folder inside itself); not read")
            return
        seen.add((info.st_dev, info.st_ino))
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        errors.append(f"{folder}: cannot read folder: {exc.strerror or exc}")
        return
    for entry in entries:
        path = Path(entry.path)
        if entry.name.startswith((".", "~$")):  # hidden files, Office lock files (~$form.xlsx)
            continue
        try:
            is_dir = entry.is_dir()  # follows links
            is_file = entry.is_file()
        except OSError as exc:
            errors.append(f"{path}: broken or looping symbolic link; not read" if entry.is_symlink()
                          else f"{path}: cannot read: {exc.strerror or exc}")
            continue
        if is_dir:
            if not _is_output_folder(path, out_dir):
                _walk(path, out_dir, files, errors, seen)
        elif is_file:
            if path.suffix.lower() in SUPPORTED_SUFFIXES:
                files.append(path)
        elif entry.is_symlink() and (path.suffix.lower() in SUPPORTED_SUFFIXES or not path.suffix):
            errors.append(f"{path}: broken or looping symbolic link; not read")


def expand_inputs(inputs: list[Path], out_dir: Path | None = None) -> tuple[list[Path], list[str]]:
    """Files as given; folders searched recursively for supported files, never the output folder.
    Returns (files, errors): an unreadable folder or a broken or looping link is an error of that entry."""
    files: list[Path] = []
    errors: list[str] = []
    for item in inputs:
        if item.is_dir():
            found: list[Path] = []
            _walk(item, out_dir, found, errors, set())
            if not found:
                errors.append(f"{item}: folder holds no supported input ({', '.join(sorted(SUPPORTED_SUFFIXES))})")
            files.extend(found)
        elif item.is_file():
            files.append(item)
        elif item.is_symlink():
            errors.append(f"{item}: broken or looping symbolic link")
        else:
            errors.append(f"{item}: no such file or folder")
    return files, errors


Writer = Callable[[DocumentStream, Path, str], DocumentSummary]


class OutputError(Exception):
    """An output of an input could not be written (the batch goes on; nothing half-written)."""


def write_json(found: DocumentStream, out_dir: Path, stem: str) -> DocumentSummary:
    """<stem>.json, streamed part by part (see outputs.jsonfile); returns the document's summary."""
    summary = DocumentSummary(stem=stem, source=found.source, profile=found.profile)
    with DocumentWriter(out_dir, found.source, found.profile) as writer:
        for part in found.parts:
            writer.add(part)
            summary.add(part)
            hook("part-written")
        writer.finish(out_dir / f"{stem}.json")
    return summary


@contextmanager
def _progress(total: int, enabled: bool, console: Console) -> Iterator[Callable[[str], None]]:
    if not enabled:
        yield lambda _name: None
        return
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=console, transient=True)
    with progress:
        task = progress.add_task("jixiao", total=total)

        def advance(name: str) -> None:
            progress.update(task, advance=1, description=terminal_text(name[-40:]))

        yield advance


def _failed(path: Path, start: float, error: str) -> Outcome:
    return Outcome(path=str(path), error=error, seconds=time.perf_counter() - start)


def handle(path: Path, stem: str, out_dir: Path, options: RunOptions, writer: Writer) -> Outcome:
    """Read one input and stream it through the stages into `writer`; every failure is this input's one-line error."""
    start = time.perf_counter()
    if options.llm is not None:
        options.llm.begin_input()
    try:
        found = stream(path, options)
        try:
            summary = writer(found, out_dir, stem)
        except OSError as exc:
            raise OutputError(f"{path}: cannot write output to {out_dir}: {exc.strerror or exc}") from exc
    except (InputError, OutputError) as exc:
        return _failed(path, start, str(exc))
    except OSError as exc:
        return _failed(path, start, f"{path}: cannot read: {exc.strerror or exc}")
    except Exception as exc:  # a bug must not stop the batch; report it as this file's failure
        return _failed(path, start, f"{path}: internal error ({type(exc).__name__}: {exc})")
    return Outcome(path=str(path), seconds=time.perf_counter() - start, status=summary.status,
                   forms=len(summary.forms), indicators=summary.indicators, findings=dict(summary.findings))


def _processed(files: list[tuple[Path, str]], out_dir: Path, options: RunOptions, writer: Writer
               ) -> Iterator[Outcome]:
    """Outcomes in input order; `options.jobs` inputs at once in worker processes (jixiao.pool), each written as it
    is read."""
    return pooled(files, out_dir, options, writer, handle)


_SHA = re.compile(rb'"sha256":\s*"([0-9a-f]{64})"')


def resumable(path: Path, out_dir: Path, stem: str, outputs: tuple[str, ...]) -> Outcome | None:
    """The outcome recorded by an earlier run, when all of `stem`'s outputs are there and its JSON (written
    last, atomically) records this input's sha256; else None (the input is processed again)."""
    target = out_dir / f"{stem}.json"
    try:
        if not all((out_dir / f"{stem}{suffix}").is_file() for suffix in outputs):
            return None
        with target.open("rb") as handle:
            recorded = _SHA.search(handle.read(4096))
        if recorded is None or recorded.group(1).decode() != hashlib.sha256(path.read_bytes()).hexdigest():
            return None
        head = read_head(target)
        forms = indicators = 0
        for form in iter_items(target, "forms", raw=True):  # one form at a time: a 12,000-form JSON stays on disk
            forms, indicators = forms + 1, indicators + len(form.get("indicators", []))
        findings = [f.get("severity") for f in iter_items(target, "findings", raw=True)]
        return Outcome(path=str(path), status=head.status, forms=forms, indicators=indicators,
                       findings={s: findings.count(s) for s in ("error", "warning", "info")})
    except (OSError, ValueError, AttributeError, TypeError):
        return None


def run_batch(inputs: list[Path], out_dir: Path, options: RunOptions, writer: Writer, *,
              json_logs: bool = False, quiet: bool = False, resume: tuple[str, ...] = ()) -> BatchReport:
    """Process every input; one failure never stops the batch, and nothing is half-written.

    `resume`: the output suffixes of a complete input (e.g. (".md", ".html", ".json")); an input whose
    outputs are all there and record its sha256 is not processed again."""
    files, errors = expand_inputs(inputs, out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)  # the CLI's folder lock makes it too; library callers need it
    report = BatchReport()
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    for message in errors:
        report.outcomes.append(Outcome(path=message.split(":")[0], error=message))
        _log(err, json_logs, {"event": "error", "error": message}, f"[red]error[/red] {terminal_text(message)}")
    show_bar = len(files) > 1 and sys.stderr.isatty() and not json_logs and not quiet
    taken: set[str] = set()
    stems = [output_stem(path, taken) for path in files]
    finished = {i: d for i, path in enumerate(files)
                if resume and (d := resumable(path, out_dir, stems[i], resume)) is not None}
    fresh = _processed([(p, stems[i]) for i, p in enumerate(files) if i not in finished], out_dir, options, writer)
    with _progress(len(files), show_bar, err) as advance:
        for i, path in enumerate(files):
            stem = stems[i]
            done = finished.get(i)
            if done is not None:
                report.outcomes.append(done)
                report.written.append(str(out_dir / f"{stem}.json"))
                if not quiet or json_logs:
                    _log(err, json_logs, {"event": "skipped", "path": done.path, "reason": "resume: outputs complete"},
                         f"[dim]skipped[/dim] {terminal_text(done.path)}: outputs complete (--resume)")
                advance(path.name)
                continue
            outcome = next(fresh)
            report.outcomes.append(outcome)
            if outcome.error is None:
                report.written.append(str(out_dir / f"{stem}.json"))
                hook("batch-written")
            _log_outcome(err, outcome, json_logs, quiet)
            advance(path.name)
    return report


def _log(err: Console, json_logs: bool, record: dict[str, object], text: str) -> None:
    if json_logs:
        print(json.dumps(record, ensure_ascii=False), flush=True)
    else:
        err.print(text)


def _log_outcome(err: Console, outcome: Outcome, json_logs: bool, quiet: bool) -> None:
    if outcome.error is not None:
        _log(err, json_logs, {"event": "error", "path": outcome.path, "error": outcome.error},
             f"[red]error[/red] {terminal_text(outcome.error)}")
        return
    counts = outcome.findings
    record: dict[str, object] = {"event": "done", "path": outcome.path, "status": outcome.status, "forms": outcome.forms,
              "indicators": outcome.indicators, "findings": counts, "seconds": round(outcome.seconds, 4)}
    if not quiet or json_logs:
        status = "[yellow]partial[/yellow]" if outcome.status == "partial" else "[green]ok[/green]"
        _log(err, json_logs, record, f"{status} {terminal_text(outcome.path)}: "
             f"{record['forms']} forms, {record['indicators']} indicators, "
             f"{counts['error']} errors, {counts['warning']} warnings, {counts['info']} notes")
