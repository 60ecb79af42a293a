"""Rule parser: layout IR → typed forms with provenance.

The passes run in the order of `PASSES`; each reads one region of a `FormSection` and sets
the fields it owns on the `Form`, recording provenance (and any finding) as it goes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pydantic import BaseModel, Field

from jixiao.gaps import Gap
from jixiao.layout import LayoutDocument
from jixiao.layouts import LearnedLayout
from jixiao.models import Finding, Form
from jixiao.parse.coverage import note_coverage_gaps
from jixiao.parse.funds import read_funds
from jixiao.parse.goals import read_goals
from jixiao.parse.header import note_header_gap, read_header, read_title
from jixiao.parse.indicators import read_indicators
from jixiao.parse.infer import infer_indicator_header
from jixiao.parse.learned import note_table_gap, set_aside_table_header
from jixiao.parse.levels import reconcile_levels
from jixiao.parse.record import Recorder
from jixiao.parse.segment import FormSection, segment_all
from jixiao.parse.totals import check_table_complete, infer_amount_unit, read_totals, report_orphan_rows

Pass = Callable[[FormSection, Form, Recorder], None]

PASSES: tuple[Pass, ...] = (
    set_aside_table_header,
    read_title,
    read_header,
    read_funds,
    read_goals,
    infer_indicator_header,
    read_indicators,
    reconcile_levels,
    note_table_gap,
    read_totals,
    infer_amount_unit,
    check_table_complete,
    report_orphan_rows,
    note_header_gap,
    note_coverage_gaps,
)


class ParseResult(BaseModel):
    forms: list[Form] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    gaps: list[Gap] = Field(default_factory=list)


def parse(layout: LayoutDocument, layouts: Mapping[str, LearnedLayout] | None = None) -> ParseResult:
    """Run every pass over every form found in the document (`layouts`: learned table layouts to apply)."""
    result = ParseResult()
    sections, others = segment_all(list(layout.rows()))
    for title in others:
        result.findings.append(Finding(code="SHEET_SKIPPED", severity="info", message=(
            f"第{title.page}页《{title.filled[0].text}》不是绩效自评表，未读取")))
    for index, section in enumerate(sections):
        form = Form(form_type="project")
        rec = Recorder(index, layouts)
        for step in PASSES:
            step(section, form, rec)
        form.provenance = rec.provenance
        result.forms.append(form)
        result.findings.extend(rec.findings)
        result.gaps.extend(rec.gaps)
    return result


__all__ = ["PASSES", "ParseResult", "parse"]
