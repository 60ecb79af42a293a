"""How a value is written for a reviewer: findings, drafts, the Markdown summary, the HTML and the workbook."""

from __future__ import annotations

UNREAD = "未能识别，请核对原件"  # a value the tool could not read (OCR, truncation): never "未填写"


def fmt(value: float | None, digits: int = 2) -> str:
    """A number as a reviewer reads it: no trailing zeros, thousands separated from 10,000 on."""
    if value is None:
        return "（空）"
    if abs(value) >= 10_000:
        return f"{value:,.{digits}f}".rstrip("0").rstrip(".")
    return f"{round(value, digits):.15g}"  # :g alone keeps 6 significant digits (180.97212 → 180.972)


def plain(value: object) -> str:
    """A field value as printed in a table cell: every digit kept ('180.97212'), '' for none."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:.15g}"
    return str(value)
