"""The pipeline: input file → ingest → rule parser → checks → `Document`.

Each stage hands a typed object to the next. A failure of one input is returned as data
(`Outcome.error`), never raised across the batch.
"""

from __future__ import annotations

import time
from pathlib import Path

from pydantic import BaseModel, Field

from jixiao.checks import RuleProfile, check_forms
from jixiao.errors import InputError, NotAForm
from jixiao.gapfill import fill_gaps
from jixiao.ingest import INGEST_CODES, INGEST_DATA_CODES, ingest
from jixiao.judge import judge_explanations
from jixiao.layout import LayoutDocument
from jixiao.llm.service import LlmService
from jixiao.models import Document, Finding, PageGeometry, SourceInfo
from jixiao.parse import parse


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


def status_of(findings: list[Finding]) -> str:
    """'partial' while any warning or error is open, else 'ok'."""
    return "partial" if any(f.severity in ("error", "warning") for f in findings) else "ok"


# findings raised while reading the input (parser, LLM layer): a re-check keeps them, the checks own the rest
EXTRACTION_CODES = frozenset({
    "ROW_UNALIGNED", "CELL_UNPLACED", "TOTAL_SCORE_CONFLICT", "INDICATOR_TABLE_TRUNCATED", "UNKNOWN_COLUMN",
    "ROW_COLLAPSED", "ROW_ALIGNMENT_UNCERTAIN", "ROWS_WITHOUT_HEADER", "LLM_FILLED", "LLM_VALUE_UNGROUNDED", "LLM_FAILED",
    "INDICATOR_HEADER_GUESSED", "GOALS_UNSPLIT",
    *INGEST_CODES, *INGEST_DATA_CODES,
})


def recheck(document: Document, profile: RuleProfile) -> Document:
    """Re-run the checks on a document (e.g. after a human edit); parser and LLM-judge findings are kept."""
    kept = [f for f in document.findings if f.code in EXTRACTION_CODES or f.method == "llm"]
    findings = kept + check_forms(document.forms, profile)
    return document.model_copy(update={"findings": findings, "status": status_of(findings),
                                       "profile": profile.name})


def ingest_findings(layout: LayoutDocument) -> list[Finding]:
    """What the backend corrected or could not read (turned pages, seals, OCR'd pages), as file-level findings."""
    return [Finding(code=note.code, severity=note.severity, form=None, path=None, message=note.message)
            for note in layout.notes]


def extract(path: Path, profile: RuleProfile, llm: LlmService | None = None, concurrency: int = 2) -> Document:
    """Ingest, parse, fill gaps (when an LLM is configured) and check one file.

    Raises `InputError` for input that is not a form."""
    layout = ingest(path)
    parsed = parse(layout)
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
    if llm is not None:
        document = fill_gaps(document, gaps, llm, concurrency)
    document = recheck(document, profile)
    if llm is not None and llm.judge:  # the text review's judge reads what the rules could not settle
        document = judge_explanations(document, llm, profile, concurrency)
        document.status = status_of(document.findings)  # type: ignore[assignment]
    return document


def process(path: Path, profile: RuleProfile, llm: LlmService | None = None) -> Outcome:
    """`extract` with every failure turned into a one-line error naming the file."""
    start = time.perf_counter()
    if llm is not None:
        llm.begin_input()
    try:
        document = extract(path, profile, llm, llm.concurrency if llm is not None else 2)
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
