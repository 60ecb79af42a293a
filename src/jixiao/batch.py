"""Batch processing for the CLI: expand inputs, process each, write outputs, report progress."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel, Field
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from jixiao.checks import RuleProfile
from jixiao.ingest import SUPPORTED_SUFFIXES
from jixiao.llm.service import LlmService
from jixiao.models import Document
from jixiao.output import document_json, output_stem, write_atomic
from jixiao.pipeline import Outcome, process
from jixiao.textsafe import terminal_text


class BatchReport(BaseModel):
    outcomes: list[Outcome] = Field(default_factory=list)
    written: list[str] = Field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(o.has_errors for o in self.outcomes)


def expand_inputs(inputs: list[Path]) -> tuple[list[Path], list[str]]:
    """Files as given; folders searched recursively for supported files. Returns (files, errors)."""
    files: list[Path] = []
    errors: list[str] = []
    for item in inputs:
        if item.is_dir():
            found = sorted(p for p in item.rglob("*")
                           if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith("."))
            if not found:
                errors.append(f"{item}: folder holds no supported input ({', '.join(sorted(SUPPORTED_SUFFIXES))})")
            files.extend(found)
        elif item.is_file():
            files.append(item)
        else:
            errors.append(f"{item}: no such file or folder")
    return files, errors


Writer = Callable[[Document, Path, str], list[Path]]


def write_json(document: Document, out_dir: Path, stem: str) -> list[Path]:
    target = out_dir / f"{stem}.json"
    write_atomic(target, document_json(document))
    return [target]


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


def run_batch(inputs: list[Path], out_dir: Path, profile: RuleProfile, writer: Writer,
              json_logs: bool = False, quiet: bool = False, llm: LlmService | None = None) -> BatchReport:
    """Process every input; one failure never stops the batch, and nothing is half-written."""
    files, errors = expand_inputs(inputs)
    report = BatchReport()
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    for message in errors:
        report.outcomes.append(Outcome(path=message.split(":")[0], error=message))
        _log(err, json_logs, {"event": "error", "error": message}, f"[red]error[/red] {terminal_text(message)}")
    show_bar = len(files) > 1 and sys.stderr.isatty() and not json_logs and not quiet
    taken: set[str] = set()
    with _progress(len(files), show_bar, err) as advance:
        for path in files:
            outcome = process(path, profile, llm)
            report.outcomes.append(outcome)
            if outcome.document is not None:
                try:
                    written = writer(outcome.document, out_dir, output_stem(path, taken))
                except OSError as exc:
                    outcome.error = f"{path}: cannot write output to {out_dir}: {exc.strerror or exc}"
                else:
                    report.written.extend(str(w) for w in written)
            _log_outcome(err, outcome, json_logs, quiet)
            outcome.release()
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
