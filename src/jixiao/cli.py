"""Command line (SPEC §4). Exit codes: 0 all inputs processed cleanly; 1 some input failed or has
error findings; 2 usage error."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from jixiao import __version__
from jixiao.batch import BatchReport, run_batch, write_json
from jixiao.checks import RuleProfile, builtin_profiles, load_profile
from jixiao.drafts import Drafter, LlmDrafter, TemplateDrafter, draft_document
from jixiao.folder import FolderError, Journal, output_lock, recover
from jixiao.llm.config import EndpointRefused, config_from_env
from jixiao.llm.service import LlmService
from jixiao.models import Document
from jixiao.output import document_json, write_atomic
from jixiao.pipeline import recheck
from jixiao.textsafe import terminal_text

app = typer.Typer(
    help="jixiao — 绩效自评表 → checked, structured data. Runs offline with rules; no data leaves the machine.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
)
err = Console(stderr=True, highlight=False, soft_wrap=True)

Inputs = Annotated[list[Path], typer.Argument(help="input files or folders (.txt .md .pdf .png .jpg .tif)",
                                              show_default=False)]
OutDir = Annotated[Path, typer.Option("--out", "-o", help="output folder")]
Profile = Annotated[str, typer.Option("--profile", "-p", help=f"rule profile: {', '.join(builtin_profiles())} "
                                      "or a path to a .toml file")]
JsonLogs = Annotated[bool, typer.Option("--json", help="one JSON log line per input on stdout")]
UseLlm = Annotated[bool, typer.Option("--llm/--no-llm", help="fill gaps with the LLM configured in JIXIAO_LLM_* "
                                      "(default: when one is configured)")]
LocalOnly = Annotated[bool, typer.Option("--local-only", help="refuse any LLM endpoint that is not loopback or "
                                         "private (also JIXIAO_LLM_LOCAL_ONLY=1)")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="only errors")]
Resume = Annotated[bool, typer.Option("--resume", help="skip inputs whose outputs are complete and record the "
                                      "input's sha256 (after an interrupted run)")]


def _profile(name: str) -> RuleProfile:
    try:
        return load_profile(name)
    except (ValueError, ValidationError, OSError) as exc:
        raise typer.BadParameter(str(exc).splitlines()[0], param_hint="--profile") from exc


def _llm(use_llm: bool, local_only: bool, quiet: bool) -> LlmService | None:
    """The configured LLM service, or None (rules only, said out loud)."""
    try:
        config = config_from_env(local_only=True if local_only else None)
    except (ValidationError, ValueError) as exc:
        err.print("[red]error[/red] LLM configuration in the environment is invalid: "
                  f"{terminal_text(str(exc).splitlines()[0])}")
        raise typer.Exit(2) from exc
    if not use_llm or config is None:
        if not quiet:
            err.print("jixiao: rules only, offline (no LLM configured: set JIXIAO_LLM_BASE_URL to fill gaps)"
                      if use_llm else "jixiao: rules only, offline (--no-llm)")
        return None
    from jixiao.llm.client import InstructorService  # the SDKs load only when a model is used

    try:
        return InstructorService(config, announce=None if quiet else err.print)
    except EndpointRefused as exc:
        err.print(f"[red]error[/red] {exc}")
        raise typer.Exit(2) from exc


@contextmanager
def _output_folder(folder: Path) -> Iterator[Journal | None]:
    """Be the folder's only writer, and first finish (or undo) what a crashed command left there."""
    try:
        with output_lock(folder):
            replayed = recover(folder)
            if replayed is not None:
                err.print(f"{terminal_text(str(folder))}: completed an interrupted update of "
                          f"{len(replayed.entries)} files")
            yield replayed
    except FolderError as exc:
        err.print(f"[red]error[/red] {terminal_text(str(exc))}")
        raise typer.Exit(1) from exc
    except OSError as exc:
        err.print(f"[red]error[/red] {terminal_text(str(folder))}: cannot write there: {exc.strerror or exc}")
        raise typer.Exit(1) from exc


def _finish(report: BatchReport, out_dir: Path, quiet: bool, json_logs: bool) -> None:
    done = [o for o in report.outcomes if o.error is None]
    failed = len(report.outcomes) - len(done)
    if not quiet and not json_logs:
        forms = sum(o.forms for o in done)
        err.print(f"{len(done)} inputs processed ({forms} forms), {failed} failed; outputs in {out_dir}/")
    raise typer.Exit(1 if report.failed else 0)


@app.command()
def extract(inputs: Inputs, out: OutDir = Path("out"), profile: Profile = "national",
            json_logs: JsonLogs = False, quiet: Quiet = False, use_llm: UseLlm = True,
            local_only: LocalOnly = False, resume: Resume = False) -> None:
    """Extract and check: writes <stem>.json per input."""
    rules = _profile(profile)
    llm = _llm(use_llm, local_only, quiet or json_logs)
    with _output_folder(out):
        report = run_batch(inputs, out, rules, write_json, json_logs, quiet, llm, (".json",) if resume else ())
    _finish(report, out, quiet, json_logs)


@app.command()
def run(inputs: Inputs, out: OutDir = Path("out"), profile: Profile = "national",
        json_logs: JsonLogs = False, quiet: Quiet = False, use_llm: UseLlm = True,
        local_only: LocalOnly = False, resume: Resume = False) -> None:
    """The main job: extract, check, draft; <stem>.json/.md/.html per input, review.xlsx for the batch."""
    from jixiao.review.pack import run_writer, write_batch_pack

    rules = _profile(profile)
    llm = _llm(use_llm, local_only, quiet or json_logs)
    drafter = _drafter(llm)
    with _output_folder(out):
        report = run_batch(inputs, out, rules, run_writer(rules, drafter), json_logs, quiet, llm,
                           (".md", ".html", ".json") if resume else ())
        written = [Path(p) for p in report.written if p.endswith(".json")]
        try:
            pack = write_batch_pack(written, out, rules, drafter)
        except OSError as exc:
            err.print(f"[red]error[/red] cannot write the review workbook to {terminal_text(str(out))}: "
                      f"{exc.strerror or exc}")
            raise typer.Exit(1) from exc
    if pack and not quiet and not json_logs:
        shown = terminal_text(str(pack[-1]))
        err.print(f"review pack: {shown} (草稿 sheet: 审核结论 采纳/修改/退回; then `jixiao review import {shown}`)")
    _finish(report, out, quiet, json_logs)


def _drafter(llm: LlmService | None) -> Drafter:
    return LlmDrafter(llm) if llm is not None else TemplateDrafter()


@app.command()
def draft(file: Annotated[Path, typer.Argument(help="a jixiao JSON document")],
          profile: Profile = "national", use_llm: UseLlm = True, local_only: LocalOnly = False) -> None:
    """(Re)draft 偏差原因 and the form summaries of a JSON document; reviewer decisions are kept."""
    document = _read_document(file)
    drafted = draft_document(document, _profile(profile), _drafter(_llm(use_llm, local_only, False)))
    write_atomic(file, document_json(drafted))
    attention = sum(1 for d in drafted.drafts if not d.grounded)
    err.print(f"{file}: {len(drafted.drafts)} drafts, {attention} with numbers the form does not support")


review_app = typer.Typer(help="the review workbook", no_args_is_help=True)
app.add_typer(review_app, name="review")


@review_app.command("import")
def review_import(book: Annotated[Path, typer.Argument(help="review.xlsx written by `jixiao run`")],
                  profile: Profile = "national") -> None:
    """Apply 审核结论 (采纳/修改/退回) and 修改后文本 to the JSON files beside the workbook; re-run the checks."""
    from jixiao.review.importer import ReviewError, import_review

    rules = _profile(profile)
    if not book.is_file():
        err.print(f"[red]error[/red] {terminal_text(str(book))}: no such workbook")
        raise typer.Exit(1)
    with _output_folder(book.parent) as replayed:
        try:
            result = import_review(book, rules, replayed)
        except ReviewError as exc:
            err.print(f"[red]error[/red] {terminal_text(str(exc))}")
            raise typer.Exit(1) from exc
    done = " (an interrupted import of this workbook, now completed)" if result.completed else ""
    err.print(f"{terminal_text(str(book))}: {result.accepted} accepted, {result.edited} edited, "
              f"{result.rejected} rejected; {len(result.files)} files updated{done}")


def _read_document(file: Path) -> Document:
    try:
        return Document.model_validate_json(file.read_bytes())
    except OSError as exc:
        err.print(f"[red]error[/red] {file}: cannot read: {exc.strerror or exc}")
        raise typer.Exit(1) from exc
    except ValidationError as exc:
        err.print(f"[red]error[/red] {file}: not a jixiao document ({exc.error_count()} schema errors)")
        raise typer.Exit(1) from exc


@app.command()
def check(file: Annotated[Path, typer.Argument(help="a jixiao JSON document")],
          profile: Profile = "national",
          out: Annotated[Path | None, typer.Option("--out", "-o", help="write here instead of in place")] = None
          ) -> None:
    """Re-run the checks on a JSON document (e.g. after human edits) and rewrite its findings."""
    document = _read_document(file)
    checked = recheck(document, _profile(profile))
    target = out or file
    write_atomic(target, document_json(checked))
    errors = sum(1 for f in checked.findings if f.severity == "error")
    err.print(f"{target}: {len(checked.findings)} findings ({errors} errors), status {checked.status}")
    raise typer.Exit(1 if errors else 0)


@app.command("eval")
def evaluate_cmd(
    golden: Annotated[Path, typer.Argument(help="golden folder")] = Path("golden"),
    update: Annotated[bool, typer.Option("--update", help="rewrite expected.json from current output "
                                         "(review the diff before committing)")] = False,
    report: Annotated[Path | None, typer.Option("--report", help="also write the report as JSON")] = None,
    llm: Annotated[bool, typer.Option("--llm", help="compare rules-only, rules+LLM and an LLM-only baseline "
                                      "using the endpoint in JIXIAO_LLM_*")] = False,
    baseline: Annotated[bool, typer.Option("--baseline/--no-baseline", help="with --llm: also run the LLM-only "
                                           "baseline (one request per whole form; slow on a small local model)")] = True,
    local_only: LocalOnly = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="cases evaluated in parallel (processes)")] = 1,
    errors: Annotated[int, typer.Option("--errors", help="field errors printed per case")] = 20,
) -> None:
    """Golden-file evaluation: per-field accuracy, omissions and wrong values, findings precision/recall."""
    from jixiao.evaluate import evaluate_golden  # keeps the common commands' start-up light

    if any(golden.glob("*/labels.toml")):  # the text review's labelled set (golden/review-labels)
        from jixiao.evaluate_review import evaluate_review

        service = _llm(True, local_only, quiet=False) if llm else None
        if llm and service is None:
            raise typer.BadParameter("--llm needs an endpoint: set JIXIAO_LLM_BASE_URL (see `make llm-serve`)")
        raise typer.Exit(evaluate_review(golden, service))
    if llm:
        from jixiao.evaluate_llm import evaluate_llm

        service = _llm(True, local_only, quiet=False)
        if service is None:
            raise typer.BadParameter("--llm needs an endpoint: set JIXIAO_LLM_BASE_URL (see `make llm-serve`)")
        console = Console(highlight=False, soft_wrap=True, width=160)
        raise typer.Exit(evaluate_llm(golden, service, console, baseline))
    raise typer.Exit(evaluate_golden(golden, update=update, report_path=report, jobs=jobs, errors=errors))


def _version(value: bool) -> None:
    if value:
        print(f"jixiao {__version__}")
        raise typer.Exit(0)


@app.callback()
def main(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                               help="print the version")] = False) -> None:
    """jixiao command line."""
