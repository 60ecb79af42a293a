"""The review pack of an output folder: <stem>.json/.md/.html per input, and over every document in the folder
batch_summary.json and review.xlsx.

`jixiao run` streams each input's parts into its outputs (`RunWriter`), keeping the reviewer's decisions of the
JSON it replaces (review.carry) and only a summary per form; then the folder's pack is made from the summaries of
every document there, not only this run's, reading each JSON back one file and one item at a time where it needs
more. `jixiao review export` rebuilds the .md, .html, batch summary and workbook from the JSON alone (the JSON is the
source of truth).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from pydantic import ValidationError

from jixiao.atomic import write_atomic
from jixiao.domain.codes import FindingCode
from jixiao.drafts import Drafter, TemplateDrafter, draft_batch
from jixiao.models import Document, Draft, Finding, SourceInfo
from jixiao.outputs.dashboard import write_dashboard
from jixiao.outputs.document import output_stem, summary_markdown
from jixiao.outputs.html import report_html
from jixiao.outputs.jsonfile import DocumentWriter, iter_items, read_llm_usage
from jixiao.outputs.summary import (
    BATCH_FILE,
    DocumentSummary,
    FormSummary,
    folder_rows,
    folder_summaries,
    form_rows,
    light_documents,
    summarise,
)
from jixiao.outputs.word import write_batch_report, write_form_reports
from jixiao.outputs.workbook import write_review_book
from jixiao.review.carry import Decisions
from jixiao.review.duplicates import find_duplicates
from jixiao.review.importer import BatchDrafts
from jixiao.testhook import hook

BOOK_FILE = "review.xlsx"
BATCH_REPORT = "batch_report.docx"
REPORT_FORMS = 500  # the .md summary and the .html report of a longer input show its first forms, and say so


class _Stream(Protocol):
    """Anything with a source, a profile and parts (a `pipeline.DocumentStream`)."""

    source: SourceInfo
    profile: str
    parts: Iterator[Document]


def read_document(path: Path) -> Document | None:
    """A jixiao document, or None for any other file (batch_summary.json, a foreign or damaged JSON)."""
    try:
        return Document.model_validate_json(path.read_bytes())
    except (OSError, ValidationError, ValueError):
        return None


def _reset_note(reset: int) -> Finding:
    return Finding(code=FindingCode.DECISIONS_RESET, severity="warning", form=None, path=None,
                   message=f"输入文件与上次审核时不同（sha256 已变），此前的{reset}条审核结论已重置，请重新审核",
                   found=reset)


class _Report:
    """The first REPORT_FORMS forms of a document, for its .md and .html."""

    def __init__(self, source: SourceInfo, profile: str) -> None:
        self.document = Document(source=source, profile=profile)
        self.omitted = 0

    def add(self, part: Document, base: int) -> None:
        room = REPORT_FORMS - len(self.document.forms)
        shown = part.forms[:max(0, room)]
        self.omitted += len(part.forms) - len(shown)
        limit = base + len(shown)
        self.document.forms += shown
        self.document.findings += [f for f in part.findings if f.form is None or f.form < limit]
        self.document.assessments += [a for a in part.assessments if a.form < limit]
        self.document.drafts += [d for d in part.drafts if d.form is None or d.form < limit]

    def write(self, out_dir: Path, stem: str, status: str) -> list[Path]:
        self.document.status = status  # type: ignore[assignment]
        targets = [out_dir / f"{stem}.md", out_dir / f"{stem}.html"]
        write_atomic(targets[0], summary_markdown(self.document, self.omitted))
        write_atomic(targets[1], report_html(self.document, omitted=self.omitted))
        return write_form_reports(self.document, out_dir, stem) + targets  # Word: the forms the report shows


class RunWriter:
    """The writer `jixiao run` gives the batch: per input <stem>.json (streamed; the reviewer's decisions of the JSON
    it replaces kept), .md and .html; it keeps each document's summary for the folder's pack."""

    def __init__(self) -> None:
        self.summaries: dict[str, DocumentSummary] = {}
        self.resets: dict[str, int] = {}

    def __call__(self, found: _Stream, out_dir: Path, stem: str) -> DocumentSummary:
        target = out_dir / f"{stem}.json"
        decisions = Decisions(target, found.source.sha256)
        summary = DocumentSummary(stem=stem, source=found.source, profile=found.profile)
        report = _Report(found.source, found.profile)
        with DocumentWriter(out_dir, found.source, found.profile) as writer:
            for part in found.parts:
                base = len(summary.forms)
                part = decisions.apply(part, base)
                writer.add(part)
                summary.add(part)
                report.add(part, base)
                hook("part-written")
            carried = decisions.finish()
            if carried.input_changed:
                note = _reset_note(carried.reset)
                writer.item("findings", note)
                summary.add_finding(note)
                report.document.findings.append(note)
                self.resets[stem] = carried.reset
            report.write(out_dir, stem, writer.status)
            writer.finish(target)  # last: a JSON present means its .md and .html are too
        self.summaries[stem] = summary.finish(writer.status)
        return summary

    def merge(self, other: RunWriter) -> None:
        """What a worker process's copy of this writer kept (jixiao.pool), in the order the batch takes it."""
        self.summaries.update(other.summaries)
        self.resets.update(other.resets)


def _batch_draft(summaries: dict[str, DocumentSummary], out_dir: Path, drafter: Drafter, notes: list[str]) -> Draft:
    """The folder's batch summary; a reviewer's decision on it is kept while the inputs are the same."""
    sources = {stem: s.source.sha256 for stem, s in summaries.items()}
    try:
        old = BatchDrafts.model_validate_json((out_dir / BATCH_FILE).read_bytes())
    except (OSError, ValidationError, ValueError):
        old = None
    if old is not None and old.sources == sources and old.drafts and old.drafts[0].decided_by == "human":
        return old.drafts[0]
    return draft_batch(light_documents(summaries, out_dir), drafter, notes)


def write_batch_pack(fresh: dict[str, DocumentSummary], out_dir: Path, drafter: Drafter) -> list[Path]:
    """batch_summary.json and review.xlsx over every document of the folder (`fresh`: this run's summaries)."""
    summaries = folder_summaries(out_dir) | fresh if _others(out_dir, fresh) else dict(fresh)
    summaries = dict(sorted(summaries.items()))
    if not summaries:
        return []
    duplicates = find_duplicates(summaries)
    batch = _batch_draft(summaries, out_dir, drafter, sorted(set(duplicates.values())))
    batch_path = out_dir / BATCH_FILE
    sources = {stem: s.source.sha256 for stem, s in summaries.items()}
    write_atomic(batch_path, BatchDrafts(documents=[f"{stem}.json" for stem in summaries], sources=sources,
                                         drafts=[batch]).model_dump_json(indent=2) + "\n")
    book = out_dir / BOOK_FILE
    write_review_book([(stem, out_dir / f"{stem}.json", s) for stem, s in summaries.items()], (batch_path, batch),
                      book, duplicates)
    return [batch_path, *write_batch_reports(out_dir, batch), book]


def write_batch_reports(out_dir: Path, batch: Draft | None) -> list[Path]:
    """batch_report.docx and the dashboard index.html over the folder's documents, read one JSON at a time."""
    report = write_batch_report(folder_rows(out_dir), batch, out_dir / BATCH_REPORT)
    return [report, write_dashboard(folder_rows(out_dir), out_dir)]


def _others(out_dir: Path, fresh: dict[str, DocumentSummary]) -> bool:
    """The folder holds JSON documents besides this run's."""
    return any(p.stem not in fresh for p in out_dir.glob("*.json") if p.name != BATCH_FILE)


def export_pack(out_dir: Path) -> list[Path]:
    """`jixiao review export`: every .md and .html, the batch summary and the workbook, rebuilt from the JSON."""
    summaries = folder_summaries(out_dir)
    written: list[Path] = []
    for stem, summary in summaries.items():
        written += _rewrite_reports(out_dir, stem, summary)
    return written + write_batch_pack({}, out_dir, TemplateDrafter())


def _rewrite_reports(out_dir: Path, stem: str, summary: DocumentSummary) -> list[Path]:
    """A document's .md, .html and Word reports, from its JSON read one item at a time."""
    path = out_dir / f"{stem}.json"
    report = _Report(summary.source, summary.profile)
    part = Document(source=summary.source, profile=summary.profile)
    for form in iter_items(path, "forms"):
        if len(part.forms) >= REPORT_FORMS:
            report.omitted += 1
            continue
        part.forms.append(form)
    limit = len(part.forms)
    part.findings = [f for f in iter_items(path, "findings") if f.form is None or f.form < limit]
    part.assessments = [a for a in iter_items(path, "assessments") if a.form < limit]
    part.drafts = [d for d in iter_items(path, "drafts") if d.form is None or d.form < limit]
    part.llm_usage = read_llm_usage(path)
    omitted = report.omitted
    report.add(part, 0)
    report.omitted = omitted
    return report.write(out_dir, stem, summary.status)


def _batch_of(folder: Path) -> Draft | None:
    """The folder's batch summary draft, if there is one."""
    try:
        drafts = BatchDrafts.model_validate_json((folder / BATCH_FILE).read_bytes()).drafts
    except (OSError, ValidationError, ValueError):
        return None
    return drafts[0] if drafts else None


def refresh_reports(out_dir: Path, stems: list[str]) -> list[Path]:
    """After decisions reached the JSON (`review import`, the review page): the .md, .html and Word reports of
    the documents `stems`, then the batch report and the dashboard. The JSON itself is not rewritten."""
    written: list[Path] = []
    for stem in stems:
        summary = summarise(out_dir / f"{stem}.json")
        if summary is not None:
            written += _rewrite_reports(out_dir, stem, summary)
    return written + write_batch_reports(out_dir, _batch_of(out_dir))


def report_files(files: list[Path], out_dir: Path) -> tuple[list[Path], list[str]]:
    """`jixiao report`: a Word report per form of each JSON document, the batch report and the dashboard in
    `out_dir`; documents are read one at a time. Returns (written, one-line errors)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    errors: list[str] = []
    taken: set[str] = set()
    good: list[tuple[Path, str]] = []
    for path in files:
        document = read_document(path)
        if document is None:
            errors.append(f"{path}: not a readable jixiao JSON document; no report written")
            continue
        stem = output_stem(path, taken)
        written += write_form_reports(document, out_dir, stem)
        good.append((path, stem))
    if not good:
        return written, errors

    def summaries() -> Iterator[FormSummary]:
        return form_rows(summarise(path, stem) for path, stem in good)

    folders = {path.parent.resolve() for path, _ in good}
    batch = _batch_of(next(iter(folders))) if len(folders) == 1 else None
    written.append(write_batch_report(summaries(), batch, out_dir / BATCH_REPORT))
    written.append(write_dashboard(summaries(), out_dir))
    return written, errors
