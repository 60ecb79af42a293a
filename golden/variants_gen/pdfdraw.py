"""Draw a `Sheet` as a ruled-table digital PDF in one of several visual styles, and scan it.

  plain    the national 附件1 look: centred title, its own （2023年度） line, 9 pt, 0.6 pt rules drawn
           as separate line segments (as Word exports them), real merged cells (一级/二级指标,
           项目资金（万元） over its header and value rows), text centred vertically, landscape A4
  compact  a dense export: 7 pt, hairline 0.3 pt rules as one rectangle per cell, little padding,
           digits and Latin in Helvetica beside the CJK font, text at the top of merged cells, portrait A4
  boxed    a heavy office style (Excel/WPS export): 8.5 pt, borders as thin filled rectangles, a 1.2 pt
           outer frame, shaded label cells, wide padding, centred text, landscape A4

Scans reuse golden/make_inputs.py: the same scanner model (dpi, skew, blur, noise, JPEG, one page
turned) and the same red seal.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import make_inputs
import pymupdf

from variants_gen.table import Cell, Sheet

CJK = pymupdf.Font("china-s")
LATIN = pymupdf.Font("helv")


@dataclass(frozen=True)
class Style:
    size: float
    line: float
    outer: float
    pad: float
    page: tuple[float, float]
    mixed_fonts: bool
    shade: bool
    valign: str  # middle, top
    title_size: float
    rules: str  # rects (one stroked rectangle per cell), segments (deduplicated edges, as Word exports),
    # fills (each edge a thin filled rectangle, as Excel/WPS export borders)


STYLES = {
    "plain": Style(9.0, 0.6, 0.6, 3.0, (842.0, 595.0), False, False, "middle", 16.0, "segments"),
    "compact": Style(7.0, 0.3, 0.3, 1.5, (595.0, 842.0), True, False, "top", 13.0, "rects"),
    "boxed": Style(8.5, 0.5, 1.2, 4.0, (842.0, 595.0), False, True, "middle", 15.0, "fills"),
}
MARGIN = 30.0


def _runs(text: str, mixed: bool) -> list[tuple[str, bool]]:
    """Pieces of `text` and whether each is drawn in the Latin font."""
    if not mixed:
        return [(text, False)]
    runs: list[tuple[str, bool]] = []
    for ch in text:
        latin = ch.isascii() and ch != " "
        if runs and runs[-1][1] == latin:
            runs[-1] = (runs[-1][0] + ch, latin)
        else:
            runs.append((ch, latin))
    return runs


_ADVANCE: dict[tuple[bool, str], float] = {}


def _advance(ch: str, latin: bool) -> float:
    """Width of one character at 1 pt (cached: PyMuPDF's text_length is slow for the CJK font)."""
    key = (latin, ch)
    if key not in _ADVANCE:
        _ADVANCE[key] = (LATIN if latin else CJK).text_length(ch, 1.0)
    return _ADVANCE[key]


def _width(text: str, size: float, latin: bool) -> float:
    return sum(_advance(ch, latin) for ch in text) * size


def _length(text: str, style: Style) -> float:
    return sum(_width(t, style.size, latin) for t, latin in _runs(text, style.mixed_fonts))


def wrap(text: str, width: float, style: Style) -> list[str]:
    """Lines that fit `width`, never breaking inside a number or Latin word when avoidable."""
    lines: list[str] = []
    for para in text.split("\n"):
        rest = para.strip()
        while rest:
            if _length(rest, style) <= width:
                lines.append(rest)
                break
            cut = 1
            while cut < len(rest) and _length(rest[:cut + 1], style) <= width:
                cut += 1
            k = cut
            while k > 1 and rest[k - 1].isascii() and rest[k - 1].isalnum() and rest[k].isascii() and rest[k].isalnum():
                k -= 1
            k = k if k > 1 else cut
            lines.append(rest[:k].rstrip())
            rest = rest[k:].lstrip()
    return lines


def _heights(sheet: Sheet, xs: list[float], style: Style) -> list[float]:
    line_h = style.size * 1.3
    heights = [line_h + 2 * style.pad] * sheet.rows
    for cell in sheet.cells:
        if cell.rowspan == 1:
            need = len(wrap(cell.text, xs[cell.col + cell.colspan] - xs[cell.col] - 2 * style.pad, style)) * line_h
            heights[cell.row] = max(heights[cell.row], need + 2 * style.pad)
    for cell in sheet.cells:
        if cell.rowspan > 1:
            need = len(wrap(cell.text, xs[cell.col + cell.colspan] - xs[cell.col] - 2 * style.pad, style)) * line_h
            have = sum(heights[cell.row:cell.row + cell.rowspan])
            if need + 2 * style.pad > have:
                heights[cell.row + cell.rowspan - 1] += need + 2 * style.pad - have
    return heights


class Canvas:
    """One page's ink, written in two batches (PyMuPDF's insert_text per string is slow for a CJK font)."""

    def __init__(self, number: int, style: Style) -> None:
        self.number = number
        self.writer = pymupdf.TextWriter(pymupdf.Rect(0, 0, *style.page))
        self.rects: list[tuple[pymupdf.Rect, float]] = []
        self.fills: list[pymupdf.Rect] = []

    def text(self, x: float, y: float, text: str, size: float, mixed: bool) -> None:
        for piece, latin in _runs(text, mixed):
            font = LATIN if latin else CJK
            self.writer.append((x, y), piece, font=font, fontsize=size)
            x += _width(piece, size, latin)

    def rect(self, rect: pymupdf.Rect, width: float) -> None:
        self.rects.append((rect, width))

    def commit(self, doc: pymupdf.Document, rules: str) -> None:
        page = doc[self.number]
        shape = page.new_shape()
        for rect in self.fills:
            shape.draw_rect(rect)
            shape.finish(color=None, fill=(0.88, 0.88, 0.88), width=0)
        if rules == "rects":
            for rect, width in self.rects:
                shape.draw_rect(rect)
                shape.finish(color=(0, 0, 0), width=width)
        else:
            edges: dict[tuple[float, float, float, float], float] = {}
            for rect, width in self.rects:
                x0, y0, x1, y1 = (round(v, 2) for v in (rect.x0, rect.y0, rect.x1, rect.y1))
                for edge in ((x0, y0, x1, y0), (x0, y1, x1, y1), (x0, y0, x0, y1), (x1, y0, x1, y1)):
                    edges[edge] = max(width, edges.get(edge, 0.0))
            for (x0, y0, x1, y1), width in sorted(edges.items()):
                if rules == "segments":
                    shape.draw_line((x0, y0), (x1, y1))
                    shape.finish(color=(0, 0, 0), width=width)
                else:
                    h = width / 2
                    shape.draw_rect(pymupdf.Rect(x0 - h, y0 - h, x1 + h, y1 + h))
                    shape.finish(color=None, fill=(0, 0, 0), width=0)
        shape.commit()
        self.writer.write_text(page)


def _text(canvas: Canvas, rect: pymupdf.Rect, cell: Cell, style: Style, first: bool) -> None:
    if style.shade and cell.head:
        canvas.fills.append(rect)
    canvas.rect(rect, style.line)
    if not first:
        return
    line_h = style.size * 1.3
    lines = wrap(cell.text, rect.width - 2 * style.pad, style)
    top = rect.y0 + style.pad if style.valign == "top" else rect.y0 + (rect.height - len(lines) * line_h) / 2
    for n, line in enumerate(lines):
        x = rect.x0 + style.pad
        if style.valign == "middle" and cell.head:
            x = rect.x0 + max(style.pad, (rect.width - _length(line, style)) / 2)
        canvas.text(x, top + (n + 1) * line_h - style.size * 0.28, line, style.size, style.mixed_fonts)


def _new_page(doc: pymupdf.Document, style: Style) -> pymupdf.Page:
    return doc.new_page(width=style.page[0], height=style.page[1])


def draw(sheet: Sheet, style_name: str) -> tuple[pymupdf.Document, list[tuple[int, pymupdf.Rect]]]:
    """The sheet as a PDF; also (page, rect) of the cells a seal goes on."""
    style = STYLES[style_name]
    doc = pymupdf.open()
    page = _new_page(doc, style)
    canvases = [Canvas(0, style)]
    width, height = style.page
    scale = (width - 2 * MARGIN) / sum(sheet.widths)
    xs = [MARGIN]
    for w in sheet.widths:
        xs.append(xs[-1] + w * scale)
    y = MARGIN
    for k, line in enumerate(sheet.above):
        size = style.title_size if k == 0 else style.size + 1.5
        lw = _length(line, Style(size, 0, 0, 0, style.page, style.mixed_fonts, False, "top", 0, style.rules))
        x = (width - lw) / 2 if k == 0 or line.startswith(("（", "(")) else MARGIN
        canvases[0].text(x, y + size, line, size, style.mixed_fonts)
        y += size * 1.6
    y += 4
    heights = _heights(sheet, xs, style)
    tops: list[tuple[int, float]] = []
    for r, h in enumerate(heights):
        if (y + h > height - MARGIN and tops) or r in sheet.breaks:
            page = _new_page(doc, style)
            canvases.append(Canvas(page.number or 0, style))
            y = MARGIN
        tops.append((page.number or 0, y))
        y += h
    seals: list[tuple[int, pymupdf.Rect]] = []
    for cell in sheet.cells:
        pieces: list[tuple[int, int]] = []
        for rr in range(cell.row, cell.row + cell.rowspan):
            if pieces and tops[rr][0] == tops[pieces[-1][0]][0]:
                pieces[-1] = (pieces[-1][0], rr)
            else:
                pieces.append((rr, rr))
        for n, (first, last) in enumerate(pieces):
            rect = pymupdf.Rect(xs[cell.col], tops[first][1], xs[cell.col + cell.colspan], tops[last][1] + heights[last])
            _text(canvases[tops[first][0]], rect, cell, style, n == 0)
            if cell.seal and n == 0:
                seals.append((tops[first][0], rect))
    if style.outer > style.line:
        for number in sorted({p for p, _ in tops}):
            ys = [t for (p, t) in tops if p == number]
            last = max(r for r, (p, _) in enumerate(tops) if p == number)
            canvases[number].rect(pymupdf.Rect(xs[0], ys[0], xs[-1], tops[last][1] + heights[last]), style.outer)
    for canvas in canvases:
        canvas.commit(doc, style.rules)
    return doc, seals


def to_bytes(doc: pymupdf.Document) -> bytes:
    doc.subset_fonts()
    doc.set_metadata({"title": "jixiao variant", "creationDate": "D:20240301000000", "modDate": "D:20240301000000",
                      "producer": "jixiao make_variants"})
    return bytes(doc.tobytes(garbage=3, deflate=True, no_new_id=True))


def scan(doc: pymupdf.Document, seals: list[tuple[int, pymupdf.Rect]], rng: random.Random) -> bytes:
    """An image-only PDF of `doc` as a cheap office scanner gives it, with one red seal."""
    return make_inputs.make_scan(doc, seals[:1], "绩效评价专用章", rng)


def draw_many(sheets: list[Sheet], style_name: str) -> pymupdf.Document:
    """Several forms in one PDF, each from a new page."""
    out = pymupdf.open()
    for sheet in sheets:
        doc, _seals = draw(sheet, style_name)
        out.insert_pdf(doc)
    return out
