"""The review pack of an output folder: <stem>.json/.md/.html per input, and over every document in the folder
batch_summary.json and review.xlsx.

`jixiao run` writes each input's outputs from the document in memory, keeping the reviewer's decisions of the
JSON it replaces (review.carry); then the folder's pack is made from every document there, not only this run's.
`jixiao review export` rebuilds the .md, .html, batch summary and workbook from the JSON alone (the JSON is the
source of truth).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from jixiao.atomic import write_atomic
from jixiao.domain.codes import FindingCode
from jixiao.drafts import Drafter, TemplateDrafter, draft_batch
from jixiao.models import Document, Draft, Finding
from jixiao.output import document_bytes, output_stem, summary_markdown
from jixiao.outputs.dashboard import write_dashboard
from jixiao.outputs.html import report_html
from jixiao.outputs.summary import FormSummary, folder_summaries, form_summaries
from jixiao.outputs.word import write_batch_report, write_form_reports
from jixiao.outputs.workbook import write_review_book
from jixiao.review.carry import carry_decisions
from jixiao.review.duplicates import find_duplicates
from jixiao.review.importer import BatchDrafts

BATCH_FILE = "batch_summary.json"
BOOK_FILE = "review.xlsx"
BATCH_REPORT = "batch_report.docx"


def read_document(path: Path) -> Document | None:
    """A jixiao document, or None for any other file (batch_summary.json, a foreign or damaged JSON)."""
    try:
        return Document.model_validate_json(path.read_bytes())
    except (OSError, ValidationError, ValueError):
        return None


def folder_documents(out_dir: Path) -> dict[str, Document]:
    """Every jixiao document in the folder, by stem."""
    found = {p.stem: read_document(p) for p in sorted(out_dir.glob("*.json")) if p.name != BATCH_FILE}
    return {stem: doc for stem, doc in found.items() if doc is not None}


def _reset_note(document: Document, reset: int) -> Document:
    note = Finding(code=FindingCode.DECISIONS_RESET, severity="warning", form=None, path=None,
                   message=f"输入文件与上次审核时不同（sha256 已变），此前的{reset}条审核结论已重置，请重新审核",
                   found=reset)
    return document.model_copy(update={"findings": [*document.findings, note], "status": "partial"})


class RunWriter:
    """The writer `jixiao run` gives the batch: per input <stem>.json (the reviewer's decisions of the JSON it
    replaces kept), .md and .html; it keeps each document as written for the folder's pack."""

    def __init__(self) -> None:
        self.documents: dict[str, Document] = {}

    def __call__(self, document: Document, out_dir: Path, stem: str) -> list[Path]:
        document, carried = carry_decisions(document, read_document(out_dir / f"{stem}.json"))
        if carried.input_changed:
            document = _reset_note(document, carried.reset)
        written = write_document_outputs(document, out_dir, stem, with_json=True)
        self.documents[stem] = document
        return written


def write_document_outputs(document: Document, out_dir: Path, stem: str, with_json: bool) -> list[Path]:
    targets = [out_dir / f"{stem}.md", out_dir / f"{stem}.html"]
    texts: list[str | bytes] = [summary_markdown(document), report_html(document)]
    if with_json:  # last: a JSON present means its .md and .html are too
        targets.append(out_dir / f"{stem}.json")
        texts.append(document_bytes(document))
    written = write_form_reports(document, out_dir, stem)  # before the JSON: a JSON present means they are too
    for target, text in zip(targets, texts, strict=True):
        write_atomic(target, text)
    return written + targets


def _batch_draft(documents: dict[str, Document], out_dir: Path, drafter: Drafter, notes: list[str]) -> Draft:
    """The folder's batch summary; a reviewer's decision on it is kept while the inputs are the same."""
    sources = {stem: doc.source.sha256 for stem, doc in documents.items()}
    try:
        old = BatchDrafts.model_validate_json((out_dir / BATCH_FILE).read_bytes())
    except (OSError, ValidationError, ValueError):
        old = None
    if old is not None and old.sources == sources and old.drafts and old.drafts[0].decided_by == "human":
        return old.drafts[0]
    return draft_batch(list(documents.values()), drafter, notes)


def write_batch_pack(fresh: dict[str, Document], out_dir: Path, drafter: Drafter) -> list[Path]:
    """batch_summary.json and review.xlsx over every document of the folder (`fresh`: this run's, in memory)."""
    documents = folder_documents(out_dir) | fresh
    if not documents:
        return []
    duplicates = find_duplicates(documents)
    batch = _batch_draft(documents, out_dir, drafter, sorted(set(duplicates.values())))
    batch_path = out_dir / BATCH_FILE
    sources = {stem: doc.source.sha256 for stem, doc in documents.items()}
    write_atomic(batch_path, BatchDrafts(documents=[f"{stem}.json" for stem in documents], sources=sources,
                                         drafts=[batch]).model_dump_json(indent=2) + "\n")
    book = out_dir / BOOK_FILE
    write_review_book([(stem, out_dir / f"{stem}.json", doc) for stem, doc in documents.items()], (batch_path, batch),
                      book, duplicates)
    return [batch_path, *write_batch_reports(out_dir, batch), book]


def write_batch_reports(out_dir: Path, batch: Draft | None) -> list[Path]:
    """batch_report.docx and the dashboard index.html over the folder's documents, read one JSON at a time."""
    report = write_batch_report(folder_summaries(out_dir), batch, out_dir / BATCH_REPORT)
    return [report, write_dashboard(folder_summaries(out_dir), out_dir)]


def export_pack(out_dir: Path) -> list[Path]:
    """`jixiao review export`: every .md and .html, the batch summary and the workbook, rebuilt from the JSON."""
    documents = folder_documents(out_dir)
    written: list[Path] = []
    for stem, document in documents.items():
        written += write_document_outputs(document, out_dir, stem, with_json=False)
    return written + write_batch_pack({}, out_dir, TemplateDrafter())


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
        document = read_document(out_dir / f"{stem}.json")
        if document is not None:
            written += write_document_outputs(document, out_dir, stem, with_json=False)
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
        for path, stem in good:
            document = read_document(path)
            if document is not None:
                yield from form_summaries(document, stem)

    folders = {path.parent.resolve() for path, _ in good}
    batch = _batch_of(next(iter(folders))) if len(folders) == 1 else None
    written.append(write_batch_report(summaries(), batch, out_dir / BATCH_REPORT))
    written.append(write_dashboard(summaries(), out_dir))
    return written, errors
