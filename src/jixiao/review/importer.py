"""`jixiao review import`: a reviewer's decisions in the workbook → the JSON documents.

The workbook must sit beside the JSON files it was made from, and each of them must still be
byte-for-byte the file the workbook recorded (sha256); otherwise nothing is changed. Decisions:
采纳 → accepted, 修改 → edited (修改后文本 replaces the draft, the draft is kept as original_text),
退回 → rejected; each with decided_by "human". The checks are re-run and the numbers of an edited
text are checked again.
"""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from pydantic import BaseModel, Field

from jixiao.checks import check_document
from jixiao.checks.profile import RuleProfile, load_profile
from jixiao.drafts.facts import batch_facts, form_facts
from jixiao.drafts.grounding import Allowed, ungrounded
from jixiao.errors import InputError
from jixiao.models import Document, Draft
from jixiao.output import document_json, write_atomic
from jixiao.review.workbook import DECISIONS, DRAFT_HEADER, META_SHEET, sha256_file

STATUS = {"采纳": "accepted", "修改": "edited", "退回": "rejected"}


class BatchDrafts(BaseModel):
    """batch_summary.json: the run's department-level draft and the documents it covers."""

    documents: list[str] = Field(default_factory=list)
    drafts: list[Draft] = Field(default_factory=list)


class ReviewError(InputError):
    pass


class ImportResult(BaseModel):
    accepted: int = 0
    edited: int = 0
    rejected: int = 0
    files: list[str] = Field(default_factory=list)


def _decisions(book_path: Path) -> tuple[dict[str, tuple[str, str]], dict[str, dict[str, str]]]:
    try:
        book = load_workbook(book_path)
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        raise ReviewError(f"{book_path}: not a readable .xlsx workbook ({exc})") from None
    if META_SHEET not in book.sheetnames or "草稿" not in book.sheetnames:
        raise ReviewError(f"{book_path}: not a jixiao review workbook (no {META_SHEET} sheet)")
    meta_rows = list(book[META_SHEET].iter_rows(values_only=True))
    if not meta_rows or meta_rows[0][0] != "jixiao review workbook":
        raise ReviewError(f"{book_path}: not a jixiao review workbook")
    files = {str(r[0]): (str(r[1]), str(r[2])) for r in meta_rows[1:] if r and r[0]}
    rows = list(book["草稿"].iter_rows(values_only=True))
    if not rows or tuple(rows[0][:len(DRAFT_HEADER)]) != DRAFT_HEADER:
        raise ReviewError(f"{book_path}: the 草稿 sheet's columns were changed; expected {', '.join(DRAFT_HEADER)}")
    col = {name: DRAFT_HEADER.index(name) for name in DRAFT_HEADER}
    decisions: dict[str, dict[str, str]] = {}
    for n, row in enumerate(rows[1:], start=2):
        decision = str(row[col["审核结论"]] or "").strip()
        if not decision:
            continue
        if decision not in DECISIONS:
            raise ReviewError(f"{book_path}: 草稿 row {n}: 审核结论 “{decision}” is not one of {'/'.join(DECISIONS)}")
        edited = str(row[col["修改后文本"]] or "").strip()
        if decision == "修改" and not edited:
            raise ReviewError(f"{book_path}: 草稿 row {n}: 审核结论 is 修改 but 修改后文本 is empty")
        decisions[str(row[col["编号"]])] = {"decision": decision, "text": edited,
                                           "note": str(row[col["审核意见"]] or "").strip()}
    return files, decisions


def _apply(drafts: list[Draft], stem: str, decisions: dict[str, dict[str, str]], allowed_for: dict[int | None, Allowed],
           result: ImportResult) -> list[Draft]:
    out = []
    for k, draft in enumerate(drafts):
        d = decisions.get(f"{stem}#{k}")
        if d is None:
            out.append(draft)
            continue
        status = STATUS[d["decision"]]
        update: dict[str, object] = {"status": status, "decided_by": "human", "review_note": d["note"] or None}
        if status == "edited":
            numbers = ungrounded(d["text"], allowed_for.get(draft.form, Allowed()))
            update |= {"text": d["text"], "original_text": draft.original_text or draft.text,
                       "grounded": not numbers, "ungrounded_numbers": numbers}
        setattr(result, status, getattr(result, status) + 1)
        out.append(draft.model_copy(update=update))
    return out


def import_review(book_path: Path, profile: RuleProfile | None = None) -> ImportResult:
    """Apply the workbook's decisions to the JSON files beside it (all or nothing); each document is re-checked
    under `profile`, or the profile it records."""
    files, decisions = _decisions(book_path)
    folder = book_path.parent
    for name, digest in files.values():
        target = folder / name
        if not target.is_file():
            raise ReviewError(f"{book_path}: the JSON it was made from is missing: {target}")
        if sha256_file(target) != digest:
            raise ReviewError(f"{book_path}: {target.name} has changed since this workbook was made "
                              f"(sha256 differs; already imported, or re-run) — make a new workbook with `jixiao run`")
    result = ImportResult()
    updates: list[tuple[Path, str]] = []
    documents: list[Document] = []
    batch: tuple[Path, BatchDrafts, str] | None = None
    for stem, (name, _) in files.items():
        target = folder / name
        data = json.loads(target.read_text(encoding="utf-8"))
        if "source" not in data:
            batch = (target, BatchDrafts.model_validate(data), stem)
            continue
        doc = Document.model_validate(data)
        rules = profile or load_profile(doc.profile)
        doc = check_document(doc, rules)
        allowed: dict[int | None, Allowed] = {i: form_facts(doc, i, rules).allowed for i in range(len(doc.forms))}
        doc = doc.model_copy(update={"drafts": _apply(doc.drafts, stem, decisions, allowed, result)})
        documents.append(doc)
        updates.append((target, document_json(doc)))
    if batch is not None:
        target, drafts, stem = batch
        allowed_batch: dict[int | None, Allowed] = {None: batch_facts(documents).allowed}
        drafts.drafts = _apply(drafts.drafts, stem, decisions, allowed_batch, result)
        updates.append((target, drafts.model_dump_json(indent=2) + "\n"))
    for target, text in updates:  # every file checked and prepared before the first is written
        write_atomic(target, text)
        result.files.append(str(target))
    return result
