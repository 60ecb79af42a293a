"""How forms print numbers and indicator values, and what the output contract expects for each print.

Every expected number is the number as printed (rounded as printed); a target's unit and operator
are expected where the form prints them (a 计量单位/指标性质 column, or the target's own prefix and
suffix), and 定性 for a target with no number (SPEC §3).
"""

from __future__ import annotations

from dataclasses import dataclass

from variants_gen.content import SemIndicator


def trim(value: float, decimals: int = 2) -> str:
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def money(value: float | None, style: str) -> str:
    """plain: 120.00; trim: 120.5; suffix: 120.5万元; thousands: 1,234,567.80."""
    if value is None:
        return ""
    if style == "thousands":
        return f"{value:,.2f}"
    if style == "trim":
        return trim(value)
    if style == "suffix":
        return f"{trim(value, 5)}万元"
    return f"{value:.2f}"


def rate(value: float | None, style: str) -> tuple[str, float | None]:
    """pct: 87.65%; num: 87.65; ratio: 0.8765; int: 88%. Returns the print and its value in percent."""
    if value is None:
        return "", None
    if style == "ratio":
        text = f"{value / 100:.4f}".rstrip("0").rstrip(".")
        return text, round(float(text) * 100, 6)
    if style == "int":
        return f"{round(value):d}%", float(round(value))
    text = f"{value:.2f}"
    return (text + "%" if style == "pct" else text), float(text)


def score(value: float | None, style: str = "trim") -> tuple[str, float | None]:
    if value is None:
        return "", None
    text = f"{value:.2f}" if style == "fixed" else f"{value:.1f}" if style == "one" else trim(value)
    return text, float(text)


@dataclass
class PrintedIndicator:
    target: str
    actual: str
    unit_cell: str
    op_cell: str
    unit: str | None
    operator: str | None
    target_value: float | None
    actual_value: float | None


def _n(value: float, decimals: int, fixed: bool) -> str:
    return f"{value:.{decimals if not fixed else max(decimals, 2)}f}"


def print_indicator(ind: SemIndicator, style: str, eq_prefix: bool = False) -> PrintedIndicator:
    """style: suffix (≥95%, 28人), paren (≥90.00(%)), columns (95 with 计量单位/指标性质 columns),
    unitcol (≥95 with a 计量单位 column and no 指标性质 column)."""
    if not ind.numeric:
        text_t, text_a = ind.target_text or "", ind.actual_text or ""
        return PrintedIndicator(text_t, text_a, "", "定性" if style == "columns" else "", None, "定性", None, None)
    assert ind.target is not None and ind.actual is not None
    fixed = style == "paren"
    t, a = _n(ind.target, ind.decimals, fixed), _n(ind.actual, ind.decimals, fixed)
    unit = ind.unit or ""
    show_op = ind.op != "=" or eq_prefix or style == "paren"
    prefix = ind.op if show_op else ""
    if style == "columns":
        return PrintedIndicator(t, a, unit, ind.op, unit or None, ind.op, float(t), float(a))
    if style == "unitcol":
        return PrintedIndicator(prefix + t, a, unit, "", unit or None, ind.op if show_op else None, float(t), float(a))
    if style == "paren":
        suffix = f"({unit})" if unit else ""
        return PrintedIndicator(prefix + t + suffix, a + suffix, "", "", unit or None, ind.op, float(t), float(a))
    return PrintedIndicator(prefix + t + unit, a + unit, "", "", unit or None, ind.op if show_op else None,
                            float(t), float(a))
