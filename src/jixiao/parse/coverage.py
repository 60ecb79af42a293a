"""What a form must have, and the gaps that ask the LLM layer for what the rules did not read.

A form is held against: title/year, 项目名称, 主管部门, funds, 执行率 with 分值/得分, indicators with
target/actual/分值/得分, and the total. Missing parts whose rows the form holds become narrow gaps:
the header block (`header`), the funds block (`funds`), the 总分 row (`total`); the indicator table is asked about row by
row (`indicator_row`, parse.indicators) or as a whole (`columns`, parse.learned).
"""

from __future__ import annotations

from jixiao.domain import vocabulary as vocab
from jixiao.gaps import Gap
from jixiao.layout import Cell, Row
from jixiao.models import FLAG_CONFIDENCE, Form
from jixiao.parse.record import Recorder
from jixiao.parse.resplit import token_cells
from jixiao.parse.segment import FormSection
from jixiao.values import parse_number


def _unsure(form: Form, path: str) -> bool:
    prov = form.provenance.get(path)
    return prov is not None and prov.confidence < FLAG_CONFIDENCE


def missing_parts(form: Form) -> list[str]:
    """The parts of a complete form this one lacks (or holds below the flag threshold)."""
    missing = []
    if form.title is None and form.year is None:
        missing.append("title/year")
    for field in ("project_name", "department"):
        if getattr(form, field) is None or _unsure(form, field):
            missing.append(field)
    total = next((f for f in form.funds if f.kind == "total"), form.funds[0] if form.funds else None)
    if total is None or total.adjusted_budget is None or total.executed is None:
        missing.append("funds")
    be = form.budget_execution
    if be.rate is None or (be.weight is None) != (be.score is None):
        missing.append("execution")
    if not form.indicators:
        missing.append("indicators")
    elif any(i.target is None or i.actual is None or i.weight is None or i.score is None for i in form.indicators):
        missing.append("indicator values")
    if form.total_score is None:
        missing.append("total")
    return missing


def _words(rows: list[Row]) -> list[Cell]:
    """The rows' cells, each split at its spaces (a row whose cell borders were lost reads as one spaced cell)."""
    return [c.model_copy(update={"text": part, "raw": part})
            for row in rows for c in row.filled for part in c.text.split(" ") if part]


def _fund_rows(section: FormSection) -> list[Row]:
    """The funds block: its header and rows, or (header lost) the header-block rows that hold a fund label and amounts."""
    if section.funds_header is not None:
        return [r for r in (section.funds_title, section.funds_header, *section.funds) if r is not None]
    return [row for row in section.header
            if any(vocab.fund_kind(c.text) is not None for c in _words([row])[:2])
            and sum(parse_number(c.text) is not None for c in _words([row])) >= 2]


def _labelled(rows: list[Row], field: str, word: str) -> bool:
    """Some cell of `rows` labels `field` (a form that prints no 主管部门 is not asked for one)."""
    labels = [w.split("：")[0].split(":")[0] for r in rows for c in r.filled for w in c.text.split(" ")[:6]]
    return any(len(label) <= 16 and (vocab.header_field(label) == field or word in label) for label in labels)


def _prints_rate(section: FormSection) -> bool:
    """The funds table has a 执行率 column (a form that prints none is not asked for one)."""
    header = section.funds_header
    return header is None or any(vocab.fund_column(c.text) == "rate" for c in header.filled)


def note_coverage_gaps(section: FormSection, form: Form, rec: Recorder) -> None:
    """Header and funds parts the rules left empty, handed to the LLM layer when the form holds their rows."""
    missing = set(missing_parts(form))
    if not _labelled(section.header, "department", "部门"):
        missing.discard("department")
    if not _prints_rate(section):
        missing.discard("execution")
    asked = {g.kind for g in rec.gaps}
    if {"project_name", "department"} & missing and section.header and "header" not in asked:
        cells = _words(section.header)
        first = section.header[0]
        rec.gap(Gap(kind="header", form=rec.form_index, cells=cells, page=first.page, line=first.line,
                    reason="表头缺少：" + "、".join(m for m in ("project_name", "department") if m in missing)))
    if {"funds", "execution"} & missing:
        rows = _fund_rows(section)
        if rows and any(parse_number(c.text) is not None for c in _words(rows)):
            block = _words(rows)
            heads = [c.text for row in section.header for c in row.filled  # a header row glued into one cell
                     if "预算" in c.text and "执行" in c.text and parse_number(c.text) is None]
            rec.gap(Gap(kind="funds", form=rec.form_index, cells=block, columns=heads[:1], page=rows[0].page,
                        line=rows[0].line,
                        reason="资金情况未能按规则读取：" + "、".join(m for m in ("funds", "execution") if m in missing)))
    if "total" in missing:
        rows = _total_rows(section)
        cells = [c for row in rows for c in token_cells(row, unglue=True)]
        if cells and any(parse_number(c.text) is not None for c in cells):
            cells = [c.model_copy(update={"index": i}) for i, c in enumerate(cells)]
            rec.gap(Gap(kind="total", form=rec.form_index, cells=cells, page=rows[0].page, line=rows[0].line,
                        reason="总分未能按规则读取"))


def _total_rows(section: FormSection) -> list[Row]:
    """The rows at the foot of the indicator table (or of what the rules took for goals) that print a 总分/合计
    label, glued to the numbers or not."""
    candidates = [*section.totals, *section.orphans, *section.indicators[-3:], *section.goals[-2:]]
    rows: list[Row] = []
    for row in candidates:
        if all(row is not r for r in rows) and any(
                vocab.header_key(c.text) in vocab.TOTAL_LABELS for c in token_cells(row, unglue=True)):
            rows.append(row)
    return rows
