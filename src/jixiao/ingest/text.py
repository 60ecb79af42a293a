"""Plain-text ingest (.txt / .md): detect the encoding, split lines into cells, drop markup.

Cells are separated by tabs; a line without tabs is split on runs of two or more spaces.
Markdown headings (`#`) and HTML emphasis (`<b>`) mark a row as a heading and are removed.
Form feeds start a new page.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from charset_normalizer import from_bytes

from jixiao.errors import EmptyInput, NotText
from jixiao.layout import Block, Cell, LayoutDocument, Page, Row
from jixiao.values import clean_text

_HEADING = re.compile(r"^\s*#{1,6}\s+")
_BOLD = re.compile(r"<b>|<strong>", re.IGNORECASE)
_MULTI_SPACE = re.compile(r" {2,}|\u3000+")
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
    """Tab-separated cells, or cells separated by two or more spaces when the line has no tab."""
    if "\t" in line:
        return line.split("\t")
    return _MULTI_SPACE.split(line)


def parse_line(line: str, number: int, page: int) -> Row:
    heading = bool(_HEADING.match(line)) or bool(_BOLD.search(line))
    body = _HEADING.sub("", line)
    raw_cells = split_cells(body.rstrip("\r\n"))
    while raw_cells and not raw_cells[-1].strip():
        raw_cells.pop()
    cells = tuple(_cell(raw, i) if len(raw) <= _CACHED_CELL else Cell(text=clean_text(raw), raw=raw, index=i)
                  for i, raw in enumerate(raw_cells))
    return Row(cells=cells, page=page, line=number, heading=heading)


def text_rows(text: str) -> Iterator[Row]:
    """The filled rows of a decoded text, in reading order, made one at a time (a large dump is never held as
    rows all at once)."""
    for page_number, page_text in enumerate(text.split("\f"), start=1):
        for line_no, line in enumerate(page_text.splitlines(), start=1):
            row = parse_line(line, line_no, page_number)
            if row.filled:
                yield row


def stream_text(path: Path) -> tuple[LayoutDocument, Iterator[Row]]:
    """A .txt/.md file as a layout head (its pages empty) and its rows made lazily (`text_rows`)."""
    data = path.read_bytes()
    text, encoding = decode(data, str(path))
    head = LayoutDocument(path=str(path), sha256=hashlib.sha256(data).hexdigest(), kind="text", encoding=encoding,
                          pages=[Page(number=n) for n in range(1, text.count("\f") + 2)])
    del data
    return head, text_rows(text)
_CACHED_CELL = 200  # characters: longer cells (prose, hostile 1 MB lines) are not kept in the cache


@lru_cache(maxsize=16384)
def _cell(raw: str, index: int) -> Cell:
    """One cell of a text row (cells are frozen: a label or an empty cell repeated over forms is built once)."""
    return Cell(text=clean_text(raw), raw=raw, index=index)


def ingest_text(path: Path) -> LayoutDocument:
    """Read a .txt/.md file into the layout IR."""
    data = path.read_bytes()
    text, encoding = decode(data, str(path))
    pages: list[Page] = []
    for page_number, page_text in enumerate(text.split("\f"), start=1):
        page = Page(number=page_number)
        current: Block | None = None
        for line_no, line in enumerate(page_text.splitlines(), start=1):
            row = parse_line(line, line_no, page_number)
            if not row.filled:
                current = None
                continue
            kind = "table" if len(row.cells) > 1 else "text"
            if current is None or current.kind != kind:
                current = Block(kind=kind, rows=[])
                page.blocks.append(current)
            current.rows.append(row)
        pages.append(page)
    return LayoutDocument(
        path=str(path), sha256=hashlib.sha256(data).hexdigest(), kind="text",
        encoding=encoding, pages=pages,
    )
