"""The pipeline: input file → ingest → parse → sections → gap-fill → checks → drafts → `Document`.

Each stage hands a typed object to the next; one `RunOptions`, built by the CLI, reaches every
stage. A failure of one input is returned as data (`Outcome.error`), never raised across the batch.
"""

from __future__ import annotations

import time
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SkipValidation

from jixiao.checks import RuleProfile, check_document, load_profile, status_of
from jixiao.drafts import Drafter, LlmDrafter, TemplateDrafter, draft_document
from jixiao.errors import InputError, NotAForm
from jixiao.gapfill import fill_gaps
from jixiao.ingest import ingest
from jixiao.judge import judge_explanations
from jixiao.layout import LayoutDocument
from jixiao.llm.service import LlmService
from jixiao.models import Document, Finding, PageGeometry, SourceInfo
from jixiao.parse import parse
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


def extract(path: Path, options: RunOptions | RuleProfile) -> Document:
    """Ingest, parse, fill gaps (when an LLM is configured) and check one file (a profile alone: rules only).

    Raises `InputError` for input that is not a form."""
    options = _options(options)
    profile = options.profile_for()
    layout = ingest(path)
    parsed = mark_cut_value(separate_prose(parse(layout), layout), layout)
    if not parsed.forms:
        raise NotAForm(f"{path}: no 绩效自评表 found (no title, 项目名称 or indicator table)")
    document = Document(
        source=SourceInfo(path=str(path), sha256=layout.sha256, kind=layout.kind,
                          pages=len(layout.pages), encoding=layout.encoding,
                          page_geometry=[] if layout.kind == "text" else [
                              PageGeometry(number=p.number, width=p.width, height=p.height, rotation=p.rotation,
                                           skew=p.skew, ocr=p.ocr) for p in layout.pages]),
        forms=parsed.forms, findings=ingest_findings(layout) + parsed.findings, profile=profile.name,
    )
    gaps = parsed.gaps
    del layout, parsed  # every cell of the input: gone before the checks run (a large input holds ~100 B per byte)
    if options.llm is not None:
        document = fill_gaps(document, gaps, options.llm, options.concurrency)
    document = check_document(document, profile)
    if options.llm is not None and options.llm.judge:  # the text review's judge reads what the rules could not settle
        document = judge_explanations(document, options.llm, profile, options.concurrency)
        document.status = status_of(document.findings)  # type: ignore[assignment]
    return document


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
        if options.draft:
            document = draft(document, options)
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
