"""Table geometry shared by the digital-PDF and OCR backends: ruling lines + text boxes → rows of cells.

Pure geometry, no PDF or image library: the backends hand over line segments and positioned
text (words from a text layer, or OCR lines) in one coordinate system, and get back the page's
blocks in reading order. A ruled table becomes a grid; a cell whose right or bottom border is
missing is merged with its neighbour (一级/二级指标 spanning rows, a value spanning columns), and
its text is given to the top-left grid position it covers, as spreadsheet exports print it.
Text outside any table is grouped into lines and split into cells at wide gaps.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from jixiao.layout import Block, Cell, Origin, Row
from jixiao.values import clean_text


@dataclass(frozen=True)
class Segment:
    """A horizontal (`y0 == y1`) or vertical (`x0 == x1`) ruling line."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def horizontal(self) -> bool:
        return abs(self.y1 - self.y0) <= abs(self.x1 - self.x0)


@dataclass(frozen=True)
class TextBox:
    """A word or an OCR text line with its box and how sure the backend is of it."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    confidence: float = 1.0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def width(self) -> float:
        return self.x1 - self.x0


@dataclass
class _Lines:
    """Merged ruling lines of one table: y → covered x-intervals, x → covered y-intervals."""

    rows: dict[float, list[tuple[float, float]]] = field(default_factory=dict)
    cols: dict[float, list[tuple[float, float]]] = field(default_factory=dict)


def _cluster(values: list[float], tol: float) -> list[float]:
    """Sorted values merged where they lie within `tol` of the previous one (mean of each run)."""
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(run) / len(run) for run in out]


def _merge_intervals(intervals: list[tuple[float, float]], tol: float) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1] + tol:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _snap(value: float, anchors: list[float], tol: float) -> float | None:
    best = min(anchors, key=lambda a: abs(a - value), default=None)
    return best if best is not None and abs(best - value) <= tol else None


def _covers(intervals: list[tuple[float, float]], a: float, b: float, tol: float) -> bool:
    """Whether the merged intervals cover most of [a, b] (a border that is really there)."""
    need = (b - a) * 0.6
    got = sum(max(0.0, min(hi, b) - max(lo, a)) for lo, hi in intervals)
    return got >= need - tol


def _components(segments: list[Segment], tol: float) -> list[list[Segment]]:
    """Groups of segments that touch or cross each other: one group per ruled table."""
    parent = list(range(len(segments)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    hs = [i for i, s in enumerate(segments) if s.horizontal]
    vs = sorted((i for i, s in enumerate(segments) if not s.horizontal), key=lambda j: segments[j].x0)
    vx = [segments[j].x0 for j in vs]
    for i in hs:
        h = segments[i]
        lo = bisect.bisect_left(vx, min(h.x0, h.x1) - tol)
        for j in vs[lo:bisect.bisect_right(vx, max(h.x0, h.x1) + tol, lo)]:  # the verticals within its x range
            v = segments[j]
            if min(v.y0, v.y1) - tol <= h.y0 <= max(v.y0, v.y1) + tol:
                parent[find(i)] = find(j)
    groups: dict[int, list[Segment]] = {}
    for i, seg in enumerate(segments):
        groups.setdefault(find(i), []).append(seg)
    return [g for g in groups.values() if sum(s.horizontal for s in g) >= 2 and sum(not s.horizontal for s in g) >= 2]


@dataclass
class Grid:
    """A ruled table: column edges `xs`, row edges `ys`, and the merged regions (anchor → span)."""

    xs: list[float]
    ys: list[float]
    anchor_of: dict[tuple[int, int], tuple[int, int]]
    span_of: dict[tuple[int, int], tuple[int, int]]

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]

    def contains(self, box: TextBox) -> bool:
        x0, y0, x1, y1 = self.bbox
        return x0 <= box.cx <= x1 and y0 <= box.cy <= y1

    def position(self, x: float, y: float) -> tuple[int, int]:
        r = max(0, min(len(self.ys) - 2, sum(1 for v in self.ys[1:-1] if y >= v)))
        c = max(0, min(len(self.xs) - 2, sum(1 for v in self.xs[1:-1] if x >= v)))
        return r, c


def build_grid(segments: list[Segment], tol: float) -> Grid | None:
    """The grid of one table's ruling lines, with merged cells where a border is missing."""
    lines = _Lines()
    ys = _cluster([s.y0 for s in segments if s.horizontal], tol)
    xs = _cluster([s.x0 for s in segments if not s.horizontal], tol)
    if len(ys) < 2 or len(xs) < 2:
        return None
    for s in segments:
        if s.horizontal:
            y = _snap(s.y0, ys, tol)
            if y is not None:
                lines.rows.setdefault(y, []).append((min(s.x0, s.x1), max(s.x0, s.x1)))
        else:
            x = _snap(s.x0, xs, tol)
            if x is not None:
                lines.cols.setdefault(x, []).append((min(s.y0, s.y1), max(s.y0, s.y1)))
    rows = {y: _merge_intervals(iv, tol * 2) for y, iv in lines.rows.items()}
    cols = {x: _merge_intervals(iv, tol * 2) for x, iv in lines.cols.items()}
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    parent = {(r, c): (r, c) for r in range(n_rows) for c in range(n_cols)}

    def find(p: tuple[int, int]) -> tuple[int, int]:
        while parent[p] != p:
            parent[p] = parent[parent[p]]
            p = parent[p]
        return p

    for r in range(n_rows):
        for c in range(n_cols):
            if c + 1 < n_cols and not _covers(cols.get(xs[c + 1], []), ys[r], ys[r + 1], tol):
                parent[find((r, c + 1))] = find((r, c))
            if r + 1 < n_rows and not _covers(rows.get(ys[r + 1], []), xs[c], xs[c + 1], tol):
                parent[find((r + 1, c))] = find((r, c))
    regions: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for p in parent:
        regions.setdefault(find(p), []).append(p)
    anchor_of: dict[tuple[int, int], tuple[int, int]] = {}
    span_of: dict[tuple[int, int], tuple[int, int]] = {}
    for members in regions.values():
        r0, c0 = min(r for r, _ in members), min(c for _, c in members)
        r1, c1 = max(r for r, _ in members), max(c for _, c in members)
        span_of[(r0, c0)] = (r1 - r0 + 1, c1 - c0 + 1)
        for p in members:
            anchor_of[p] = (r0, c0)
    return Grid(xs=xs, ys=ys, anchor_of=anchor_of, span_of=span_of)


def _is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _is_number_part(ch: str) -> bool:
    return ch.isascii() and (ch.isdigit() or ch in ".,")


def join_lines(lines: list[str], wrapped: list[bool] | None = None) -> str:
    """Join the lines of one cell: no space between CJK text, a space between Latin words. A line that ran
    to the cell's right edge (`wrapped`) was broken by the cell's width: a number cut there ('207.6' / '892万元',
    a narrow column in a Word table) is joined again without a space."""
    out = ""
    cut = False
    for n, line in enumerate(lines):
        line = line.strip()
        if not line:
            continue
        if out and _is_latin(out[-1]) and _is_latin(line[0]) and \
                not (cut and _is_number_part(out[-1]) and _is_number_part(line[0])):
            out += " "
        out += line
        cut = bool(wrapped and wrapped[n])
    return out


def text_of(boxes: list[TextBox], right: float | None = None) -> tuple[str, float]:
    """Reading-order text of the boxes in one cell, and the lowest confidence among them. `right`: the cell's
    right border, to tell a line the cell's width broke from one that ended on its own."""
    if not boxes:
        return "", 1.0
    ordered = sorted(boxes, key=lambda b: (b.cy, b.x0))
    lines: list[list[TextBox]] = []
    for box in ordered:
        if lines and abs(box.cy - lines[-1][-1].cy) <= max(2.0, 0.5 * min(box.height, lines[-1][-1].height)):
            lines[-1].append(box)
        else:
            lines.append([box])
    # a line is full when not even one more character (about a line's height wide) and the cell's padding fit
    wrapped = [right is not None and right - max(b.x1 for b in line) < 1.6 * max(b.height for b in line)
               for line in lines]
    text = join_lines([" ".join(b.text for b in sorted(line, key=lambda b: b.x0)) for line in lines], wrapped)
    return text, min(b.confidence for b in boxes)


def _cell(text: str, confidence: float, index: int, bbox: tuple[float, float, float, float] | None,
          span: int, origin: Origin) -> Cell:
    return Cell(text=clean_text(text), raw=text, index=index, bbox=bbox, confidence=round(confidence, 3),
                span=span, origin=origin)


SPILL_CONFIDENCE = 0.6


def _spills(box: TextBox, cell: tuple[float, float, float, float]) -> bool:
    """A text-layer line that runs out of its cell over a row border (a spreadsheet row too low for its wrapped
    text, exported to PDF as it was): part of it is printed in the row above or below, whose it is is unsure."""
    margin = 0.4 * box.height
    return box.y0 < cell[1] - margin or box.y1 > cell[3] + margin


def table_rows(grid: Grid, boxes: list[TextBox], page: int, origin: Origin) -> list[Row]:
    """One row per grid row; each merged region's text sits at its top-left position."""
    content: dict[tuple[int, int], list[TextBox]] = {}
    for box in boxes:
        content.setdefault(grid.anchor_of[grid.position(box.cx, box.cy)], []).append(box)
    rows: list[Row] = []
    n_rows, n_cols = len(grid.ys) - 1, len(grid.xs) - 1
    for r in range(n_rows):
        cells: list[Cell] = []
        for c in range(n_cols):
            anchor = grid.anchor_of[(r, c)]
            if anchor != (r, c):
                if anchor[0] == r:  # inside a region spanning columns: covered, skip
                    continue
                cells.append(_cell("", 1.0, c, None, 1, origin))  # below a region spanning rows: empty
                continue
            rs, cs = grid.span_of[anchor]
            bbox = (grid.xs[c], grid.ys[r], grid.xs[c + cs], grid.ys[r + rs])
            boxes = content.get(anchor, [])
            text, conf = text_of(boxes, bbox[2])
            if origin == "pdf" and any(_spills(b, bbox) for b in boxes):
                conf = min(conf, SPILL_CONFIDENCE)
            cells.append(_cell(text, conf, c, bbox, cs, origin))
        while cells and not cells[-1].text:
            cells.pop()
        if any(cell.text for cell in cells):
            rows.append(Row(cells=tuple(cells), page=page, bbox=(grid.xs[0], grid.ys[r], grid.xs[-1], grid.ys[r + 1])))
    return rows


def free_text_rows(boxes: list[TextBox], page: int, origin: Origin) -> list[Row]:
    """Text outside tables: one row per line, split into cells where the gap is wider than ~2 characters."""
    rows: list[Row] = []
    ordered = sorted(boxes, key=lambda b: (b.cy, b.x0))
    lines: list[list[TextBox]] = []
    for box in ordered:
        if lines and abs(box.cy - lines[-1][0].cy) <= 0.5 * max(box.height, lines[-1][0].height):
            lines[-1].append(box)
        else:
            lines.append([box])
    for line in lines:
        line.sort(key=lambda b: b.x0)
        groups: list[list[TextBox]] = [[line[0]]]
        for box in line[1:]:
            gap = box.x0 - groups[-1][-1].x1
            if gap > 2.0 * max(box.height, groups[-1][-1].height):
                groups.append([box])
            else:
                groups[-1].append(box)
        cells = []
        for i, group in enumerate(groups):
            text = " ".join(b.text for b in group)
            bbox = (group[0].x0, min(b.y0 for b in group), group[-1].x1, max(b.y1 for b in group))
            cells.append(_cell(text, min(b.confidence for b in group), i, bbox, 1, origin))
        rows.append(Row(cells=tuple(cells), page=page,
                        bbox=(line[0].x0, min(b.y0 for b in line), line[-1].x1, max(b.y1 for b in line))))
    return rows


def page_blocks(segments: list[Segment], boxes: list[TextBox], page: int, origin: Origin, tol: float) -> list[Block]:
    """All blocks of one page in reading order (top to bottom): ruled tables and free text lines."""
    grids = [g for g in (build_grid(group, tol) for group in _components(segments, tol)) if g is not None]
    placed: list[tuple[float, Block]] = []
    remaining = list(boxes)
    for grid in grids:
        inside = [b for b in remaining if grid.contains(b)]
        remaining = [b for b in remaining if not grid.contains(b)]
        rows = table_rows(grid, inside, page, origin)
        if rows:
            placed.append((grid.ys[0], Block(kind="table", rows=rows)))
    for row in free_text_rows(remaining, page, origin):
        top = row.bbox[1] if row.bbox else 0.0
        placed.append((top, Block(kind="table" if len(row.cells) > 1 else "text", rows=[row])))
    placed.sort(key=lambda item: item[0])
    blocks: list[Block] = []
    for _, block in placed:  # consecutive free lines of one kind form one block, as in text ingest
        if blocks and block.kind == "text" and blocks[-1].kind == "text":
            blocks[-1].rows.extend(block.rows)
        else:
            blocks.append(block)
    return blocks
