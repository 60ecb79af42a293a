"""`jixiao review import`: a reviewer's decisions in the workbook → the JSON documents.

The workbook must sit beside the JSON files it was made from, and each of them must still be
byte-for-byte the file the workbook recorded (sha256); otherwise nothing is changed. The workbook
names documents by stem; one that would resolve outside its folder (a path, .., a symlink) is
refused. Every changed file is committed together through the folder's journal (jixiao.folder).
Decisions:
采纳 → accepted, 修改 → edited (修改后文本 replaces the draft, the draft is kept as original_text),
退回 → rejected; each with decided_by "human". The checks are re-run and the numbers of an edited
text are checked again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from pydantic import BaseModel, Field, ValidationError

from jixiao.checks.profile import RuleProfile
from jixiao.drafts.facts import batch_facts, form_facts
from jixiao.drafts.grounding import Allowed, ungrounded
from jixiao.errors import InputError
from jixiao.folder import FolderError, Journal, commit, member
from jixiao.models import Document, Draft
from jixiao.output import document_json
from jixiao.pipeline import recheck
from jixiao.review.workbook import DECISIONS, DRAFT_HEADER, META_SHEET, sha256_file
from jixiao.testhook import hook

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
    workbook_sha256: str = ""
    completed: bool = Field(default=False, description="an interrupted import of this workbook was completed")


def _rows(book: Any, sheet: str, width: int) -> list[tuple[object, ...]]:
    """A sheet's rows, each padded to `width` cells (a reviewer may have deleted trailing ones)."""
    return [tuple(row) + (None,) * (width - len(row)) for row in book[sheet].iter_rows(values_only=True)]


def _files(book_path: Path, meta_rows: list[tuple[object, ...]]) -> dict[str, str]:
    """校验 sheet: stem → sha256. Version 1 also named the file; only `<stem>.json` is accepted there."""
    if not meta_rows or meta_rows[0][0] != "jixiao review workbook":
        raise ReviewError(f"{book_path}: not a jixiao review workbook")
    version = str(meta_rows[0][1])
    files = {}
    for n, row in enumerate(meta_rows[1:], start=2):
        if not row[0]:
            continue
        stem, digest = str(row[0]), str(row[1])
        if version == "1":
            if str(row[1]) != f"{stem}.json":
                raise ReviewError(f"{book_path}: {META_SHEET} row {n} names the file “{row[1]!r}”, not "
                                  f"{stem}.json of this folder: refused, nothing was changed")
            digest = str(row[2])
        files[stem] = digest
    return files


def _decisions(book_path: Path) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    try:
        book = load_workbook(book_path)
        names = book.sheetnames
    except Exception as exc:  # a damaged or foreign file: zip, XML or openpyxl errors alike, one line
        raise ReviewError(f"{book_path}: not a readable .xlsx workbook ({type(exc).__name__}: "
                          f"{str(exc).splitlines()[0] if str(exc) else 'damaged'})") from None
    if META_SHEET not in names or "草稿" not in names:
        raise ReviewError(f"{book_path}: not a jixiao review workbook (no {META_SHEET} sheet)")
    files = _files(book_path, _rows(book, META_SHEET, 3))
    rows = _rows(book, "草稿", len(DRAFT_HEADER))
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


def _completed(book_sha: str, replayed: Journal | None) -> ImportResult | None:
    """The result of this workbook's import when the journal just replayed was that import."""
    if replayed is None or not replayed.note:
        return None
    try:
        prior = ImportResult.model_validate_json(replayed.note)
    except ValidationError:
        return None
    return prior.model_copy(update={"completed": True}) if prior.workbook_sha256 == book_sha else None


def import_review(book_path: Path, profile: RuleProfile, replayed: Journal | None = None) -> ImportResult:
    """Apply the workbook's decisions to the JSON files beside it (all or nothing).

    `replayed`: the journal the caller's `folder.recover` completed; when it was this workbook's
    import, that import is reported as completed and nothing is applied twice."""
    try:
        book_sha = sha256_file(book_path)
    except OSError as exc:
        raise ReviewError(f"{book_path}: cannot read: {exc.strerror or exc}") from None
    done = _completed(book_sha, replayed)
    if done is not None:
        return done
    files, decisions = _decisions(book_path)
    folder = book_path.parent
    targets: dict[str, Path] = {}
    for stem, digest in files.items():
        try:
            target = targets[stem] = member(folder, stem)
        except FolderError as exc:
            raise ReviewError(f"{book_path}: {META_SHEET}: {exc}") from None
        if not target.is_file():
            raise ReviewError(f"{book_path}: the JSON it was made from is missing: {target}")
        if sha256_file(target) != digest:
            raise ReviewError(f"{book_path}: {target.name} has changed since this workbook was made "
                              f"(sha256 differs; already imported, or re-run) — make a new workbook with `jixiao run`")
    result = ImportResult(workbook_sha256=book_sha)
    updates: list[tuple[Path, str]] = []
    documents: list[Document] = []
    batch: tuple[Path, BatchDrafts, str] | None = None
    for stem, target in targets.items():
        try:
            data = json.loads(target.read_text(encoding="utf-8"))
            if "source" not in data:
                batch = (target, BatchDrafts.model_validate(data), stem)
                continue
            doc = Document.model_validate(data)
        except (ValueError, TypeError) as exc:  # bad JSON or not a document (ValidationError is a ValueError)
            raise ReviewError(f"{book_path}: {target.name} is not a jixiao document "
                              f"({str(exc).splitlines()[0]}); nothing was changed") from None
        allowed: dict[int | None, Allowed] = {i: form_facts(i, f, doc.findings, profile).allowed
                                              for i, f in enumerate(doc.forms)}
        doc = recheck(doc.model_copy(update={"drafts": _apply(doc.drafts, stem, decisions, allowed, result)}), profile)
        documents.append(doc)
        updates.append((target, document_json(doc)))
    if batch is not None:
        target, drafts, stem = batch
        allowed_batch: dict[int | None, Allowed] = {None: batch_facts(documents).allowed}
        drafts.drafts = _apply(drafts.drafts, stem, decisions, allowed_batch, result)
        updates.append((target, drafts.model_dump_json(indent=2) + "\n"))
    result.files = [str(target) for target, _ in updates]
    hook("import-prepared")
    commit(folder, updates, note=result.model_dump_json())  # every file checked and prepared before the first
    return result
