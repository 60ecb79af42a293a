"""Spreadsheet numbers as displayed: an Excel number format code applied to a cell's value.

A reviewer reads what the sheet shows, so `0.88` under `0%` is `88%` and `1234.5` under
`#,##0.00` is `1,234.50`. Covered: General (and its localised names such as `G/通用格式`),
fixed decimals (`0`, `0.00`, optional `#` digits), thousands separators, percent, scientific
notation, literal prefixes and suffixes (quoted, escaped, `[$¥-804]`), `_x` padding, `*x` fills,
colour and locale tags, and the positive;negative;zero sections. Dates are written as ISO dates
(or with 年/月/日 when the format prints them). Formats beyond that (fractions, conditions) fall
back to General, which still prints the exact value.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

_GENERAL = re.compile(r"^(general|g/通用格式|常规|通用格式)?$", re.IGNORECASE)
_BRACKET = re.compile(r"\[([^\]]*)\]")
_NUMBER = re.compile(r"[0#?][0#?,]*(?:\.[0#?]*)?(?:[Ee][+-][0#]+)?|\.[0#?]+")
_DATE_CODE = re.compile(r"[ymdhs]", re.IGNORECASE)


def _sections(code: str) -> list[str]:
    """Split at `;` outside quotes and escapes."""
    parts, current, quoted, escaped = [], "", False, False
    for ch in code:
        if escaped:
            current += ch
            escaped = False
        elif ch == "\\":
            current += ch
            escaped = True
        elif ch == '"':
            current += ch
            quoted = not quoted
        elif ch == ";" and not quoted:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return parts


def _literal(part: str) -> str:
    """The printed text of a format fragment: quotes and escapes resolved, padding and fills dropped."""
    out, i = "", 0
    while i < len(part):
        ch = part[i]
        if ch == '"':
            end = part.find('"', i + 1)
            end = len(part) if end < 0 else end
            out += part[i + 1:end]
            i = end + 1
            continue
        if ch == "\\" and i + 1 < len(part):
            out += part[i + 1]
            i += 2
            continue
        if ch == "_":  # padding as wide as the next character: nothing in a value's text
            i += 2
            continue
        if ch == "*" and i + 1 < len(part):  # fill: nothing printed in a value's text
            i += 2
            continue
        out += ch
        i += 1
    return out


def _unquoted(part: str) -> str:
    return re.sub(r'"[^"]*"|\\.|_.|\*.', "", part)


def _bracket(match: re.Match[str]) -> str:
    inner = match.group(1)
    if inner.startswith("$") and "-" in inner:  # [$¥-804]: a currency symbol and a locale
        return '"' + inner[1:inner.index("-")] + '"'
    return ""  # colours, conditions, locales


def general(value: float) -> str:
    """Excel's General: integers without decimals, other numbers without float noise."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.15g}"


def _round(value: float, places: int) -> Decimal:
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _number(value: float, spec: str) -> str:
    if "E" in spec.upper():
        mantissa, exponent = spec.upper().split("E")
        places = len(mantissa.split(".")[1]) if "." in mantissa else 0
        digits = max(1, len(exponent) - 1)
        m, _, e = f"{value:.{places}E}".partition("E")
        return f"{m}E{e[0]}{int(e[1:]):0{digits}d}"
    scaled = value
    while spec.endswith(","):  # a trailing comma scales by 1,000
        scaled /= 1000
        spec = spec[:-1]
    integer, _, decimals = spec.partition(".")
    fixed = decimals.count("0")
    places = len(decimals)
    rounded = _round(abs(scaled), places)
    text = f"{rounded:,.{places}f}" if "," in integer else f"{rounded:.{places}f}"
    if places > fixed:  # optional digits (#) are dropped when they are zeros
        head, _, tail = text.partition(".")
        tail = tail[:fixed] + tail[fixed:].rstrip("0")
        text = head + ("." + tail if tail or spec.endswith(".") else "")
    if integer.strip(",") and set(integer.replace(",", "")) <= {"#"} and text.startswith("0"):
        text = text[1:] or "0"  # '#.00' prints .50, not 0.50
    return text


def format_number(value: float, code: str | None) -> str:
    """The text a spreadsheet shows for `value` under the number format `code`."""
    if value == 0:  # 0.0 and -0.0 are equal keys to a cache but may print apart
        return _format_number(value, code or "")
    return _cached_format(value, code or "")


@lru_cache(maxsize=16384)
def _cached_format(value: float, code: str) -> str:
    return _format_number(value, code)


def _format_number(value: float, code: str) -> str:
    if _GENERAL.match(code.strip()) or code.strip() == "@":
        return general(value)
    sections = _sections(_BRACKET.sub(_bracket, code))
    negative_section = value < 0 and len(sections) > 1
    if value == 0 and len(sections) > 2:
        section = sections[2]
    elif negative_section:
        section = sections[1]
    else:
        section = sections[0]
    if _GENERAL.match(section.strip()) or "general" in section.lower():
        body = general(abs(value) if negative_section else value)
        return _literal(section.lower().replace("general", "\0")).replace("\0", body) if section.strip() else body
    plain = _unquoted(section)
    match = _NUMBER.search(plain)
    if match is None:
        return _literal(section) if section.strip() else general(value)
    # find the same placeholder run in the section with its quotes kept, to split prefix and suffix
    spec = match.group(0)
    start = section.find(spec)
    if start < 0:
        return general(value)
    prefix, suffix = _literal(section[:start]), _literal(section[start + len(spec):])
    scaled = abs(value) if negative_section or value < 0 else value
    scaled *= 100 ** plain.count("%")
    text = _number(scaled, spec)
    sign = "-" if value < 0 and not negative_section and float(_round(scaled, 12)) != 0 and text.strip("0.,") else ""
    return f"{sign}{prefix}{text}{suffix}".strip()


@lru_cache(maxsize=1024)
def is_date_format(code: str | None) -> bool:
    """A format that prints a date or a time (y, m, d, h, s outside quotes and brackets)."""
    if not code or _GENERAL.match(code.strip()):
        return False
    return bool(_DATE_CODE.search(_unquoted(_BRACKET.sub("", code))))


def format_date(value: datetime | date | time, code: str | None) -> str:
    """A date as a reviewer reads it: 年/月/日 when the format prints them, else ISO."""
    if isinstance(value, time):
        return value.strftime("%H:%M:%S") if value.second else value.strftime("%H:%M")
    if isinstance(value, datetime) and (value.hour or value.minute or value.second):
        return value.strftime("%Y-%m-%d %H:%M")
    d = value.date() if isinstance(value, datetime) else value
    if code and "年" in code:
        return f"{d.year}年{d.month}月{d.day}日" if "日" in code else f"{d.year}年{d.month}月"
    return d.isoformat()
