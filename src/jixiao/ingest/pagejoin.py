"""A table that goes on across a page break is read as one: its columns keep the numbers of the page before, and
a row the break cut in two is joined again.

Word and WPS let a table row break across pages (their default), so a PDF exported from a Word form, or a scan
of its printout, ends page N with the first lines of a row and starts page N+1 with the rest of the same cells
(`基础社会治理能力提` / `升情况`) while the row's short cells (分值, 得分) sit whole on page N. Read page by page,
that is two rows: a cut name, and a fragment row that looks like an indicator of its own.

The join needs the table to go on with the same column borders, and the first row of the next page to be a
fragment: each of its filled cells continues a filled cell of the row above the break, at least one filled
cell of that row ends there, nothing goes on under a 无 (a filler is never cut), and a bare number continues only a
code or a figure the page cut (a new row's 分值 sits under the last row's 分值, or under its 无).
Joined cells are flagged (confidence ≤ 0.85) and the join is noted: the reviewer can see the page break.

The next page's grid is drawn from its own rows, so it numbers its columns afresh (the page before had more
columns, from its funds rows): each of its columns that starts at one of the earlier table's borders takes that
column's number, so an indicator row there lines up with the header on the page before.
"""

from __future__ import annotations

import itertools
import re

from jixiao.domain import vocabulary as vocab
from jixiao.ingest.grid import join_lines
from jixiao.layout import Block, Cell, IngestNote, Page, Row
from jixiao.values import clean_text

JOINED_CONFIDENCE = 0.85
_BARE_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?%?")


def _last_table(page: Page) -> Block | None:
    """The page's last table, when nothing but short free lines (a page number, a footer) comes after it."""
    for block in reversed(page.blocks):
        if block.kind == "table":
            return block if block.rows else None
        if any(len(cell.text) > 12 for row in block.rows for cell in row.cells):
            return None
    return None


def _first_table(page: Page) -> Block | None:
    """The page's first block when it is a table (a title or any line above it starts something new)."""
    return page.blocks[0] if page.blocks and page.blocks[0].kind == "table" and page.blocks[0].rows else None


def _bare_number(cell: Cell) -> bool:
    return _BARE_NUMBER.fullmatch(cell.text.replace(" ", "")) is not None


def _same_column(a: Cell, b: Cell, tol: float) -> bool:
    return a.bbox is not None and b.bbox is not None and abs(a.bbox[0] - b.bbox[0]) <= tol \
        and abs(a.bbox[2] - b.bbox[2]) <= tol


def _continued(above: Row, below: Row) -> dict[int, Cell] | None:
    """The filled cells of `above` (by id) that `below` continues, each with its rest; None when `below` is no
    fragment of `above`."""
    width = max((c.bbox[2] for c in above.cells if c.bbox), default=0.0) - \
        min((c.bbox[0] for c in above.cells if c.bbox), default=0.0)
    tol = max(3.0, 0.01 * width)
    filled_above = [c for c in above.cells if c.text and c.bbox]
    filled_below = [c for c in below.cells if c.text]
    if not filled_below or len(filled_above) <= len(filled_below):
        return None
    if any(vocab.NOTE_START.match(c.text) for c in filled_below):
        return None  # a remark under the table ('注：…') starts the next page, not the rest of a row
    continued: dict[int, Cell] = {}
    for cell in filled_below:
        match = next((c for c in filled_above if _same_column(c, cell, tol)), None)
        # a number goes on only where the page cut a code or a figure ('50010322T' / '000000148601'); under
        # anything else it is a new row's 分值
        if match is None or match.text in vocab.FILLER_WORDS or (_bare_number(cell) and (
                _bare_number(match) or not match.text[-1:].isascii() or not match.text[-1:].isalnum())):
            return None  # a 无 is never cut
        continued[id(match)] = cell
    return continued


def _joined(cell: Cell, rest: Cell) -> Cell:
    text = join_lines([cell.raw, rest.raw])
    return cell.model_copy(update={"text": clean_text(text), "raw": text,
                                   "confidence": min(cell.confidence, rest.confidence, JOINED_CONFIDENCE)})


def _starts(block: Block) -> dict[int, float]:
    """Grid column → the x of its left border, from the block's cells."""
    return {c.index: c.bbox[0] for row in block.rows for c in row.cells if c.bbox is not None}


def _renumbered(top: Block, bottom: Block) -> Block:
    """`bottom` with the column numbers of `top` when each of its columns starts at one of `top`'s borders (a
    table going on: the next page's grid is drawn from its own rows and numbers its columns afresh); else as is."""
    above, below = _starts(top), _starts(bottom)
    width = max(above.values(), default=0.0) - min(above.values(), default=0.0)
    tol = max(3.0, 0.01 * width)
    mapping: dict[int, int] = {}
    for index, x in below.items():
        match = min(above, key=lambda i: abs(above[i] - x), default=None)
        if match is None or abs(above[match] - x) > tol:
            return bottom
        mapping[index] = match
    if all(a == b for a, b in mapping.items()) or any(c.index not in mapping for r in bottom.rows for c in r.cells):
        return bottom

    def cell(c: Cell) -> Cell:
        span = c.span if c.bbox is None else max(1, sum(1 for x in above.values() if c.bbox[0] - tol <= x < c.bbox[2] - tol))
        return c.model_copy(update={"index": mapping[c.index], "span": span})

    return bottom.model_copy(update={"rows": [r.model_copy(update={"cells": tuple(cell(c) for c in r.cells)})
                                              for r in bottom.rows]})


def join_split_rows(pages: list[Page], notes: list[IngestNote]) -> list[Page]:
    """The pages with a table going on from the page before numbered as on that page, and each row cut by a page
    break joined into the row above the break (on the earlier page)."""
    for before, after in itertools.pairwise(pages):
        top, bottom = _last_table(before), _first_table(after)
        if top is None or bottom is None:
            continue
        bottom = after.blocks[0] = _renumbered(top, bottom)
        continued = _continued(top.rows[-1], bottom.rows[0])
        if continued is None:
            continue
        cells = tuple(_joined(c, continued[id(c)]) if id(c) in continued else c for c in top.rows[-1].cells)
        top.rows[-1] = top.rows[-1].model_copy(update={"cells": cells})
        del bottom.rows[0]
        if not bottom.rows:
            after.blocks.remove(bottom)
        notes.append(IngestNote(code="ROW_JOINED_ACROSS_PAGES", severity="info", page=after.number,
                                message=f"第{after.number}页首行是第{before.number}页末行被分页截断的续行，已合并；"
                                        "合并的单元格请核对"))
    return pages
