"""Pass for the indicator table (绩效指标): header mapping, row alignment, repairs.

Repairs, each recorded in provenance: cells realigned by content (see `align`), merged
一级/二级指标 cells inherited from the rows above, a header word broken onto its own line
(`标	满意度指标`) joined back, `无` filler rows dropped, packed `指标1：… 指标2：…` cells kept
whole, the operator taken from 指标性质 or the target's prefix.
"""

from __future__ import annotations

import re

from jixiao.domain import vocabulary as vocab
from jixiao.gaps import Gap
from jixiao.layout import Cell, Row
from jixiao.models import Form, Indicator
from jixiao.parse.align import Column, Placement, align, positional
from jixiao.parse.record import Recorder
from jixiao.parse.resplit import data_tokens, fit_row, is_spaced, token_cells
from jixiao.parse.segment import FormSection
from jixiao.values import (
    is_date_like,
    parse_number,
    parse_operator_cell,
    quantity_value,
    split_operator,
    squash,
)

_NUMERIC_FIELDS = ("deviation_pct", "score_coef", "weight", "score", "review_score")
# '≥50平方公里', '3个百分点', '1500元/户', '(个)': a unit of up to four characters, or a rate such as 元/平方米
_UNIT_SUFFIX = re.compile(r"\d(?:\.\d+)?\s*[(（]?\s*([^\d\s()（）.,:：/]{1,4}(?:/[^\d\s()（）.,:：/]{1,4})?"
                          r"(?:（[^\d\s()（）]{1,2}）)?)\s*[)）]?\s*$")  # '台（套）', '万头（只）' too


CARRIED = "merged cell: carried down from the row above"  # provenance note of a level carried down


def _columns(header: Row) -> list[Column]:
    """The header's columns by meaning. Where each level prints its points (一级指标 | 分值 | 二级指标 | 分值 |
    三级指标 | 分值 | 得分), the indicator's 分值 is the one after its name; the others are the levels' points."""
    fields = [vocab.indicator_column(cell.text) for cell in header.filled]
    weights = [i for i, f in enumerate(fields) if f == "weight"]
    if len(weights) > 1:
        own = next((i for i in weights if i > 0 and fields[i - 1] == "name"), weights[-1])
        fields = [None if f == "weight" and i != own else f for i, f in enumerate(fields)]
    seen: set[str] = set()
    columns: list[Column] = []
    for cell, field in zip(header.filled, fields, strict=True):
        if field in seen:
            field = None
        if field:
            seen.add(field)
        columns.append(Column(index=cell.index, field=field))
    return columns


def _layout(fields: set[str | None]) -> str:
    if fields & {"deviation_pct", "score_coef", "operator"}:
        return "deviation"
    if "level1" in fields:
        return "three-level"
    return "flat"


class _Context:
    """What merged cells carry down the table: the current 一级/二级指标."""

    def __init__(self) -> None:
        self.level1: tuple[str, Row, Cell] | None = None
        self.level2: tuple[str, Row, Cell] | None = None

    def set_level1(self, text: str, row: Row, cell: Cell) -> None:
        self.level1 = (vocab.level_name(text), row, cell)
        self.level2 = None

    def set_level2(self, text: str, row: Row, cell: Cell) -> None:
        self.level2 = (vocab.level_name(text), row, cell)


def _is_filler(row: Row) -> bool:
    """A row that only says 无 (or —, /, ……, a bare '指标2：') beside its level names and block label: no
    indicator, however many columns the 无 is printed in (a merged cell repeated by a markdown export)."""
    rest = [c for c in row.filled if not (vocab.is_level1(c.text) or vocab.is_level2(c.text)
                                          or vocab.header_key(c.text) in vocab.BLOCK_LABELS)]
    return bool(rest) and all(vocab.is_placeholder(c.text) for c in rest)


def _is_fragment(row: Row) -> bool:
    filled = row.filled
    return (len(filled) <= 2 and all(len(c.text) <= 6 and parse_number(c.text) is None for c in filled)
            and not any(c.text in vocab.FILLER_WORDS for c in filled))


def _is_spaced_row(row: Row, columns: list[Column]) -> bool:
    """A data row whose cell borders were lost: few cells, many space-separated words, some of them
    numbers or fillers (a wrapped line of text has none)."""
    if len(columns) < 4 or not is_spaced(row):
        return False
    words = [w for c in row.filled for w in data_tokens(c.text)]
    return len(words) >= 4 and any(parse_number(w) is not None or w in vocab.FILLER_WORDS for w in words)


def _nearest_field(cell: Cell, columns: list[Column]) -> str | None:
    best = min(columns, key=lambda col: abs(col.index - cell.index))
    return best.field


def _join_fragment(row: Row, columns: list[Column], form: Form, ctx: _Context, rec: Recorder) -> bool:
    """Join a broken header word (`标	满意度指标`) back onto the indicator above. True if used."""
    if not form.indicators:
        return False
    i = len(form.indicators) - 1
    last = form.indicators[i]
    used = False
    for cell in row.filled:
        field = _nearest_field(cell, columns)
        if field not in ("level1", "level2"):
            continue
        current = getattr(last, field) or ""
        joined = current + squash(cell.text)
        is_term = vocab.is_level1 if field == "level1" else vocab.is_level2
        if is_term(joined) or (current and not is_term(current)):
            setattr(last, field, joined)
            rec.inferred(f"indicators[{i}].{field}", f"{current} + {cell.raw.strip()}", 0.85,
                         f"header word broken over two lines joined (line {row.line})", row)
            if field == "level1":
                ctx.set_level1(joined, row, cell)
            else:
                ctx.set_level2(joined, row, cell)
            used = True
        else:
            used = True  # a stray syllable of a label that is already whole (e.g. '标')
    return used


OCR_SIGN_CONFIDENCE = 0.8
_OCR_SIGN_NOTE = "read by OCR, which drops a leading ≥/≤ or reads it as >, <, 2, S: the sign and the number are unsure"


def _doubt(rec: Recorder, paths: tuple[str, ...]) -> None:
    """Lower what was recorded for `paths` to `OCR_SIGN_CONFIDENCE`, saying why."""
    for p in paths:
        if (prov := rec.provenance.get(p)) is not None and prov.confidence > OCR_SIGN_CONFIDENCE:
            rec.provenance[p] = prov.model_copy(update={"confidence": OCR_SIGN_CONFIDENCE, "note": _OCR_SIGN_NOTE})


def _operator(ind: Indicator, placed: dict[str, Placement], path: str, row: Row, rec: Recorder) -> None:
    op_place = placed.get("operator")
    if op_place is not None:
        op = parse_operator_cell(op_place.cell.text)
        if op:
            ind.operator = op  # type: ignore[assignment]
            rec.cell(f"{path}.operator", row, op_place.cell)
            if op_place.cell.origin == "ocr" and op in ("<", ">"):  # '≥' seen as '>' more often than '>' printed
                _doubt(rec, (f"{path}.operator",))
            return
    if ind.target is None:
        return
    symbol, _ = split_operator(ind.target)
    target_cell = placed["target"].cell
    if symbol:
        ind.operator = symbol
        rec.cell(f"{path}.operator", row, target_cell, 0.95, "operator taken from the target's prefix")
        if target_cell.origin == "ocr" and symbol in ("<", ">"):
            _doubt(rec, (f"{path}.operator", f"{path}.target", f"{path}.target_value"))
    elif not re.search(r"\d", ind.target) or is_date_like(ind.target):
        ind.operator = "定性"
        rec.cell(f"{path}.operator", row, target_cell, 0.8, "target states no quantity: qualitative")
    elif target_cell.origin == "ocr" and op_place is None:  # a quantity with no sign: one may have been lost
        _doubt(rec, (f"{path}.target", f"{path}.target_value"))


def _unit_from_target(ind: Indicator, placed: dict[str, Placement], path: str, row: Row, rec: Recorder) -> None:
    if ind.unit is not None or ind.target is None or ind.target_value is None:
        return
    match = _UNIT_SUFFIX.search(squash(ind.target))
    if match:
        ind.unit = match.group(1)
        rec.cell(f"{path}.unit", row, placed["target"].cell, 0.8, "unit taken from the target's suffix")


def _build(placed: dict[str, Placement], ctx: _Context, index: int, row: Row, rec: Recorder,
           uncertain: bool = False) -> Indicator:
    path = f"indicators[{index}]"

    moved = any(p.shifted for p in placed.values())  # a row that does not sit in its columns: no cell of it is sure

    def record(field: str, placement: Placement) -> None:
        note = None
        if placement.shifted:
            note = f"cell realigned by content (printed in column {placement.cell.index + 1})"
        elif moved:
            note = "another cell of this row was realigned by content"
        confidence = 0.85 if moved else 1.0
        if uncertain:
            confidence, note = 0.5, "row alignment uncertain: cells do not fit the table's columns"
        rec.cell(f"{path}.{field}", row, placement.cell, confidence, note)

    values: dict[str, object] = {"name": placed["name"].cell.text}
    record("name", placed["name"])
    for field, context in (("level1", ctx.level1), ("level2", ctx.level2)):
        if context is None:
            continue
        text, ctx_row, ctx_cell = context
        values[field] = text
        if ctx_row is row and field in placed:
            record(field, placed[field])
        else:
            rec.cell(f"{path}.{field}", ctx_row, ctx_cell, 1.0, CARRIED)
    for field in ("unit", "target", "actual", "explanation", "scoring_method"):
        if field in placed:
            values[field] = placed[field].cell.text
            record(field, placed[field])
    values["target_value"] = quantity_value(values.get("target"))  # type: ignore[arg-type]
    values["actual_value"] = quantity_value(values.get("actual"))  # type: ignore[arg-type]
    for text_field, value_field in (("target", "target_value"), ("actual", "actual_value")):
        source = rec.provenance.get(f"{path}.{text_field}")
        if values[value_field] is not None and source is not None and source.confidence < 1.0:
            rec.provenance[f"{path}.{value_field}"] = source.model_copy(
                update={"note": f"number read from the {text_field}; {source.note or 'as sure as its cell'}"})
    for field in _NUMERIC_FIELDS:
        if field in placed:
            values[field] = parse_number(placed[field].cell.text)
            record(field, placed[field])
    if "is_core" in placed:
        values["is_core"] = placed["is_core"].cell.text == "是"
        record("is_core", placed["is_core"])
    ind = Indicator.model_validate(values)  # one validation for the whole row
    _operator(ind, placed, path, row, rec)
    _unit_from_target(ind, placed, path, row, rec)
    return ind


_IGNORED_HEADERS = frozenset({"绩效指标", "序号", "指标", "项目", "年度绩效指标"})


def _report_unknown_columns(section: FormSection, columns: list[Column], rec: Recorder) -> None:
    """A header the rules cannot map is said out loud (its cells are not read), for a reviewer or the LLM layer."""
    header = section.indicator_header
    assert header is not None
    for column in columns:
        cell = header.cell_at(column.index)
        if column.field is not None or cell is None or vocab.header_key(cell.text) in _IGNORED_HEADERS:
            continue
        if vocab.indicator_column(cell.text) == "weight" and any(c.field == "weight" for c in columns):
            continue  # a level's own points (一级指标 | 分值 | …): the indicator's 分值 is read from its column
        holds_data = any((c := row.cell_at(column.index)) is not None and c.text for row in section.indicators)
        if holds_data:
            rec.finding("UNKNOWN_COLUMN", "warning", "indicators",
                        f"指标表第{column.index + 1}列表头“{cell.text}”无法识别，该列内容未读取", found=cell.text)


def _row_gap(rec: Recorder, row: Row, columns: list[Column], section: FormSection, index: int,
             insert: bool, reason: str) -> Gap:
    header = section.indicator_header
    assert header is not None
    names = [header.cell_at(c.index).text for c in columns if header.cell_at(c.index) is not None]  # type: ignore[union-attr]
    return Gap(kind="indicator_row", form=rec.form_index, indicator=index, insert=insert, columns=names,
               cells=list(row.filled), page=row.page, line=row.line, reason=reason)


def read_indicators(section: FormSection, form: Form, rec: Recorder) -> None:
    """Every non-filler row of the indicator table becomes an `Indicator`, in table order."""
    if section.indicator_header is None:
        return
    columns = _columns(section.indicator_header)
    form.layout = _layout({c.field for c in columns})
    _report_unknown_columns(section, columns, rec)
    ctx = _Context()
    for printed in section.indicators:
        spaced = _is_spaced_row(printed, columns)
        fitted = fit_row(printed, columns) if spaced else None
        row = fitted[0] if fitted else printed
        if _is_filler(row):
            for cell in row.filled:
                if vocab.is_level1(cell.text):
                    ctx.set_level1(cell.text, row, cell)
                elif vocab.is_level2(cell.text):
                    ctx.set_level2(cell.text, row, cell)
            continue
        if _is_fragment(row) and _join_fragment(row, columns, form, ctx, rec):
            continue
        if len(row.filled) == 1 and " " in row.filled[0].text and not spaced:  # '标 满意度指标', borders lost
            words = row.model_copy(update={"cells": tuple(token_cells(row))})
            if _is_fragment(words) and _join_fragment(words, columns, form, ctx, rec):
                continue
        exact = None
        if not fitted and all(c.ref is not None for c in row.filled):  # spreadsheet/Word: the file's grid places the cells
            exact = positional(row.filled, list(section.indicator_header.filled), columns, _IGNORED_HEADERS)
        alignment = fitted[1] if fitted else (exact or align(row.filled, columns))
        placed = {p.field: p for p in alignment.placements if p.field}
        if "level1" in placed and vocab.header_key(placed["level1"].cell.text) in vocab.BLOCK_LABELS:
            del placed["level1"]  # the block's label ('绩效指标'), printed where its merged cell's middle fell
        if "level1" in placed:
            ctx.set_level1(placed["level1"].cell.text, row, placed["level1"].cell)
        if "level2" in placed:
            ctx.set_level2(placed["level2"].cell.text, row, placed["level2"].cell)
        if "name" not in placed:
            rec.gap(_row_gap(rec, row, columns, section, len(form.indicators), insert=True,
                             reason="row not aligned to the table"))
            rec.finding("ROW_UNALIGNED", "warning", None,
                        f"第{row.line or '?'}行无法对应到指标表的列，未读取：{' | '.join(c.text for c in row.filled)}",
                        found=" | ".join(c.text for c in row.filled))
            continue
        index = len(form.indicators)
        indicator = _build(placed, ctx, index, row, rec, alignment.uncertain and not alignment.dropped)
        form.indicators.append(indicator)
        if alignment.suspicious:
            odd = "、".join(f"“{p.cell.text}”→{p.field}" for p in alignment.suspicious)
            rec.finding("ROW_ALIGNMENT_UNCERTAIN", "warning", f"indicators[{index}]",
                        f"第{row.line or '?'}行的单元格与表头各列不相符（{odd}），读取结果可能错位，请核对原表",
                        found=" | ".join(c.text for c in row.filled))
        if alignment.dropped or indicator.weight is None or indicator.score is None:
            rec.gap(_row_gap(rec, row, columns, section, index, insert=False,
                             reason="cells not placed" if alignment.dropped else "分值或得分缺失"))
        for cell in alignment.dropped:
            rec.finding("CELL_UNPLACED", "warning", f"indicators[{index}]",
                        f"第{row.line or '?'}行的内容“{cell.text}”无法对应到任何列，未读取", found=cell.text)
