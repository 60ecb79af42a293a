"""Command line (docs/cli.md). Exit codes: 0 all inputs processed cleanly; 1 some input failed or has
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
from jixiao.cli_layouts import layouts_app
from jixiao.layouts import LayoutStore
from jixiao.limits import LimitError, Limits, limits_from
from jixiao.llm.config import EndpointRefused, LlmConfig, config_from_env
from jixiao.llm.service import LlmService
from jixiao.models import Document
from jixiao.outputs.folder import FolderError, Journal, output_lock, recover
from jixiao.outputs.jsonfile import read_head
from jixiao.pipeline import RunOptions
from jixiao.pool import default_jobs
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
KeptProfile = Annotated[str | None, typer.Option("--profile", "-p", help="rule profile (default: the one the document "
                                                 f"records); {', '.join(builtin_profiles())} or a .toml path")]
Jobs = Annotated[int | None, typer.Option("--jobs", "-j", min=1, show_default=False,
                                          help="inputs processed at once, in worker processes (default: the cores "
                                          "available)")]
RayAddress = Annotated[str | None, typer.Option("--ray", show_default=False, help="run each input as a Ray task: "
                                                "auto (the cluster this machine is part of), local (start one here) or "
                                                "a cluster address; needs pip install 'jixiao[ray]'")]
JsonLogs = Annotated[bool, typer.Option("--json", help="one JSON log line per input on stdout")]
UseLlm = Annotated[bool, typer.Option("--llm/--no-llm", help="fill gaps with the LLM configured in JIXIAO_LLM_* "
                                      "(default: when one is configured)")]
LocalOnly = Annotated[bool, typer.Option("--local-only", help="refuse any LLM endpoint that is not loopback or "
                                         "private (also JIXIAO_LLM_LOCAL_ONLY=1)")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="only errors")]
MaxPages = Annotated[int | None, typer.Option("--max-pages", help="pages of a PDF, frames of an image (default 500; "
                                             "JIXIAO_MAX_PAGES)", show_default=False)]
MaxPixels = Annotated[int | None, typer.Option("--max-pixels", help="pixels of a page or frame (default 60000000; "
                                               "JIXIAO_MAX_PIXELS)", show_default=False)]
MaxCells = Annotated[int | None, typer.Option("--max-cells", help="cells of a workbook's sheets or a Word file's tables "
                                              "(default 200000; JIXIAO_MAX_CELLS)", show_default=False)]
MaxForms = Annotated[int | None, typer.Option("--max-forms", help="forms of one input (default 100000; "
                                              "JIXIAO_MAX_FORMS)", show_default=False)]
PageSeconds = Annotated[int | None, typer.Option("--max-page-seconds", help="seconds to read one PDF page or image "
                                                 "frame (default 120; JIXIAO_MAX_PAGE_SECONDS)", show_default=False)]
PageMemory = Annotated[int | None, typer.Option("--max-page-memory", help="MiB the memory may grow while one page is "
                                                "read (default 2048; JIXIAO_MAX_PAGE_MEMORY)", show_default=False)]
Resume = Annotated[bool, typer.Option("--resume", help="skip inputs whose outputs are complete and record the "
                                      "input's sha256 (after an interrupted run)")]


def _profile(name: str) -> RuleProfile:
    try:
        return load_profile(name)
    except (ValueError, ValidationError, OSError) as exc:
        raise typer.BadParameter(str(exc).splitlines()[0], param_hint="--profile") from exc


def _config() -> LlmConfig | None:
    try:
        return config_from_env()
    except (ValidationError, ValueError) as exc:
        err.print("[red]error[/red] LLM configuration in the environment is invalid: "
                  f"{terminal_text(str(exc).splitlines()[0])}")
        raise typer.Exit(2) from exc


def _llm(use_llm: bool, local_only: bool, quiet: bool) -> LlmService | None:
    """The configured LLM service, or None (rules only, said out loud)."""
    config = _config()
    if config is not None and local_only:
        config = config.model_copy(update={"local_only": True})
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


def _limits(given: dict[str, int | None]) -> Limits:
    """The input limits of the command line and the environment, checked before anything runs (exit 2 naming one)."""
    try:
        return limits_from(given)
    except LimitError as exc:
        err.print(f"[red]error[/red] invalid limit: {terminal_text(str(exc))}")
        raise typer.Exit(2) from exc


def _options(profile: str | None, use_llm: bool, local_only: bool, quiet: bool, drafting: bool = False,
             jobs: int | None = 1, limits: dict[str, int | None] | None = None, ray: str | None = None) -> RunOptions:
    """The one `RunOptions` of this command: profile, limits, LLM, its concurrency (JIXIAO_LLM_CONCURRENCY), drafting,
    jobs, Ray."""
    checked = _limits(limits or {})
    config = _config()
    if ray is not None:
        from jixiao.cluster import RayUnavailable, ray_module

        try:
            ray_module()
        except RayUnavailable as exc:
            raise typer.BadParameter(str(exc), param_hint="--ray") from exc
    return RunOptions(profile=None if profile is None else _profile(profile), llm=_llm(use_llm, local_only, quiet),
                      concurrency=config.concurrency if config is not None else 2, draft=drafting,
                      jobs=jobs or default_jobs(), limits=checked, layouts=LayoutStore(), ray=ray)


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
            local_only: LocalOnly = False, jobs: Jobs = None, resume: Resume = False, max_pages: MaxPages = None,
            max_pixels: MaxPixels = None, max_cells: MaxCells = None, max_forms: MaxForms = None,
            page_seconds: PageSeconds = None, page_memory: PageMemory = None, ray: RayAddress = None) -> None:
    """Extract and check: writes <stem>.json per input."""
    options = _options(profile, use_llm, local_only, quiet or json_logs, jobs=jobs, limits={
        "max_pages": max_pages, "max_pixels": max_pixels, "max_cells": max_cells, "max_forms": max_forms,
        "page_seconds": page_seconds, "page_memory": page_memory}, ray=ray)
    with _output_folder(out):
        report = run_batch(inputs, out, options, write_json, json_logs=json_logs, quiet=quiet,
                           resume=(".json",) if resume else ())
    _finish(report, out, quiet, json_logs)


@app.command()
def run(inputs: Inputs, out: OutDir = Path("out"), profile: Profile = "national",
        json_logs: JsonLogs = False, quiet: Quiet = False, use_llm: UseLlm = True,
        local_only: LocalOnly = False, jobs: Jobs = None, resume: Resume = False, max_pages: MaxPages = None,
        max_pixels: MaxPixels = None, max_cells: MaxCells = None, max_forms: MaxForms = None,
        page_seconds: PageSeconds = None, page_memory: PageMemory = None, ray: RayAddress = None) -> None:
    """The main job: extract, check, draft; <stem>.json/.md/.html per input, review.xlsx for the batch."""
    from jixiao.review.pack import RunWriter, write_batch_pack

    options = _options(profile, use_llm, local_only, quiet or json_logs, drafting=True, jobs=jobs, limits={
        "max_pages": max_pages, "max_pixels": max_pixels, "max_cells": max_cells, "max_forms": max_forms,
        "page_seconds": page_seconds, "page_memory": page_memory}, ray=ray)
    with _output_folder(out):
        writer = RunWriter()
        report = run_batch(inputs, out, options, writer, json_logs=json_logs, quiet=quiet,
                           resume=(".md", ".html", ".json") if resume else ())
        try:
            pack = write_batch_pack(writer.summaries, out, options.drafter())
        except OSError as exc:
            err.print(f"[red]error[/red] cannot write the review workbook to {terminal_text(str(out))}: "
                      f"{exc.strerror or exc}")
            raise typer.Exit(1) from exc
    for stem, reset in writer.resets.items():
        err.print(f"[yellow]changed input[/yellow] {terminal_text(writer.summaries[stem].source.path)}: differs from "
                  f"the one reviewed in {terminal_text(stem)}.json; its {reset} decisions were reset")
    if pack and not quiet and not json_logs:
        shown = terminal_text(str(pack[-1]))
        err.print(f"review pack: {shown} (草稿 sheet: 审核结论 采纳/修改/退回; then `jixiao review import {shown}`)")
    _finish(report, out, quiet, json_logs)


@app.command("draft")
def draft_cmd(file: Annotated[Path, typer.Argument(help="a jixiao JSON document")],
              profile: KeptProfile = None, use_llm: UseLlm = True, local_only: LocalOnly = False) -> None:
    """(Re)draft 偏差原因 and the form summaries of a JSON document; reviewer decisions are kept."""
    from jixiao.recheck import redraft_file

    options = _options(profile, use_llm, local_only, False, drafting=True)
    try:
        _, drafts, attention = redraft_file(file, file, options)  # a part of the forms at a time: any size
    except OSError as exc:
        err.print(f"[red]error[/red] {terminal_text(str(file))}: cannot read or write: {exc.strerror or exc}")
        raise typer.Exit(1) from exc
    except ValueError as exc:  # pydantic's ValidationError is one
        err.print(f"[red]error[/red] {terminal_text(str(file))}: not a jixiao document "
                  f"({terminal_text(str(exc).splitlines()[0])})")
        raise typer.Exit(1) from exc
    err.print(f"{terminal_text(str(file))}: {drafts} drafts, {attention} with numbers the form does not support")


review_app = typer.Typer(help="the review workbook", no_args_is_help=True)
app.add_typer(review_app, name="review")
app.add_typer(layouts_app, name="layouts")


@review_app.command("import")
def review_import(book: Annotated[Path, typer.Argument(help="review.xlsx written by `jixiao run`")],
                  profile: KeptProfile = None) -> None:
    """Apply 审核结论 (采纳/修改/退回) and 修改后文本 to the JSON files beside the workbook; re-run the checks."""
    from jixiao.review.importer import ReviewError, import_review

    rules = None if profile is None else _profile(profile)
    if not book.is_file():
        err.print(f"[red]error[/red] {terminal_text(str(book))}: no such workbook")
        raise typer.Exit(1)
    with _output_folder(book.parent) as replayed:
        try:
            result = import_review(book, rules, replayed)
        except ReviewError as exc:
            first, *rest = str(exc).split("\n")
            err.print(f"[red]error[/red] {terminal_text(first)}")
            for line in rest:
                err.print(f"  {terminal_text(line.strip())}")
            raise typer.Exit(1) from exc
        from jixiao.review.pack import refresh_reports

        try:  # the decisions are in the JSON now: the reports follow them
            refresh_reports(book.parent, [Path(f).stem for f in result.files if Path(f).name != "batch_summary.json"])
        except OSError as exc:
            err.print(f"[yellow]warning[/yellow] {terminal_text(str(book.parent))}: the reports were not regenerated "
                      f"({exc.strerror or exc}); run `jixiao review export`")
    done = " (an interrupted import of this workbook, now completed)" if result.completed else ""
    for warning in result.warnings:
        err.print(f"[yellow]warning[/yellow] {terminal_text(str(book))}: {terminal_text(warning)}")
    err.print(f"{terminal_text(str(book))}: {result.accepted} accepted, {result.edited} edited, "
              f"{result.rejected} rejected; {len(result.files)} files updated{done}")


@review_app.command("export")
def review_export(out: Annotated[Path, typer.Argument(help="an output folder of `jixiao run`")]) -> None:
    """Rebuild every <stem>.md/.html, batch_summary.json and review.xlsx from the JSON in OUTDIR (all its forms)."""
    from jixiao.review.pack import export_pack

    if not out.is_dir():
        err.print(f"[red]error[/red] {terminal_text(str(out))}: no such folder")
        raise typer.Exit(1)
    with _output_folder(out):
        written = export_pack(out)
    if not written:
        err.print(f"[red]error[/red] {terminal_text(str(out))}: holds no jixiao JSON document")
        raise typer.Exit(1)
    err.print(f"{terminal_text(str(out))}: rebuilt {len(written)} files (review.xlsx, batch_summary.json, .md, .html)")


@review_app.command("serve")
def review_serve(out: Annotated[Path, typer.Argument(help="an output folder of `jixiao run`")],
                 host: Annotated[str, typer.Option("--host", help="address to listen on (loopback by default; "
                                                   "another address exposes the folder to that network)")] = "127.0.0.1",
                 port: Annotated[int, typer.Option("--port", min=0, max=65535, help="port (0: any free one)")] = 8770,
                 profile: KeptProfile = None) -> None:
    """A local review page over OUTDIR: the dashboard, each form with its source and findings, and 采纳/修改/退回
    for each draft, written to the JSON as `review import` does; the Word reports are regenerated."""
    from jixiao.review.server import LOOPBACK, make_server

    if not out.is_dir():
        err.print(f"[red]error[/red] {terminal_text(str(out))}: no such folder")
        raise typer.Exit(1)
    try:
        server = make_server(out, host, port, None if profile is None else _profile(profile))
    except OSError as exc:
        err.print(f"[red]error[/red] cannot listen on {terminal_text(host)}:{port}: {exc.strerror or exc}")
        raise typer.Exit(1) from exc
    if host not in LOOPBACK:
        err.print(f"[yellow]warning[/yellow] listening on {terminal_text(host)}: anyone who can reach it can read "
                  "the forms and change decisions")
    shown = host if ":" not in host else f"[{host}]"
    err.print(f"jixiao review: http://{terminal_text(shown)}:{server.server_address[1]}/ (Ctrl+C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@app.command()
def report(files: Annotated[list[Path], typer.Argument(help="jixiao JSON documents (e.g. after `review import`)",
                                                       show_default=False)],
           out: OutDir = Path("out/reports")) -> None:
    """Word reports: one .docx per form, batch_report.docx and the dashboard index.html in OUT."""
    from jixiao.review.pack import report_files

    try:
        with _output_folder(out):
            written, errors = report_files(files, out)
    except OSError as exc:
        err.print(f"[red]error[/red] cannot write to {terminal_text(str(out))}: {exc.strerror or exc}")
        raise typer.Exit(1) from exc
    for message in errors:
        err.print(f"[red]error[/red] {terminal_text(message)}")
    err.print(f"{terminal_text(str(out))}: {len(written)} files written ({len(errors)} inputs failed)")
    raise typer.Exit(1 if errors or not written else 0)


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
          profile: KeptProfile = None,
          out: Annotated[Path | None, typer.Option("--out", "-o", help="write here instead of in place")] = None
          ) -> None:
    """Re-run the checks on a JSON document (e.g. after human edits) and rewrite its findings (one form at a time:
    a document of any size)."""
    from jixiao.recheck import recheck_file

    target = out or file
    try:
        rules = _profile(profile if profile is not None else read_head(file).profile)
        checked = recheck_file(file, target, rules)
    except OSError as exc:
        err.print(f"[red]error[/red] {terminal_text(str(exc.filename or file))}: cannot read or write: "
                  f"{exc.strerror or exc}")
        raise typer.Exit(1) from exc
    except ValueError as exc:  # pydantic's ValidationError is one
        err.print(f"[red]error[/red] {terminal_text(str(file))}: not a jixiao document "
                  f"({terminal_text(str(exc).splitlines()[0])})")
        raise typer.Exit(1) from exc
    err.print(f"{terminal_text(str(target))}: {checked.findings} findings ({checked.errors} errors), "
              f"status {checked.status}")
    raise typer.Exit(1 if checked.errors else 0)


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
    drafts: Annotated[bool, typer.Option("--drafts", help="with --llm: also draft every 偏差原因 the cases need with "
                                         "the LLM and report grounding and cost")] = False,
    local_only: LocalOnly = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="cases evaluated in parallel (processes)")] = 1,
    errors: Annotated[int, typer.Option("--errors", help="field errors printed per case")] = 20,
    case: Annotated[list[str] | None, typer.Option("--case", help="with --llm, or the text review's labelled set: only "
                                                   "these cases (repeatable; e.g. a quick LLM judge run)")] = None,
) -> None:
    """Golden-file evaluation: per-field accuracy, omissions and wrong values, findings precision/recall."""
    from jixiao.evaluate import evaluate_golden  # keeps the common commands' start-up light

    if any(golden.glob("*/labels.toml")):  # the text review's labelled set (golden/review-labels)
        from jixiao.evaluate_review import evaluate_review

        service = _llm(True, local_only, quiet=False) if llm else None
        if llm and service is None:
            raise typer.BadParameter("--llm needs an endpoint: set JIXIAO_LLM_BASE_URL (see `make llm-serve`)")
        raise typer.Exit(evaluate_review(golden, service, only=set(case or ())))
    if llm:
        from jixiao.evaluate_llm import evaluate_llm

        service = _llm(True, local_only, quiet=False)
        if service is None:
            raise typer.BadParameter("--llm needs an endpoint: set JIXIAO_LLM_BASE_URL (see `make llm-serve`)")
        console = Console(highlight=False, soft_wrap=True, width=160)
        raise typer.Exit(evaluate_llm(golden, service, console, baseline, drafts, set(case or ())))
    raise typer.Exit(evaluate_golden(golden, update=update, report_path=report, jobs=jobs, errors=errors))


def _version(value: bool) -> None:
    if value:
        print(f"jixiao {__version__}")
        raise typer.Exit(0)


@app.callback()
def main(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                               help="print the version")] = False) -> None:
    """jixiao command line."""
