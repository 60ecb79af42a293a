"""Plain-text ingest (.txt / .md / .csv): detect the encoding, split lines into cells, drop markup.

Cells are separated by tabs; a markdown table row (`| a | b |`, as docling, marker, pandoc or an LLM print a
table) by its pipes, its `|---|` rule skipped; any other line by runs of two or more spaces. A .csv file is read
as CSV (quoted cells may span lines; the delimiter is sniffed). Markdown headings (`#`), bold (`**`, `<b>`) and
backslash escapes are removed; a heading or bold marks the row as a heading. Form feeds start a new page.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from charset_normalizer import from_bytes

from jixiao.domain import vocabulary as vocab
from jixiao.errors import EmptyInput, NotText
from jixiao.ingest.html import HTML_TABLE, html_items
from jixiao.layout import Block, Cell, LayoutDocument, Page, Row
from jixiao.values import clean_text

_HEADING = re.compile(r"^\s*#{1,6}\s+")
_BOLD = re.compile(r"<b>|<strong>", re.IGNORECASE)
_MULTI_SPACE = re.compile(r" {2,}|\u3000+")
_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_PIPE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_PIPE = re.compile(r"(?<!\\)\|")
_MD_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~<>])")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return controls > max(2, len(sample) // 100)


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even_zero = sample[0::2].count(0) / (len(sample) / 2)
    odd_zero = sample[1::2].count(0) / (len(sample) / 2)
    # ASCII-heavy UTF-16 has NULs on one side; CJK-heavy UTF-16 has none, so also try a strict decode.
    for codec, zeros in (("utf-16-le", odd_zero), ("utf-16-be", even_zero)):
        if zeros > 0.3:
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                return None
    return None


def decode(data: bytes, path: str) -> tuple[str, str]:
    """Decode bytes to text and name the encoding; raise when it is not text."""
    if not data.strip():
        raise EmptyInput(f"{path}: empty file")
    for bom, codec in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                       (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(codec), codec
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return utf16, "utf-16"
    if _looks_binary(data):
        raise NotText(f"{path}: binary data, not a text file")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
        if _CJK.search(text):
            return text, "gb18030"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise NotText(f"{path}: not decodable as text (tried UTF-8, UTF-16, GB18030)")
    return str(best), best.encoding


def split_cells(line: str) -> list[str]:
    """Tab-separated cells; a markdown table row's cells; or cells separated by two or more spaces."""
    if "\t" in line:
        return line.split("\t")
    if _PIPE_ROW.match(line):
        inner = line.strip()[1:]
        inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
        return [_MD_ESCAPE.sub(r"\1", cell).strip() for cell in _PIPE.split(inner)]
    return _MULTI_SPACE.split(line)


_ROW_LABELS = vocab.TOTAL_LABELS | vocab.NOTE_LABELS | vocab.GRADE_LABELS | vocab.BLOCK_LABELS


def _label_like(text: str) -> bool:
    """A label of the form (a header, column, block, 总分/说明/评分等级 label) or a long text."""
    return bool(vocab.exact_header_label(text) or vocab.fund_column(text) or vocab.goal_column(text)
                or vocab.indicator_column(text) or vocab.fund_kind(text) or vocab.header_key(text) in _ROW_LABELS
                or len(text) >= 20)


def repeats_spans(text: str, lines: int = 400) -> bool:
    """Whether the markdown tables of a text print a merged cell's text in every column it covers (docling does):
    a label or a long text twice side by side in a row. Read from the first `lines` table rows."""
    seen = 0
    for line in text.splitlines():
        if "|" not in line or not _PIPE_ROW.match(line):
            continue
        cells = [c for c in split_cells(line)]
        if any(a and a == b and _label_like(clean_text(a)) for a, b in itertools.pairwise(cells)):
            return True
        seen += 1
        if seen >= lines:
            break
    return False


def _merge_repeats(cells: list[str]) -> list[str]:
    """A merged cell printed once per column it covers, printed once: a repeat of the label or long text to its
    left becomes an empty field, as an Excel export leaves it. Short values stay: a 完成值 equal to its 指标值
    ('稳定达标', '162人') or two equal amounts side by side are common."""
    out = list(cells)
    for k in range(1, len(cells)):
        text = cells[k].strip()
        if text and text == cells[k - 1].strip() and _label_like(clean_text(text)):
            out[k] = ""
    return out


def parse_line(line: str, number: int, page: int, merge_repeats: bool = False) -> Row:
    if "|" in line and _PIPE_RULE.match(line):  # a markdown table's |---|---| rule: no row
        return Row(cells=(), page=page, line=number)
    heading = bool(_HEADING.match(line)) or bool(_BOLD.search(line))
    body = _HEADING.sub("", line)
    if "**" in body or "__" in body:
        heading = heading or bool(_MD_BOLD.search(body))
        body = _MD_BOLD.sub(lambda m: m.group(1) or m.group(2), body)
    cells = split_cells(body.rstrip("\r\n"))
    if merge_repeats and "\t" not in body and _PIPE_ROW.match(body):
        cells = _merge_repeats(cells)
    return _row(cells, number, page, heading)


def _row(raw_cells: list[str], number: int, page: int, heading: bool = False) -> Row:
    while raw_cells and not raw_cells[-1].strip():
        raw_cells.pop()
    cells = tuple(_cell(raw, i) if len(raw) <= _CACHED_CELL else Cell(text=clean_text(raw), raw=raw, index=i)
                  for i, raw in enumerate(raw_cells))
    return Row(cells=cells, page=page, line=number, heading=heading)


def _csv_rows(text: str, page: int, tabbed: bool = False) -> Iterator[Row]:
    """The records of a CSV page (a quoted cell may hold line breaks), each at the line it starts on; `tabbed`: a
    tab-separated paste out of Excel."""
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.excel_tab if tabbed else \
            csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    start = 1
    try:
        for record in reader:
            yield _row([" ".join(cell.splitlines()) for cell in record], start, page)
            start = reader.line_num + 1
    except csv.Error:  # an unclosed quote: the rest of the page as plain lines, not lost
        for offset, line in enumerate(text.splitlines()[start - 1:]):
            yield parse_line(line, start + offset, page)


# a cell copied out of Excel that holds a line break: Excel quotes it ('"年初⏎预算数"'), the quote opening after a tab
# or at the line's start and closing on a later line
_QUOTED_BREAK = re.compile(r'(?:^|\t)"[^"\t\n]*\n[^"\t\n]*"(?:\t|$)', re.MULTILINE)


def page_rows(page_text: str, page: int, as_csv: bool = False, merge_repeats: bool = False) -> Iterator[Row]:
    """Every row of one page of text (empty rows included: a text block ends at one)."""
    if as_csv or ("\t" in page_text and _QUOTED_BREAK.search(page_text)):
        yield from _csv_rows(page_text, page, tabbed=not as_csv)
        return
    for line_no, line in enumerate(page_text.splitlines(), start=1):
        yield parse_line(line, line_no, page, merge_repeats)


def is_html(path: Path, text: str) -> bool:
    """A web page, or a text with HTML tables in it (MinerU prints merged tables so)."""
    return path.suffix.lower() in HTML_SUFFIXES or (not is_csv(path) and bool(HTML_TABLE.search(text[:1 << 20])))


def page_count(text: str, html: bool) -> int:
    """Pages of a decoded text: form feeds start pages; an HTML text is one page."""
    return 1 if html else text.count("\f") + 1


def all_rows(text: str, path: Path, html: bool) -> Iterator[Row]:
    """Every row of a decoded text in reading order (empty rows included: a text block ends at one), made one at a
    time where the text allows it (a large dump is never held as rows all at once; HTML, `html`, is parsed whole)."""
    if html:
        merge = repeats_spans(text)
        for item in html_items(text):
            if isinstance(item, tuple):
                yield parse_line(item[1], item[0], 1, merge)
            else:
                yield Row(cells=(), page=1)
                yield from item
                yield Row(cells=(), page=1)
        return
    as_csv = is_csv(path)
    merge = not as_csv and repeats_spans(text)
    for page_number, page_text in enumerate(text.split("\f"), start=1):
        yield from page_rows(page_text, page_number, as_csv, merge)


def text_rows(text: str, path: Path, html: bool) -> Iterator[Row]:
    """The filled rows of a decoded text (`all_rows`)."""
    return (row for row in all_rows(text, path, html) if row.filled)


def stream_text(path: Path) -> tuple[LayoutDocument, Iterator[Row]]:
    """A .txt/.md file as a layout head (its pages empty) and its rows made lazily (`text_rows`)."""
    data = path.read_bytes()
    text, encoding = decode(data, str(path))
    html = is_html(path, text)
    head = LayoutDocument(path=str(path), sha256=hashlib.sha256(data).hexdigest(), kind="text", encoding=encoding,
                          pages=[Page(number=n) for n in range(1, page_count(text, html) + 1)])
    del data
    return head, text_rows(text, path, html)
HTML_SUFFIXES = frozenset({".html", ".htm"})


def is_csv(path: Path) -> bool:
    return path.suffix.lower() == ".csv"


_CACHED_CELL = 200  # characters: longer cells (prose, hostile 1 MB lines) are not kept in the cache


@lru_cache(maxsize=16384)
def _cell(raw: str, index: int) -> Cell:
    """One cell of a text row (cells are frozen: a label or an empty cell repeated over forms is built once)."""
    return Cell(text=clean_text(raw), raw=raw, index=index)


def ingest_text(path: Path) -> LayoutDocument:
    """Read a .txt/.md file into the layout IR."""
    data = path.read_bytes()
    text, encoding = decode(data, str(path))
    html = is_html(path, text)
    pages: dict[int, Page] = {}
    current: Block | None = None
    for row in all_rows(text, path, html):
        if row.page not in pages:
            pages[row.page], current = Page(number=row.page), None
        page = pages[row.page]
        if not row.filled:
            current = None
            continue
        kind = "table" if len(row.cells) > 1 else "text"
        if current is None or current.kind != kind:
            current = Block(kind=kind, rows=[])
            page.blocks.append(current)
        current.rows.append(row)
    count = page_count(text, html)
    return LayoutDocument(
        path=str(path), sha256=hashlib.sha256(data).hexdigest(), kind="text",
        encoding=encoding, pages=[pages.get(n, Page(number=n)) for n in range(1, count + 1)],
    )
