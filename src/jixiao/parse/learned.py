"""Indicator tables whose header the rules cannot map (or that have none).

Such a table's rows are left as orphans by the segmenter and the header guesser. Two ways on:
a layout learned earlier (`jixiao.layouts`, by the header's signature) is applied here by the
rules, with 0 model calls; otherwise the table becomes one column-mapping gap for the LLM layer,
which answers a field per column, after which the rules read every row with that mapping
(`read_mapped`), so each value is still read from its own cell.
"""

from __future__ import annotations

from jixiao.domain import vocabulary as vocab
from jixiao.gaps import Gap, TableRead
from jixiao.layout import Cell, Row
from jixiao.layouts import LearnedLayout, signature
from jixiao.models import Form
from jixiao.parse.indicators import read_indicators
from jixiao.parse.record import Recorder
from jixiao.parse.segment import FormSection, has_header_label
from jixiao.values import parse_number

CANONICAL = {"level1": "一级指标", "level2": "二级指标", "name": "三级指标", "unit": "计量单位", "operator": "指标性质",
             "target": "年度指标值", "actual": "实际完成值", "weight": "分值", "score": "得分",
             "explanation": "偏差原因分析及改进措施", "scoring_method": "评分标准", "deviation_pct": "偏离度",
             "score_coef": "得分系数", "is_core": "是否核心指标", "review_score": "复核得分"}
NOT_READ = "序号"  # a header word the indicator pass ignores
LEARNED_CONFIDENCE = 0.95
_MAX_HEADER_CELL = 16


def _position(row: Row) -> tuple[int, int, float]:
    return row.page, row.line or 0, row.bbox[1] if row.bbox is not None else 0.0


def _looks_like_header(row: Row) -> bool:
    filled = row.filled
    return (len(filled) >= 3 and all(parse_number(c.text) is None and len(c.text) <= _MAX_HEADER_CELL for c in filled))


def header_candidate(section: FormSection) -> Row | None:
    """The header-like row printed right above the orphan rows (it landed among header/funds/goals rows)."""
    if not section.orphans:
        return None
    first = _position(section.orphans[0])
    rows = [r for r in (section.title, section.year_row, *section.header, section.funds_title, section.funds_header,
                        *section.funds, section.goals_header, *section.goals, *section.goal_rows, section.last_label)
            if r is not None and _position(r) < first]
    above = max(rows, key=_position, default=None)
    if above is None or not _looks_like_header(above) or has_header_label(above):
        return None
    return above


def header_texts(header: Row | None, rows: list[Row]) -> list[Cell]:
    """The header's cells, or one numbered cell per grid column of a table printed without a header."""
    if header is not None:
        return list(header.filled)
    width = max((c.index for row in rows for c in row.filled), default=-1) + 1
    return [Cell(text=f"第{i + 1}列", raw=f"第{i + 1}列", index=i) for i in range(width)]


def read_mapped(section: FormSection, form: Form, rec: Recorder, header: list[Cell], rows: list[Row],
                fields: list[str | None]) -> None:
    """Read `rows` with each header cell's column mapped to `fields` (the rules place and read every cell)."""
    cells = tuple(cell.model_copy(update={"text": CANONICAL[field] if field else NOT_READ})
                  for cell, field in zip(header, fields, strict=True))
    section.indicator_header = Row(cells=cells, page=rows[0].page if rows else 1, line=None)
    section.indicators = list(rows)
    section.orphans = []
    read_indicators(section, form, rec)


def read_table(gap: Gap, fields: list[str | None], form_type: str) -> TableRead:
    """A `columns` gap's rows read by the rules with one field per header cell (the LLM layer's table reader)."""
    rec = Recorder(gap.form)
    form = Form(form_type="department" if form_type == "department" else "project")
    read_mapped(FormSection(), form, rec, gap.cells, gap.rows, fields)
    return TableRead(indicators=form.indicators, layout=form.layout, provenance=rec.provenance, findings=rec.findings)


def set_aside_table_header(section: FormSection, form: Form, rec: Recorder) -> None:
    """Before any pass reads it as header, funds or goal text: the unmappable header row above orphan rows is
    set aside. When a table's layout was learned (layout memory), it is read with the stored mapping, 0 calls."""
    if section.indicator_header is not None:  # a header the rules read, some of its columns perhaps not
        cells = list(section.indicator_header.filled)
        learned = rec.layouts.get(signature([c.text for c in cells]))
        if learned is not None and len(learned.fields) == len(cells):
            known = [vocab.indicator_column(c.text) for c in cells]  # the rules' own fields stand
            fields = [k or (f if f not in known else None) for k, f in zip(known, learned.fields, strict=True)]
            _read_learned(section, form, rec, cells, section.indicators, fields, learned)
        return
    if not section.orphans or (header := header_candidate(section)) is None:
        return
    for rows in (section.header, section.funds, section.goals):
        if header in rows:
            rows.remove(header)
    section.unmapped_header = header
    cells = header_texts(header, section.orphans)
    learned = rec.layouts.get(signature([c.text for c in cells]))
    if learned is not None and len(learned.fields) == len(cells):
        _read_learned(section, form, rec, cells, section.orphans, list(learned.fields), learned)


def _read_learned(section: FormSection, form: Form, rec: Recorder, cells: list[Cell], rows: list[Row],
                  fields: list[str | None], learned: LearnedLayout) -> None:
    read_mapped(section, form, rec, cells, rows, fields)
    section.indicators = []  # read: the indicator pass that follows finds nothing left to read
    for path, prov in rec.provenance.items():
        if path.startswith("indicators"):
            rec.provenance[path] = prov.model_copy(update={
                "confidence": min(prov.confidence, LEARNED_CONFIDENCE),
                "note": f"column mapping of learned layout {learned.signature}" + (f"; {prov.note}" if prov.note else "")})
    rec.finding("LAYOUT_LEARNED", "info", "indicators",
                f"指标表表头“{' | '.join(c.text for c in cells)}”按已学习的版式{learned.signature}读取"
                f"（{learned.confirmed_by}），未调用模型", found=learned.signature)


def note_table_gap(section: FormSection, form: Form, rec: Recorder) -> None:
    """Table rows left unread, or columns of a read table the rules cannot map: one column-mapping gap for the
    whole table (the LLM layer then reads every row with the mapping; values the rules read stand)."""
    header_row = section.indicator_header
    if form.indicators and header_row is not None and header_row.line is not None and section.indicators and any(
            f.code == "UNKNOWN_COLUMN" for f in rec.findings):
        cells = list(header_row.filled)
        first = section.indicators[0]
        rec.gap(Gap(kind="columns", form=rec.form_index, columns=[c.text for c in cells], cells=cells,
                    rows=list(section.indicators), page=first.page, line=first.line, header_row=header_row,
                    signature=signature([c.text for c in cells]),
                    reason="indicator table with columns the rules cannot map"))
        return
    if form.indicators or not section.orphans:
        return
    header = section.unmapped_header
    cells = header_texts(header, section.orphans)
    first = section.orphans[0]
    rec.gap(Gap(kind="columns", form=rec.form_index, columns=[c.text for c in cells], cells=cells,
                rows=list(section.orphans), page=first.page, line=first.line,
                header_row=header, signature=signature([c.text for c in cells]) if header is not None else None,
                reason="indicator table whose header the rules cannot map" if header is not None
                else "indicator table printed without a header"))
