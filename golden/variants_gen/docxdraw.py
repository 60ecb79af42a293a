"""A variant form as a unit types it in Word: the `Sheet` written as a real .docx document.

The title and the year are paragraphs; the header pairs are paragraphs (`项目名称：…`) or rows of the
table; the table is one table or split into two or three (header / funds / goals and indicators),
each split table with only the grid columns it uses; merged cells are `gridSpan` and `vMerge`; a
wrapped label is sometimes two paragraphs in its cell; a 填表说明 paragraph may follow the table.
"""

from __future__ import annotations

import io
import itertools
import random
from dataclasses import replace

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.table import Table

from variants_gen.ooxmlzip import stable_zip
from variants_gen.table import Cell, Sheet
from variants_gen.xlsxdraw import NOTES, wrapped


def text_run(text: str) -> object:
    """A <w:r> holding `text`, spaces kept."""
    r = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = text
    t.set(qn("xml:space"), "preserve")
    r.append(t)
    return r


def _fill(table: Table, cells: list[Cell], first: int, nrows: int, grid: list[int], split_lines: bool,
          rng: random.Random, short_rows: bool = False) -> None:
    """Rows first..first+nrows of `cells` into `table` (grid: sheet column boundaries kept as grid lines)."""
    col_of = {b: k for k, b in enumerate(grid)}
    ncols = len(grid) - 1
    starts: dict[tuple[int, int], Cell] = {}
    below: dict[tuple[int, int], int] = {}  # (row, grid col) under a row-spanning cell → its grid span
    for cell in cells:
        r, c = cell.row - first, col_of[cell.col]
        span = col_of[cell.col + cell.colspan] - c
        starts[(r, c)] = cell
        for k in range(1, cell.rowspan):
            below[(r + k, c)] = span
    for r in range(nrows):
        tr = table.rows[r]._tr
        for tc in list(tr.tc_lst):
            tr.remove(tc)
        c = 0
        ends = ncols
        if short_rows:  # trailing empty cells deleted in Word ("右侧单元格左移"): the row ends early, w:gridAfter
            while ends > 1 and (r, ends - 1) not in starts and (r, ends - 1) not in below and not any(
                    (r, k) in starts and k + col_of[starts[(r, k)].col + starts[(r, k)].colspan]
                    - col_of[starts[(r, k)].col] > ends - 1 for k in range(ends - 1)):
                ends -= 1
            if ends < ncols:
                after = OxmlElement("w:gridAfter")
                after.set(qn("w:val"), str(ncols - ends))
                tr.get_or_add_trPr().append(after)
        while c < ends:
            text, vmerge, span = "", None, 1
            if (r, c) in starts:
                cell = starts[(r, c)]
                span = col_of[cell.col + cell.colspan] - c
                text, vmerge = cell.text, "restart" if cell.rowspan > 1 else None
                if cell.head and split_lines and rng.random() < 0.4:
                    text = wrapped(text, rng, at_paren=True)
            elif (r, c) in below:
                span, vmerge = below[(r, c)], "continue"
            tc = tr.add_tc()
            if span > 1:
                tc.grid_span = span
            if vmerge is not None:
                merge = OxmlElement("w:vMerge")
                if vmerge == "restart":
                    merge.set(qn("w:val"), "restart")
                tc.get_or_add_tcPr().append(merge)
            if "\n" in text and rng.random() < 0.5:  # a line break (Shift+Enter) inside one paragraph
                p = OxmlElement("w:p")
                for k, line in enumerate(text.split("\n")):
                    if k:
                        br = OxmlElement("w:r")
                        br.append(OxmlElement("w:br"))
                        p.append(br)
                    p.append(text_run(line))
                tc.append(p)
            else:  # or one paragraph per line (Enter)
                for line in text.split("\n") if text else [""]:
                    p = OxmlElement("w:p")
                    if line:
                        p.append(text_run(line))
                    tc.append(p)
            c += span


def _is_pairs(cells: list[Cell]) -> bool:
    """A header row of label, value, label, value … cells."""
    ordered = sorted(cells, key=lambda c: c.col)
    return len(ordered) % 2 == 0 and all(c.head == (k % 2 == 0) for k, c in enumerate(ordered))


def _paragraph(document: docx.document.Document, text: str, center: bool = False, size: int | None = None,
               bold: bool = False) -> None:
    p = document.add_paragraph()
    run = p.add_run(text)
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER


def to_docx(sheet: Sheet, rng: random.Random) -> bytes:
    """The form as a Word document: bytes of a real .docx (the same bytes for the same rng)."""
    document = docx.Document()
    document.styles["Normal"].font.size = Pt(10.5)
    fonts = document.styles["Normal"].element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), rng.choice(["宋体", "仿宋_GB2312"]))
    pasted = rng.random() < 0.2
    if pasted:  # the range copied out of Excel and pasted: title and year lines are merged rows of the table
        sheet = _with_lines_in_table(sheet)
    for k, line in enumerate(sheet.above):
        _paragraph(document, line, center=k == 0 or rng.random() < 0.5, size=16 if k == 0 else None, bold=k == 0)
    marks = sheet.marks
    rows: dict[int, list[Cell]] = {}
    for cell in sheet.cells:
        rows.setdefault(cell.row, []).append(cell)
    start = marks.get("top", marks["header"])
    header_rows = [rows.get(r, []) for r in range(marks["header"], marks["funds"])]
    if not pasted and header_rows and all(_is_pairs(cells) for cells in header_rows) and rng.random() < 0.45:
        gap = rng.choice(["    ", "\t", "　　"])
        pad = rng.choice(["", "", "　　"])  # a value typed into a blank of full-width spaces
        for cells in header_rows:
            ordered = sorted(cells, key=lambda c: c.col)
            _paragraph(document, gap.join(f"{a.text}：{pad}{b.text}{pad}" for a, b in zip(ordered[::2], ordered[1::2],
                                                                                          strict=True)))
        start = marks["funds"]
    cuts = {1: [], 2: [marks["goals"]], 3: [marks["funds"], marks["goals"]]}[rng.choice([1, 1, 2, 3])]
    bounds = sorted({start, *[c for c in cuts if start < c < sheet.rows], sheet.rows})
    sections = _joined(list(itertools.pairwise(bounds)), sheet.cells)
    split_lines = rng.random() < 0.3
    short_rows = rng.random() < 0.25
    for n, (a, b) in enumerate(sections):
        cells = [c for c in sheet.cells if a <= c.row < b]
        if len(sections) == 1:
            grid = list(range(sheet.ncols + 1))
        else:
            grid = sorted({c.col for c in cells} | {c.col + c.colspan for c in cells} | {0, sheet.ncols})
        table = document.add_table(rows=b - a, cols=len(grid) - 1)
        table.style = "Table Grid"
        _fill(table, cells, a, b - a, grid, split_lines, rng, short_rows)
        if n < len(sections) - 1 and rng.random() < 0.5:
            document.add_paragraph("")
    for line in sheet.below:
        _paragraph(document, line)
    if rng.random() < 0.6:
        _paragraph(document, rng.choice(NOTES))
    document.core_properties.author = rng.choice(["Administrator", "user", "办公室"])
    buffer = io.BytesIO()
    document.save(buffer)
    return stable_zip(buffer.getvalue())


def _with_lines_in_table(sheet: Sheet) -> Sheet:
    """The sheet with the lines above its table as the table's first rows, each merged across."""
    k = len(sheet.above)
    lines = [Cell(i, 0, text, colspan=sheet.ncols, head=i == 0) for i, text in enumerate(sheet.above)]
    moved = [replace(c, row=c.row + k) for c in sheet.cells]
    return Sheet(widths=sheet.widths, cells=lines + moved, below=sheet.below, rows=sheet.rows + k,
                 breaks=[b + k for b in sheet.breaks], marks={"top": 0, **{m: v + k for m, v in sheet.marks.items()}})


def _joined(sections: list[tuple[int, int]], cells: list[Cell]) -> list[tuple[int, int]]:
    """Sections with no merged cell crossing a cut (a cut inside a row span is dropped)."""
    out = list(sections)
    for cell in cells:
        end = cell.row + cell.rowspan
        k = 0
        while k < len(out) - 1:
            cut = out[k][1]
            if cell.row < cut < end:
                out[k:k + 2] = [(out[k][0], out[k + 1][1])]
            else:
                k += 1
    return out
