"""The pipeline: input file → ingest → parse → sections → gap-fill → checks → drafts → `Document`.

Each stage hands a typed object to the next; one `RunOptions`, built by the CLI, reaches every
stage. A failure of one input is returned as data (`Outcome.error`), never raised across the batch.

`stream` runs the stages over a text input in parts of about `PART_FORMS` forms, cut before a form's title, so
a dump of 12,000 forms is never held whole: each part is a `Document` of its forms (indices already counted
from the input's first form), made when it is asked for. `extract` joins the parts into one document.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SkipValidation

from jixiao.checks import RuleProfile, check_document, load_profile, status_of
from jixiao.drafts import Drafter, LlmDrafter, TemplateDrafter, draft_document
from jixiao.errors import InputError, NotAForm
from jixiao.gapfill import fill_gaps
from jixiao.gapsettle import settle_tables
from jixiao.ingest import ingest_stream
from jixiao.judge import judge_explanations
from jixiao.layout import Block, LayoutDocument, Page, Row
from jixiao.layouts import LayoutStore
from jixiao.limits import Limits, use
from jixiao.llm.service import LlmService
from jixiao.models import Document, Finding, LlmUsage, PageGeometry, SourceInfo
from jixiao.parse import parse
from jixiao.parse.learned import read_table
from jixiao.parse.segment import is_title
from jixiao.sections import mark_cut_value, separate_prose


class RunOptions(BaseModel):
    """What a run was asked to do; built once by the CLI and handed to every stage."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    profile: RuleProfile | None = Field(None, description="rule profile; None: the one a document records, "
                                        "else national")
    llm: SkipValidation[LlmService | None] = Field(None, description="gap-filling and drafting model; None: rules only")
    concurrency: int = Field(2, ge=1, description="LLM requests in flight at once (JIXIAO_LLM_CONCURRENCY)")
    draft: bool = Field(False, description="run the drafting stage")
    jobs: int = Field(1, ge=1, description="inputs processed at once")
    ray: str | None = Field(None, description="Ray cluster (--ray: auto, local or an address); None: this machine")
    limits: Limits = Field(default_factory=Limits, description="what one input may hold (--max-pages, …)")
    layouts: SkipValidation[LayoutStore | None] = Field(None, description="layout memory: learned table layouts "
                                                        "the rules apply; None: none")

    def profile_for(self, document: Document | None = None) -> RuleProfile:
        """The explicit profile, else the one the document records, else national."""
        if self.profile is not None:
            return self.profile
        return load_profile(document.profile if document is not None else "national")

    def drafter(self) -> Drafter:
        return LlmDrafter(self.llm) if self.llm is not None else TemplateDrafter()


class Outcome(BaseModel):
    """The result of processing one input: a document (until written), or a one-line error."""

    path: str
    document: Document | None = None
    error: str | None = None
    seconds: float = 0.0
    status: str | None = None
    forms: int = 0
    indicators: int = 0
    findings: dict[str, int] = Field(default_factory=dict, description="finding counts by severity")

    @property
    def has_errors(self) -> bool:
        return self.error is not None or self.findings.get("error", 0) > 0

    def release(self) -> None:
        """Drop the document once it is written, keeping the summary (a batch stays small in memory)."""
        self.document = None


def ingest_findings(layout: LayoutDocument) -> list[Finding]:
    """What the backend corrected or could not read (turned pages, seals, OCR'd pages), as file-level findings."""
    return [Finding(code=note.code, severity=note.severity, form=None, path=None, message=note.message)
            for note in layout.notes]


def _options(options: RunOptions | RuleProfile) -> RunOptions:
    return options if isinstance(options, RunOptions) else RunOptions(profile=options)


PART_FORMS = 100  # forms per part of a text input: a part's rows and documents are what a run holds at once


class DocumentStream(BaseModel):
    """One input on its way through the stages: what is known before its forms, and its parts, made lazily."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    source: SourceInfo
    profile: str
    parts: SkipValidation[Iterator[Document]]


def _source(layout: LayoutDocument) -> SourceInfo:
    return SourceInfo(path=layout.path, sha256=layout.sha256, kind=layout.kind, pages=len(layout.pages),
                      encoding=layout.encoding,
                      page_geometry=[] if layout.kind == "text" else [
                          PageGeometry(number=p.number, width=p.width, height=p.height, rotation=p.rotation,
                                       skew=p.skew, ocr=p.ocr) for p in layout.pages])


def _row_parts(head: LayoutDocument, rows: Iterator[Row]) -> Iterator[tuple[LayoutDocument, bool]]:
    """(layout of about PART_FORMS forms, is the last part): cut only before a title row, where a form starts."""
    chunk: list[Row] = []
    titles = 0
    for row in rows:
        if is_title(row):
            if titles >= PART_FORMS:
                yield _part_layout(head, chunk), False
                chunk, titles = [], 0
            titles += 1
        chunk.append(row)
    yield _part_layout(head, chunk), True


def _part_layout(head: LayoutDocument, rows: list[Row]) -> LayoutDocument:
    return LayoutDocument(path=head.path, sha256=head.sha256, kind=head.kind, encoding=head.encoding,
                          pages=[Page(number=1, blocks=[Block(kind="table", rows=rows)])])


def _shifted(document: Document, base: int) -> Document:
    """A part's document with its form indices counted from the input's first form."""
    if not base:
        return document
    return document.model_copy(update={
        "findings": [f if f.form is None else f.model_copy(update={"form": f.form + base}) for f in document.findings],
        "assessments": [a.model_copy(update={"form": a.form + base}) for a in document.assessments],
        "drafts": [d if d.form is None else d.model_copy(update={"form": d.form + base}) for d in document.drafts]})


def _run_part(source: SourceInfo, layout: LayoutDocument, last: bool, notes: list[Finding],
              options: RunOptions) -> Document:
    """Parse, separate prose, fill gaps, check, judge and (when asked) draft the forms of one part."""
    profile = options.profile_for()
    learned = options.layouts.load() if options.layouts is not None else None
    parsed = separate_prose(parse(layout, learned), layout)
    if last:
        parsed = mark_cut_value(parsed, layout)
    document = Document(source=source, forms=parsed.forms, findings=notes + parsed.findings, profile=profile.name)
    gaps = parsed.gaps
    del layout, parsed  # every cell of the part: gone before the checks run (a large input holds ~100 B per byte)
    gaps = settle_tables(document, gaps, read_table)  # tables the cells' content and arithmetic decide: no model
    if options.llm is not None:
        document = fill_gaps(document, gaps, options.llm, options.concurrency, options.layouts, read_table)
    document = check_document(document, profile)
    if options.llm is not None and options.llm.judge:  # the text review's judge reads what the rules could not settle
        document = judge_explanations(document, options.llm, profile, options.concurrency)
        document.status = status_of(document.findings)  # type: ignore[assignment]
    if options.draft:
        document = draft(document, options)
    return document


def stream(path: Path, options: RunOptions | RuleProfile) -> DocumentStream:
    """Ingest one file and run every stage over it, part by part as the parts are asked for (see module doc).

    Raises `InputError` when the file cannot be read, and, while its parts are made, when it holds no form."""
    options = _options(options)
    use(options.limits)
    head, rows = ingest_stream(path)
    source = _source(head)
    layouts = _row_parts(head, rows) if rows is not None else iter([(head, True)])
    notes = ingest_findings(head)

    def parts() -> Iterator[Document]:
        base = 0
        for layout, last in layouts:
            part = _run_part(source, layout, last, notes if base == 0 else [], options)
            if last and not base and not part.forms:
                raise NotAForm(f"{path}: no 绩效自评表 found (no title, 项目名称 or indicator table)")
            if base + len(part.forms) > options.limits.max_forms:
                raise InputError(f"{path}: more than {options.limits.max_forms:,} forms (--max-forms); not read")
            yield _shifted(part, base)
            base += len(part.forms)

    return DocumentStream(source=source, profile=options.profile_for().name, parts=parts())


def join(source: SourceInfo, profile: str, parts: Iterator[Document]) -> Document:
    """The parts of one input as one document."""
    document = Document(source=source, profile=profile)
    usage = LlmUsage()
    for part in parts:
        document.forms += part.forms
        document.findings += part.findings
        document.assessments += part.assessments
        document.drafts += part.drafts
        for key in ("calls", "prompt_tokens", "completion_tokens", "cached_calls"):
            setattr(usage, key, getattr(usage, key) + getattr(part.llm_usage, key))
    document.llm_usage = usage
    document.status = status_of(document.findings)  # type: ignore[assignment]
    return document


def extract(path: Path, options: RunOptions | RuleProfile) -> Document:
    """Ingest, parse, fill gaps (when an LLM is configured), check (and draft, when the options ask) one file,
    as one document (a profile alone: rules only).

    Raises `InputError` for input that is not a form."""
    found = stream(path, options)
    return join(found.source, found.profile, found.parts)


def draft(document: Document, options: RunOptions) -> Document:
    """The drafting stage: 偏差原因 drafts and summaries from the checked document (decisions kept)."""
    return draft_document(document, options.profile_for(document), options.drafter())


def process(path: Path, options: RunOptions | RuleProfile) -> Outcome:
    """`extract` (and `draft`, when asked) with every failure turned into a one-line error naming the file."""
    options = _options(options)
    start = time.perf_counter()
    if options.llm is not None:
        options.llm.begin_input()
    try:
        document = extract(path, options)
    except InputError as exc:
        return Outcome(path=str(path), error=str(exc), seconds=time.perf_counter() - start)
    except OSError as exc:
        return Outcome(path=str(path), error=f"{path}: cannot read: {exc.strerror or exc}",
                       seconds=time.perf_counter() - start)
    except Exception as exc:  # a bug must not stop the batch; report it as this file's failure
        return Outcome(path=str(path), error=f"{path}: internal error ({type(exc).__name__}: {exc})",
                       seconds=time.perf_counter() - start)
    counts = {s: sum(1 for f in document.findings if f.severity == s) for s in ("error", "warning", "info")}
    return Outcome(path=str(path), document=document, seconds=time.perf_counter() - start,
                   status=document.status, forms=len(document.forms),
                   indicators=sum(len(f.indicators) for f in document.forms), findings=counts)
