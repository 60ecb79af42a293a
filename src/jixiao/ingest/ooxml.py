"""The parts of an .xlsx package, read straight from its XML: sheets, shared strings, number formats.

openpyxl builds a style object for every cell and a border for every merged range; that costs
~0.25 s per small workbook (10 forms/s). A form needs only each cell's stored value, its number
format, the merged ranges and what is hidden, so the sheet XML is streamed with ElementTree
(expat: no external entities, entity-expansion limits) and cleared as it goes. openpyxl's table of
built-in number formats is used; nothing is evaluated.
"""

from __future__ import annotations

import posixpath
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from openpyxl.styles.numbers import BUILTIN_FORMATS

from jixiao.ingest.numfmt import format_date, format_number, is_date_format
from jixiao.ingest.sheetgrid import Merge, TooManyCells
from jixiao.limits import current

_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
# built-in ids that are dates in East Asian locales (absent from the Western table)
_LOCAL_DATES = frozenset({*range(27, 37), *range(50, 59)})
ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"})


@lru_cache(maxsize=256)
def local(tag: str) -> str:
    """'{namespace}c' → 'c' (transitional and strict OOXML use different namespaces)."""
    return tag.rsplit("}", 1)[-1]


@lru_cache(maxsize=65536)
def position(ref: str) -> tuple[int, int] | None:
    """'B7' → (6, 1), 0-based."""
    col, i = 0, 0
    ref = ref.replace("$", "").upper()
    while i < len(ref) and "A" <= ref[i] <= "Z":
        col = col * 26 + ord(ref[i]) - 64
        i += 1
    if not 0 < i <= 3 or not ref[i:].isdigit():
        return None
    return int(ref[i:]) - 1, col - 1


@dataclass
class SheetInfo:
    name: str
    part: str
    hidden: bool


@dataclass
class SheetData:
    """One sheet as displayed, plus what could not be shown (error cells, formulas with no value)."""

    texts: dict[tuple[int, int], str] = field(default_factory=dict)
    merges: list[Merge] = field(default_factory=list)
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (address, #REF! …)
    uncached: list[tuple[str, str]] = field(default_factory=list)  # (address, formula)


class Package:
    """An opened .xlsx: its sheets in workbook order, shared strings and cell formats."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.names = set(archive.namelist())
        self.date1904 = False
        self.sheets = self._sheets()
        self.strings = self._strings()
        self.formats = self._formats()

    def _xml(self, part: str) -> ET.Element:
        return ET.fromstring(self.archive.read(part))

    def _sheets(self) -> list[SheetInfo]:
        book = self._xml("xl/workbook.xml")
        targets: dict[str, str] = {}
        if "xl/_rels/workbook.xml.rels" in self.names:
            for rel in self._xml("xl/_rels/workbook.xml.rels"):
                target = rel.get("Target", "")
                part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
                targets[rel.get("Id", "")] = part
        sheets = []
        for el in book.iter():
            if local(el.tag) == "workbookPr":
                self.date1904 = el.get("date1904", "0") in ("1", "true")
            if local(el.tag) == "sheet":
                sheet_part = targets.get(el.get(_REL) or el.get("id") or "")
                if sheet_part is not None and sheet_part in self.names:
                    sheets.append(SheetInfo(el.get("name", ""), sheet_part, el.get("state", "visible") != "visible"))
        return sheets

    def _strings(self) -> list[str]:
        if "xl/sharedStrings.xml" not in self.names:
            return []
        out = []
        for si in self._xml("xl/sharedStrings.xml"):
            out.append(_text_of(si))
        return out

    def _formats(self) -> list[str]:
        if "xl/styles.xml" not in self.names:
            return []
        styles = self._xml("xl/styles.xml")
        custom: dict[int, str] = {}
        xfs: list[str] = []
        for el in styles:
            if local(el.tag) == "numFmts":
                custom = {int(f.get("numFmtId", "0")): f.get("formatCode", "General") for f in el}
            elif local(el.tag) == "cellXfs":
                for xf in el:
                    fid = int(xf.get("numFmtId", "0"))
                    xfs.append(custom.get(fid) or BUILTIN_FORMATS.get(fid)
                               or ("yyyy-mm-dd" if fid in _LOCAL_DATES else "General"))
        return xfs

    def _serial_date(self, serial: float) -> datetime:
        if self.date1904:
            return datetime(1904, 1, 1) + timedelta(days=serial)
        return datetime(1899, 12, 30) + timedelta(days=serial if serial >= 61 else serial + 1)  # 1900 leap-year bug

    def display(self, kind: str, raw: str | None, style: int) -> str:
        """The text a cell shows, from its type attribute, stored value and style."""
        if raw is None:
            return ""
        code = self.formats[style] if 0 <= style < len(self.formats) else "General"
        if kind == "s":
            index = int(raw)
            return self.strings[index] if 0 <= index < len(self.strings) else ""
        if kind in ("str", "e", "d"):
            return raw
        if kind == "b":
            return "TRUE" if raw.strip() in ("1", "true") else "FALSE"
        try:
            value = float(raw)
        except ValueError:
            return raw
        if is_date_format(code):
            try:
                return format_date(self._serial_date(value), code)
            except OverflowError:
                return format_number(value, "General")
        return format_number(value, code)

    def read_sheet(self, part: str, budget: list[int]) -> SheetData:
        """Stream a sheet's XML; elements are cleared once read. Raises TooManyCells once the workbook's
        cells (counted in `budget`) pass current().max_cells, so a million-row sheet is never read whole."""
        data = SheetData()
        with self.archive.open(part) as stream:
            for _event, el in ET.iterparse(stream, events=("end",)):
                tag = local(el.tag)
                if tag == "c":
                    budget[0] += 1
                    if budget[0] > current().max_cells:
                        raise TooManyCells(f"more than {current().max_cells:,} cells (--max-cells); not read "
                                           "(a form holds a few thousand; zip bomb or data dump?)")
                    self._cell(el, data)
                    el.clear()
                elif tag == "row":
                    if el.get("hidden") in ("1", "true") and el.get("r"):
                        data.hidden_rows.add(int(el.get("r", "1")) - 1)
                    el.clear()
                elif tag == "col" and el.get("hidden") in ("1", "true"):
                    first, last = int(el.get("min", "1")), min(int(el.get("max", "1")), 16384)
                    data.hidden_cols.update(range(first - 1, last))
                elif tag == "mergeCell":
                    corners = [position(p) for p in el.get("ref", "").split(":")]
                    if len(corners) == 2 and corners[0] and corners[1]:
                        (top, left), (bottom, right) = corners[0], corners[1]
                        data.merges.append(Merge(top, left, bottom, right))
        return data

    def _cell(self, el: ET.Element, data: SheetData) -> None:
        ref = el.get("r", "")
        where = position(ref)
        if where is None:
            return
        kind = el.get("t", "n")
        raw = formula = None
        for child in el:
            name = local(child.tag)
            if name == "v":
                raw = child.text
            elif name == "f":
                formula = child.text or "(shared formula)"
            elif name == "is":
                raw, kind = _text_of(child), "str"
        text = self.display(kind, raw, int(el.get("s", "0")))
        if formula is not None and (raw is None or raw == ""):
            data.uncached.append((ref, "=" + formula))
        if kind == "e" or (kind == "str" and text in ERRORS):
            data.errors.append((ref, text))
        if text:
            data.texts[where] = text


def _text_of(el: ET.Element) -> str:
    """A rich or plain string item: every <t>, without phonetic runs (<rPh>)."""
    parts: list[str] = []

    def walk(node: ET.Element) -> None:
        for child in node:
            name = local(child.tag)
            if name == "t":
                parts.append(child.text or "")
            elif name != "rPh":
                walk(child)

    walk(el)
    return "".join(parts)
