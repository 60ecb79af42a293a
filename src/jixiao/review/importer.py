"""`jixiao review import`: a reviewer's decisions in the workbook → the JSON documents.

The workbook must sit beside the JSON files it was made from, and each of them must still be
byte-for-byte the file the workbook recorded (sha256); otherwise nothing is changed. The workbook
names documents by stem; one that would resolve outside its folder (a path, .., a symlink) is
refused. Every changed file is committed together through the folder's journal (jixiao.outputs.folder).
Decisions:
采纳 → accepted, 修改 → edited (修改后文本 replaces the draft, the draft is kept as original_text),
退回 → rejected; each with decided_by "human". The checks are re-run and the numbers of an edited
text are checked again.
"""

from __future__ import annotations

import re
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from pydantic import BaseModel, Field, ValidationError

from jixiao.checks import check_document, kept_findings
from jixiao.checks.profile import RuleProfile, load_profile
from jixiao.drafts.facts import batch_facts, form_facts
from jixiao.drafts.grounding import Allowed, ungrounded
from jixiao.errors import InputError
from jixiao.models import Document, Draft, Form
from jixiao.outputs.folder import Content, FolderError, Journal, commit, member
from jixiao.outputs.jsonfile import DocumentWriter, Head, iter_items, read_head, read_llm_usage
from jixiao.outputs.schema import DECISIONS, DRAFT_HEADER, DRAFT_SHEET, META_SHEET, PLACEHOLDER, STATUS, draft_id
from jixiao.outputs.summary import DocumentSummary, light_documents
from jixiao.outputs.workbook import sha256_file
from jixiao.testhook import hook
from jixiao.textsafe import workbook_text

PARTS = 100  # forms re-checked together


class BatchDrafts(BaseModel):
    """batch_summary.json: the run's department-level draft and the documents it covers."""

    documents: list[str] = Field(default_factory=list)
    sources: dict[str, str] = Field(default_factory=dict, description="document stem → its input's sha256")
    drafts: list[Draft] = Field(default_factory=list)


class ReviewError(InputError):
    pass


class ImportResult(BaseModel):
    accepted: int = 0
    edited: int = 0
    rejected: int = 0
    files: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list, description="accepted, but worth a second look")
    problems: list[str] = Field(default_factory=list, description="refused: row, column, what is wrong")
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


class Decision(BaseModel):
    """One draft a reviewer decided on: a 草稿 row of the workbook, or a draft of the review page."""

    row: int
    decision: str
    text: str = ""
    note: str = ""
    shown: str = Field("", description="草稿内容 as the workbook (or the page) showed it (a protected column)")
    place: str = Field("", description="where the decision was taken, for messages; default 草稿 row <row>")

    @property
    def where(self) -> str:
        return self.place or f"草稿 row {self.row}"


def _decisions(book_path: Path) -> tuple[dict[str, str], dict[str, Decision], list[str]]:
    """(stem → sha256, draft id → decision, problems with the rows); a workbook that is not ours is refused at once."""
    try:  # read-only: the 草稿 and 校验 rows stream; the other sheets of a 12,000-form workbook are never loaded
        book = load_workbook(book_path, read_only=True)
        names = book.sheetnames
        if META_SHEET not in names or DRAFT_SHEET not in names:
            raise ReviewError(f"{book_path}: not a jixiao review workbook (no {META_SHEET} sheet)")
        meta = _rows(book, META_SHEET, 3)
        rows = _rows(book, DRAFT_SHEET, len(DRAFT_HEADER))
        book.close()
    except ReviewError:
        raise
    except Exception as exc:  # a damaged or foreign file: zip, XML or openpyxl errors alike, one line
        raise ReviewError(f"{book_path}: not a readable .xlsx workbook ({type(exc).__name__}: "
                          f"{str(exc).splitlines()[0] if str(exc) else 'damaged'})") from None
    files = _files(book_path, meta)
    if not rows or tuple(rows[0][:len(DRAFT_HEADER)]) != DRAFT_HEADER:
        raise ReviewError(f"{book_path}: the 草稿 sheet's columns were changed (or the workbook is older than this "
                          f"version; make a new one with `jixiao review export`); expected {', '.join(DRAFT_HEADER)}")
    col = {name: DRAFT_HEADER.index(name) for name in DRAFT_HEADER}
    decisions: dict[str, Decision] = {}
    problems: list[str] = []
    for n, row in enumerate(rows[1:], start=2):
        decision = str(row[col["审核结论"]] or "").strip()
        if not decision:
            continue
        if decision not in DECISIONS:
            problems.append(f"草稿 row {n}, 审核结论: “{decision}” is not one of {'/'.join(DECISIONS)}")
            continue
        edited = str(row[col["修改后文本"]] or "").strip()
        if decision == "修改" and not edited:
            problems.append(f"草稿 row {n}, 修改后文本: 审核结论 is 修改 but 修改后文本 is empty")
            continue
        decisions[str(row[col["编号"]])] = Decision(row=n, decision=decision, text=edited,
                                                   note=str(row[col["审核意见"]] or "").strip(),
                                                   shown=str(row[col["草稿内容"]] or ""))
    return files, decisions, problems


def shown_text(draft: Draft) -> str:
    """草稿内容 as the workbook writer put it there (and the review page shows it)."""
    return workbook_text(draft.original_text if draft.status == "edited" and draft.original_text else draft.text)[0]


def _apply(drafts: list[Draft], stem: str, decisions: dict[str, Decision], allowed_for: dict[int | None, Allowed],
           result: ImportResult) -> list[Draft]:
    return [_apply_one(k, draft, stem, decisions, allowed_for, result) for k, draft in enumerate(drafts)]


def _apply_one(k: int, draft: Draft, stem: str, decisions: dict[str, Decision], allowed_for: dict[int | None, Allowed],
               result: ImportResult) -> Draft:
    """The document's draft number `k` with the workbook's decision on it, if any."""
    d = decisions.pop(draft_id(stem, k), None)
    if d is None:
        return draft
    if d.shown.strip() != shown_text(draft).strip():
        result.problems.append(f"{d.where}, 草稿内容: this column is protected and was changed; put the new "
                               "text in 修改后文本 and choose 修改 (the change was not applied)")
        return draft
    status = STATUS[d.decision]
    unchanged = (draft.decided_by == "human" and draft.status == status and (draft.review_note or "") == d.note
                 and (status != "edited" or draft.text == d.text))
    if unchanged:  # a decision the workbook shows as already taken
        return draft
    update: dict[str, object] = {"status": status, "decided_by": "human", "review_note": d.note or None}
    text = d.text if status == "edited" else draft.text
    if status == "edited":
        numbers = ungrounded(d.text, allowed_for.get(draft.form, Allowed()))
        update |= {"text": d.text, "original_text": draft.original_text or draft.text,
                   "grounded": not numbers, "ungrounded_numbers": numbers}
        if numbers:
            result.warnings.append(f"{d.where}, 修改后文本: numbers the form does not support: "
                                   f"{'、'.join(numbers)} (kept; marked 需关注)")
    if status != "rejected" and PLACEHOLDER in text:
        result.warnings.append(f"{d.where}, {'修改后文本' if status == 'edited' else '审核结论'}: "
                               f"{d.decision} of a text that still holds a placeholder (【待补充…】)")
    setattr(result, status, getattr(result, status) + 1)
    return draft.model_copy(update=update)


def _recheck(target: Path, stem: str, head: Head, rules: RuleProfile, decisions: dict[str, Decision],
             result: ImportResult, writer: DocumentWriter) -> DocumentSummary:
    """One document re-checked and given its decisions into `writer`, PARTS forms at a time (a document of any size
    is never held whole); its summary, for the batch draft's facts. Raises OSError or ValueError."""
    summary = DocumentSummary(stem=stem, source=head.source, profile=rules.name)
    kept, _ = kept_findings(iter_items(target, "findings"))
    for finding in kept:
        writer.item("findings", finding)
    allowed: dict[int | None, Allowed] = {}
    forms: list[Form] = []
    base = 0

    def flush() -> None:
        end = base + len(forms)
        mine = [f if f.form is None else f.model_copy(update={"form": f.form - base})
                for f in kept if f.form is None or base <= f.form < end]
        part = check_document(Document(source=head.source, profile=head.profile, forms=forms, findings=mine), rules)
        for i, form in enumerate(part.forms):
            allowed[base + i] = form_facts(part, i, rules).allowed
            writer.item("forms", form)
            summary.add_form(form)
        for n, finding in enumerate(part.findings):
            shifted = finding if finding.form is None else finding.model_copy(update={"form": finding.form + base})
            if n >= len(mine):  # the kept ones are written first, as a whole re-check does
                writer.item("findings", shifted)
            if n >= len(mine) or shifted.form is not None or not base:
                summary.add_finding(shifted)
        for assessment in part.assessments:
            shifted_assessment = assessment.model_copy(update={"form": assessment.form + base})
            writer.item("assessments", shifted_assessment)
            summary.add_assessment(shifted_assessment)

    for form in iter_items(target, "forms"):
        forms.append(form)
        if len(forms) == PARTS:
            flush()
            base, forms = base + len(forms), []
    if forms or not base:
        flush()
    for k, draft in enumerate(iter_items(target, "drafts")):
        decided = _apply_one(k, draft, stem, decisions, allowed, result)
        writer.item("drafts", decided)
        summary.add_draft(decided)
    writer.usage = read_llm_usage(target)
    summary.status = writer.status
    return summary


def _row_of(problem: str) -> int:
    match = re.search(r"row (\d+)", problem)
    return int(match.group(1)) if match else 0


def _completed(book_sha: str, replayed: Journal | None) -> ImportResult | None:
    """The result of this workbook's import when the journal just replayed was that import."""
    if replayed is None or not replayed.note:
        return None
    try:
        prior = ImportResult.model_validate_json(replayed.note)
    except ValidationError:
        return None
    return prior.model_copy(update={"completed": True}) if prior.workbook_sha256 == book_sha else None


def import_review(book_path: Path, profile: RuleProfile | None = None, replayed: Journal | None = None
                  ) -> ImportResult:
    """Apply the workbook's decisions to the JSON files beside it (all or nothing); each document is re-checked
    under `profile`, or the profile it records.

    `replayed`: the journal the caller's `folder.recover` completed; when it was this workbook's
    import, that import is reported as completed and nothing is applied twice."""
    try:
        book_sha = sha256_file(book_path)
    except OSError as exc:
        raise ReviewError(f"{book_path}: cannot read: {exc.strerror or exc}") from None
    done = _completed(book_sha, replayed)
    if done is not None:
        return done
    files, decisions, problems = _decisions(book_path)
    return apply_decisions(book_path.parent, files, decisions, problems, profile, origin=str(book_path),
                           origin_sha=book_sha)


def apply_decisions(folder: Path, files: dict[str, str], decisions: dict[str, Decision], problems: list[str],
                    profile: RuleProfile | None, origin: str, origin_sha: str = "", made: str = "workbook") -> ImportResult:
    """The one way decisions reach the JSON (`review import` and the review page): every document of `files`
    (stem → the sha256 the decisions were taken on) must still be that file; each is re-checked under `profile`
    (or its own), the decisions applied, and every changed file committed together through the folder's
    journal — all or nothing. `origin` names the workbook or page in messages (`made`: "workbook" or "page");
    the caller holds the folder lock."""
    targets: dict[str, Path] = {}
    for stem, digest in files.items():
        try:
            target = targets[stem] = member(folder, stem)
        except FolderError as exc:
            raise ReviewError(f"{origin}: {META_SHEET}: {exc}") from None
        if not target.is_file():
            raise ReviewError(f"{origin}: the JSON it was made from is missing: {target}")
        if sha256_file(target) != digest:
            raise ReviewError(f"{origin}: {target.name} has changed since this {made} was made "
                              f"(sha256 differs; already imported, or re-run) — "
                              + ("make a new workbook with `jixiao run`" if made == "workbook" else "reload the page"))
    result = ImportResult(workbook_sha256=origin_sha, problems=list(problems))
    updates: list[tuple[Path, Content]] = []
    summaries: dict[str, DocumentSummary] = {}
    batch: tuple[Path, BatchDrafts, str] | None = None
    with ExitStack() as stack:
        for stem, target in targets.items():
            try:
                head = _head(target)
                if head is None:
                    batch = (target, BatchDrafts.model_validate_json(target.read_bytes()), stem)
                    continue
                rules = profile or load_profile(head.profile)
                writer = stack.enter_context(DocumentWriter(folder, head.source, rules.name))
                summaries[stem] = _recheck(target, stem, head, rules, decisions, result, writer)
            except (ValueError, TypeError, OSError) as exc:  # bad JSON or not a document (ValidationError: ValueError)
                raise ReviewError(f"{origin}: {target.name} is not a jixiao document "
                                  f"({str(exc).splitlines()[0]}); nothing was changed") from None
            updates.append((target, writer.write_to))
        if batch is not None:
            target, drafts, stem = batch
            allowed_batch: dict[int | None, Allowed] = {None: batch_facts(light_documents(summaries, folder)).allowed}
            drafts.drafts = _apply(drafts.drafts, stem, decisions, allowed_batch, result)
            updates.append((target, drafts.model_dump_json(indent=2) + "\n"))
        result.problems += [f"{d.where}, 编号: “{ident}” names no draft of this folder" for ident, d in decisions.items()]
        if result.problems:
            raise ReviewError(f"{origin}: {len(result.problems)} problems, nothing was changed:\n  "
                              + "\n  ".join(sorted(result.problems, key=_row_of)))
        result.files = [str(target) for target, _ in updates]
        hook("import-prepared")
        commit(folder, updates, note=result.model_dump_json())  # every file checked and prepared before the first
    return result


def _head(target: Path) -> Head | None:
    """A document JSON's head; None for batch_summary.json (a JSON without a source)."""
    with target.open("rb") as handle:
        start = handle.read(64).lstrip()
    if start.startswith(b"{") and b'"source"' not in start and b'"documents"' in start:
        return None
    return read_head(target)


