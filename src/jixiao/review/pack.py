"""What `jixiao run` writes beyond the JSON: <stem>.md and <stem>.html per input, and for the batch
batch_summary.json and review.xlsx. Everything is written from the documents in memory."""

from __future__ import annotations

from pathlib import Path

from jixiao.drafts import Drafter, draft_batch
from jixiao.models import Document
from jixiao.output import document_json, summary_markdown, write_atomic
from jixiao.outputs.html import report_html
from jixiao.outputs.workbook import write_review_book
from jixiao.review.importer import BatchDrafts

BATCH_FILE = "batch_summary.json"
BOOK_FILE = "review.xlsx"


def write_outputs(document: Document, out_dir: Path, stem: str) -> list[Path]:
    """Per input: <stem>.json, .md and .html of the (checked, drafted) document, each written atomically."""
    targets = [out_dir / f"{stem}.json", out_dir / f"{stem}.md", out_dir / f"{stem}.html"]
    for target, text in zip(targets, (document_json(document), summary_markdown(document), report_html(document)),
                            strict=True):
        write_atomic(target, text)
    return targets


def write_batch_pack(documents: dict[str, Document], out_dir: Path, drafter: Drafter) -> list[Path]:
    """The batch-level draft and the review workbook over the documents (stem → document) of this run."""
    if not documents:
        return []
    batch_draft = draft_batch(list(documents.values()), drafter)
    batch_path = out_dir / BATCH_FILE
    write_atomic(batch_path, BatchDrafts(documents=[f"{stem}.json" for stem in documents], drafts=[batch_draft])
                 .model_dump_json(indent=2) + "\n")
    book = out_dir / BOOK_FILE
    write_review_book([(stem, out_dir / f"{stem}.json", doc) for stem, doc in documents.items()],
                      (batch_path, batch_draft), book)
    return [batch_path, book]
