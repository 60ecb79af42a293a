"""Form text made inert for places that would otherwise act on it: the terminal, logs and the workbook."""

from __future__ import annotations

import re

from rich.markup import escape

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# what an .xlsx (XML 1.0) cannot hold: C0 controls but tab/newline/CR, lone surrogates, U+FFFE/U+FFFF
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
XLSX_CELL_LIMIT = 32_767  # characters Excel keeps in one cell


def terminal_text(text: str) -> str:
    """One line for the terminal or a log: control characters shown as \\xNN, rich markup escaped."""
    return escape(_CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text))


def workbook_text(text: str) -> tuple[str, str | None]:
    """A cell's text as an .xlsx can store it, and a note when something had to be removed."""
    notes = []
    cleaned, removed = _XLSX_ILLEGAL.subn("\ufffd", text)
    if removed:
        notes.append(f"已将 {removed} 个控制字符替换为 �")
    if len(cleaned) > XLSX_CELL_LIMIT:
        notes.append(f"原文 {len(cleaned)} 字，超出单元格上限，已截断")
        cleaned = cleaned[:XLSX_CELL_LIMIT - 1] + "…"
    return cleaned, "；".join(notes) or None
