"""OCR misreads repaired from what the form must say: signs in a column of signs, digit artefacts in numbers,
header words one edit off in a row of header words, a '；' read as '：' before the next item of a list.

Works on the blocks of one scanned page after the cell grid is rebuilt. A repaired cell never gains confidence:
a guessed sign drops below the review floor; a header word keeps the OCR's own (low) score."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from jixiao.domain import vocabulary as vocab
from jixiao.layout import Block, Cell, Row
from jixiao.values import normalise_ocr_numeric, squash

SIGN_LOOKALIKES = frozenset({">", "<", "≥", "≤", "=", "2", "Z", "z", "M", "国", "三", "二", "S", "s", "一"})


def repaired(blocks: list[Block]) -> list[Block]:
    """All repairs, in order: numbers, then the sign columns (which read the repaired numbers), then words."""
    return _each_row(_repair_sign_columns(_each_row(blocks, _normalise_numbers)), _header_words, _list_separators)


def _each_row(blocks: list[Block], *repairs: Callable[[Row], Row]) -> list[Block]:
    """The blocks with every row passed through `repairs` in turn."""
    out: list[Block] = []
    for block in blocks:
        rows = []
        for row in block.rows:
            for repair in repairs:
                row = repair(row)
            rows.append(row)
        out.append(Block(kind=block.kind, rows=rows))
    return out


_SIGNS = ("≥", "≤", "=", ">", "<")
_SIGN_READS = {"2": "≥", "Z": "≥", "z": "≥"}  # what a misread sign usually was


def _repair_sign_columns(blocks: list[Block]) -> list[Block]:
    """In a column of comparison signs (指标性质), a cell OCR read as '2', 'Z' … is that column's usual sign.

    The repaired cell gets confidence ≤ 0.6: the reviewer sees it as unsure."""
    out: list[Block] = []
    for block in blocks:
        columns: dict[int, list[str]] = {}
        for row in block.rows:
            for cell in row.cells:
                if cell.text:
                    columns.setdefault(cell.index, []).append(cell.text)
        usual: dict[int, str] = {}
        for index, texts in columns.items():
            signs = [t for t in texts if t in _SIGNS]
            lookalikes = [t for t in texts if t in SIGN_LOOKALIKES]
            if signs and len(texts) >= 3 and len(lookalikes) >= 0.7 * len(texts):
                usual[index] = max(set(signs), key=signs.count)
        rows = []
        for row in block.rows:
            cells = tuple(
                cell.model_copy(update={"text": _SIGN_READS.get(cell.text, usual[cell.index]),
                                        "confidence": min(cell.confidence, 0.6)})
                if cell.index in usual and cell.text in SIGN_LOOKALIKES and cell.text not in _SIGNS else cell
                for cell in row.cells)
            rows.append(row.model_copy(update={"cells": cells}))
        out.append(Block(kind=block.kind, rows=rows))
    return out


def _normalise_numbers(row: Row) -> Row:
    """OCR digit artefacts ('≥2 0 0', full-width digits, O/l for 0/1) repaired in numeric cells only."""
    cells: list[Cell] = []
    for cell in row.cells:
        fixed = normalise_ocr_numeric(cell.text) if cell.text else cell.text
        cells.append(cell if fixed == cell.text else cell.model_copy(update={"text": fixed}))
    return Row(cells=tuple(cells), page=row.page, bbox=row.bbox)


_HEADER_WORDS = frozenset(vocab.HEADER_WORDS)


@lru_cache(maxsize=4096)
def header_word(text: str, unsure: bool) -> str | None:
    """The one header word `text` is one edit away from (全年热行数 → 全年执行数, 全年算数 → 全年预算数, a stray
    '<' before 分值 dropped), or None (no word, or several). A two-character word only where the OCR was very
    unsure of it (公值 → 分值): two characters leave little to compare."""
    key = squash(text).strip("<>≥≤=|:：;；,，.。'\"“”")
    if _meaningful(key):  # a header of its own (完成率, 年初预算): not a misread of another
        return key if key != squash(text) else None
    if len(key) < 2 or (len(key) == 2 and not unsure):
        return None
    near = {w for w in _HEADER_WORDS if _one_edit(key, w) and (len(w) >= 3 or len(key) == len(w))}
    return near.pop() if len(near) == 1 else None


def _meaningful(key: str) -> bool:
    return key in _HEADER_WORDS or any(read(key) is not None for read in (
        vocab.indicator_column, vocab.fund_column, vocab.goal_column, vocab.header_field))


_SUFFIXES = frozenset("值率数分额度")  # a header's last character that carries its meaning: 完成率 is not 完成值


def _one_edit(a: str, b: str) -> bool:
    """One character replaced (but not one meaningful last character by another), missing or extra."""
    if len(a) == len(b):
        return (sum(x != y for x, y in zip(a, b, strict=True)) == 1
                and (a[-1] == b[-1] or not {a[-1], b[-1]} <= _SUFFIXES))
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return len(long) - len(short) == 1 and any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def is_header_word(text: str) -> bool:
    return squash(text) in _HEADER_WORDS


def header_row(row: Row) -> bool:
    """At least two of the row's cells are header words as printed."""
    return sum(is_header_word(c.text) for c in row.cells if c.text) >= 2


def _header_words(row: Row) -> Row:
    """In a row where at least two cells are header words, an unsure cell one edit off a header word is that word:
    an OCR misread of 执行 as 热行 otherwise loses the whole column."""
    if not header_row(row):
        return row
    return row.model_copy(update={"cells": tuple(
        cell.model_copy(update={"text": word})
        if cell.text and cell.confidence < 0.9 and (word := header_word(cell.text, cell.confidence < 0.6)) else cell
        for cell in row.cells)})


# a colon in front of the second or a later item of a list ('…工作：目标2：…', '…完成：2.…', '…：（3）…', '…：二是…')
# is a misread semicolon; a colon in front of the first item ('目标：1.…') is the text's own
_ITEM = (r"(?:(?:目标|指标|任务)?(?:[2-9]|[1-9]\d)[、.．:：)）](?!\d)"
         r"|[（(](?:[2-9]|[二三四五六七八九十])[)）]|[二三四五六七八九十]是)")
_COLON_BEFORE_ITEM = re.compile(r"(?<=[\u4e00-\u9fff0-9%）)])[：:](?=" + _ITEM + ")")


def _list_separators(row: Row) -> Row:
    """'；' read as '：' between the items of a long text (goals, explanations)."""
    if not any(len(c.text) >= 12 and _COLON_BEFORE_ITEM.search(c.text) for c in row.cells):
        return row
    return row.model_copy(update={"cells": tuple(
        cell.model_copy(update={"text": _COLON_BEFORE_ITEM.sub("；", cell.text)}) if len(cell.text) >= 12 else cell
        for cell in row.cells)})
