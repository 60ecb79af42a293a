"""What `jixiao run` writes beyond the JSON: drafts, <stem>.md, <stem>.html, and for the batch
batch_summary.json and review.xlsx."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from jixiao.checks.profile import RuleProfile
from jixiao.drafts import Drafter, draft_batch, draft_document
from jixiao.models import Document
from jixiao.output import document_bytes, summary_markdown, write_atomic
from jixiao.report import report_html
from jixiao.review.importer import BatchDrafts
from jixiao.review.workbook import write_review_book

BATCH_FILE = "batch_summary.json"
BOOK_FILE = "review.xlsx"


def run_writer(profile: RuleProfile, drafter: Drafter) -> Callable[[Document, Path, str], list[Path]]:
    """Per input: draft, then <stem>.json, .md and .html (each written atomically)."""

    def write(document: Document, out_dir: Path, stem: str) -> list[Path]:
        drafted = draft_document(document, profile, drafter)
        targets = [out_dir / f"{stem}.md", out_dir / f"{stem}.html", out_dir / f"{stem}.json"]  # JSON last: --resume
        texts: tuple[str | bytes, ...] = (summary_markdown(drafted), report_html(drafted), document_bytes(drafted))
        for target, text in zip(targets, texts, strict=True):
            write_atomic(target, text)
        return targets

    return write


def write_batch_pack(json_paths: list[Path], out_dir: Path, profile: RuleProfile, drafter: Drafter) -> list[Path]:
    """The department-level draft and the review workbook over the JSON files written by this run."""
    entries = [(p.stem, p, Document.model_validate_json(p.read_bytes())) for p in json_paths]
    if not entries:
        return []
    batch_draft = draft_batch([doc for _, _, doc in entries], drafter)
    batch_path = out_dir / BATCH_FILE
    write_atomic(batch_path, BatchDrafts(documents=[p.name for p in json_paths], drafts=[batch_draft])
                 .model_dump_json(indent=2) + "\n")
    book = out_dir / BOOK_FILE
    write_review_book(entries, (batch_path, batch_draft), profile, book)
    return [batch_path, book]
