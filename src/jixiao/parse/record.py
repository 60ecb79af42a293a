"""Provenance bookkeeping for the rule parser: every value set is recorded with its cell."""

from __future__ import annotations

from collections.abc import Mapping

from jixiao.gaps import Gap
from jixiao.layout import Cell, CellRef, Row
from jixiao.layouts import LearnedLayout
from jixiao.models import Finding, Provenance, Scalar, Severity

_NO_REF = CellRef()


OCR_DOUBT = 2.0


def ocr_confidence(score: float) -> float:
    """How sure a value read by OCR is, from the recogniser's line score. The score is over-confident on what
    matters here: a line scored 0.94 had '；' read as '：' or one character of a name dropped. Its doubt is
    doubled, so a line under 0.95 is flagged."""
    return max(0.0, 1.0 - OCR_DOUBT * (1.0 - score))


class Recorder:
    """Collects provenance for one form and the findings the parser itself raises."""

    def __init__(self, form_index: int, layouts: Mapping[str, LearnedLayout] | None = None) -> None:
        self.form_index = form_index
        self.layouts = layouts or {}  # learned indicator-table layouts, by signature (jixiao.layouts)
        self.provenance: dict[str, Provenance] = {}
        self.findings: list[Finding] = []
        self.gaps: list[Gap] = []

    def cell(self, path: str, row: Row, cell: Cell, confidence: float = 1.0, note: str | None = None) -> None:
        """Record that `path` was read from `cell` of `row`."""
        ref = cell.ref or _NO_REF
        read = ocr_confidence(cell.confidence) if cell.origin == "ocr" else cell.confidence
        self.provenance[path] = Provenance(
            method="ocr" if cell.origin == "ocr" else "rule", page=row.page, bbox=cell.bbox or row.bbox,
            source_text=cell.raw.strip(), confidence=round(min(confidence, read), 3), line=row.line, note=note,
            sheet=ref.sheet, cell=ref.cell, table=ref.table, row=ref.row, column=ref.column,
        )

    def inferred(self, path: str, source_text: str, confidence: float, note: str, row: Row | None = None) -> None:
        """Record a value that was derived rather than read from one cell."""
        self.provenance[path] = Provenance(
            method="rule", page=row.page if row else None, bbox=row.bbox if row else None,
            source_text=source_text, confidence=confidence, line=row.line if row else None, note=note,
        )

    def finding(self, code: str, severity: Severity, path: str | None, message: str,
                expected: Scalar = None, found: Scalar = None) -> None:
        self.findings.append(Finding(code=code, severity=severity, form=self.form_index, path=path,
                                     message=message, expected=expected, found=found))

    def gap(self, gap: Gap) -> None:
        """Hand something the rules could not settle to the LLM layer (if one is configured)."""
        self.gaps.append(gap)
