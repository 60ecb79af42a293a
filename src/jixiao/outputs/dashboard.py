"""The batch dashboard (index.html in the output folder): every form with its status, score, grade, error and
warning counts and the indicators short of target without 偏差原因, linked to its reports; static SVG charts of
the grade and score distribution and of the findings by code; filters (problems only, by department) in plain
inline JavaScript. Self-contained: nothing is fetched at view time, and form text is escaped (autoescape)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from pydantic import BaseModel

from jixiao.atomic import write_atomic
from jixiao.domain.codes import label
from jixiao.domain.format import fmt
from jixiao.outputs.overview import NOT_READ, SCORE_BANDS, Overview, overview, report_name, top_codes
from jixiao.outputs.schema import SEVERITY_NAMES
from jixiao.outputs.summary import FormSummary
from jixiao.templating import render

DASHBOARD_FILE = "index.html"
BAR_WIDTH = 260.0  # px of the longest bar


class Bar(BaseModel):
    name: str
    count: int
    width: float
    title: str = ""
    tone: str = "plain"


class Row(BaseModel):
    """One form as the dashboard lists it."""

    summary: FormSummary
    html: str | None = None
    docx: str | None = None
    review: str | None = None
    problems: bool = False


def _bars(items: list[tuple[str, int, str, str]]) -> list[Bar]:
    top = max([n for _, n, _, _ in items] + [1])
    return [Bar(name=name, count=n, width=round(BAR_WIDTH * n / top, 1), title=title, tone=tone)
            for name, n, title, tone in items]


def _row(summary: FormSummary, out_dir: Path, review_base: str | None) -> Row:
    html, docx = f"{summary.stem}.html", report_name(summary.stem, summary.index, summary.forms_in_document)
    return Row(summary=summary, html=quote(html) if (out_dir / html).is_file() else None,
               docx=quote(docx) if (out_dir / docx).is_file() else None,
               review=f"{review_base}{quote(summary.stem)}#form-{summary.index}" if review_base is not None else None,
               problems=bool(summary.errors or summary.warnings or summary.short))


def dashboard_html(summaries: Iterable[FormSummary], out_dir: Path, review_base: str | None = None) -> str:
    """The page over the summaries (consumed once); `review_base`: the review server's form URL prefix, when served."""
    view: Overview = overview(summaries)
    grades = _bars([(g, n, f"{g}：{n}张表", "plain") for g, n in sorted(view.grades.items())])
    bands = _bars([(name, view.bands.get(name, 0), f"自评总分 {name}：{view.bands.get(name, 0)}张表", "plain")
                   for name in [*(n for n, _ in SCORE_BANDS), NOT_READ]])
    codes = _bars([(label(code), n, f"{code}：{n}张表", view.severity.get(code, "warning"))
                   for code, n in top_codes(view, limit=15)])
    scores = [r.total_score for r in view.rows if r.total_score is not None]
    return render("outputs", "dashboard.html.j2", view=view, rows=[_row(r, out_dir, review_base) for r in view.rows],
                  grades=grades, bands=bands, codes=codes, bar_width=BAR_WIDTH,
                  average=fmt(sum(scores) / len(scores)) if scores else "—", severity_names=SEVERITY_NAMES,
                  label=label, fmt=fmt)


def write_dashboard(summaries: Iterable[FormSummary], out_dir: Path) -> Path:
    target = out_dir / DASHBOARD_FILE
    write_atomic(target, dashboard_html(summaries, out_dir))
    return target
