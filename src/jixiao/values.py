"""Reading printed values: whitespace, numbers, percentages, operators, money units."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

_WS = re.compile(r"[\s\u3000\xa0]+")
_TAGS = re.compile(r"</?(?:b|strong|i|em|u|span|br|p|td|th)\b[^>]*>", re.IGNORECASE)

_FULLWIDTH = str.maketrans("０１２３４５６７８９．，％＋－：", "0123456789.,%+-:")

OperatorSymbol = Literal["≥", "≤", "=", ">", "<"]

_OPERATOR_WORDS: tuple[tuple[str, OperatorSymbol], ...] = (
    ("≥", "≥"), (">=", "≥"), ("≧", "≥"), ("大于等于", "≥"), ("不低于", "≥"), ("不少于", "≥"), ("至少", "≥"),
    ("≤", "≤"), ("<=", "≤"), ("≦", "≤"), ("小于等于", "≤"), ("不高于", "≤"), ("不超过", "≤"), ("不多于", "≤"),
    ("＝", "="), ("=", "="), ("＞", ">"), (">", ">"), ("大于", ">"), ("＜", "<"), ("<", "<"), ("小于", "<"),
)
_OPERATOR_FIRST = frozenset(word[0] for word, _ in _OPERATOR_WORDS)

_DATE = re.compile(r"(?:19|20)\d{2}\s*年|\d{1,2}\s*月")
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
_PLAIN_NUMBER = re.compile(r"^[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")


def clean_text(text: str) -> str:
    """Remove markup tags and collapse whitespace (docs/output.md: 'whitespace normalised')."""
    return _WS.sub(" ", _TAGS.sub("", text)).strip()


@lru_cache(maxsize=65536)
def squash(text: str) -> str:
    """Remove all whitespace: for labels and headers, where CJK words get broken over lines."""
    return _WS.sub("", _TAGS.sub("", text))


@lru_cache(maxsize=65536)
def parse_number(text: str | None) -> float | None:
    """A cell that is one number: '17,871,602.07', '207.6892万元', '100.00%', '10.00'. Else None."""
    if text is None:
        return None
    s = squash(text).translate(_FULLWIDTH)
    s = re.sub(r"(万元|元|%|\(%\)|（%）)$", "", s)
    if not _PLAIN_NUMBER.match(s):
        return None
    return float(s.replace(",", ""))


def money_unit_of(text: str) -> Literal["万元", "元"] | None:
    """The money unit a cell states: '(万元)', '项目资金 (万元)', '207.6892万元', '单位：元'."""
    s = squash(text)
    if "万元" in s:
        return "万元"
    if re.search(r"(?:单位[:：]?|[(（])元[)）]?|\d元$", s):
        return "元"
    return None


def split_operator(text: str) -> tuple[OperatorSymbol | None, str]:
    """'≥90.00(%)' → ('≥', '90.00(%)'); '及时' → (None, '及时')."""
    s = text.strip()
    if not s or s[0] not in _OPERATOR_FIRST:
        return None, s
    for word, symbol in _OPERATOR_WORDS:
        if s.startswith(word):
            return symbol, s[len(word):].strip()
    return None, s


def parse_operator_cell(text: str) -> str | None:
    """A 指标性质 cell: '≥', '＜', '定性', '正向' … → the contract's operator, or None."""
    s = squash(text)
    if s in ("定性", "定性指标"):
        return "定性"
    if s in ("正向", "正向指标"):
        return "≥"
    if s in ("反向", "反向指标"):
        return "≤"
    symbol, rest = split_operator(s)
    if symbol and not rest:
        return symbol
    return None


def quantity_value(text: str | None) -> float | None:
    """The number a target or actual states, when it states exactly one.

    '=100.00(%)' → 100.0, '28人' → 28.0, '≥95' → 95.0, '180.97212万元' → 180.97212;
    '2023年1月-12月' and '指标1：1个 指标2：7个' state several numbers → None; '及时' → None.
    """
    if text is None:
        return None
    _, rest = split_operator(squash(text).translate(_FULLWIDTH))
    if _DATE.search(rest):
        return None
    numbers = _NUMBER.findall(rest.replace(",", ""))
    if len(numbers) != 1:
        return None
    return float(numbers[0])


def decimals_of(text: str | None) -> int:
    """How many decimals a printed number shows ('8.50' → 2, '9' → 0)."""
    if not text:
        return 2
    match = re.search(r"\.(\d+)", text)
    return len(match.group(1)) if match else 0


def is_date_like(text: str) -> bool:
    """'2024年', '2023年1月-12月', '12月底': a point or period in time, not a quantity."""
    return bool(_DATE.search(squash(text)))


_NUMBER_TOKEN = re.compile(r"[-+]?\d+(?:,\d{3})*(?:\.\d+)?")
_NUMERIC_FILLER = re.compile(r"[\s%％分万元,，、/;；]")


def numbers_in_numeric_cell(cell: str) -> list[float] | None:
    """The numbers of a cell made only of numbers ('18.00', '20.00 18.00', '10分'); None for a text cell."""
    if _NUMERIC_FILLER.sub("", _NUMBER_TOKEN.sub("", cell)):
        return None
    numbers = [float(t.replace(",", "")) for t in _NUMBER_TOKEN.findall(cell)]
    return numbers or None


_OCR_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "〇": "0", "l": "1", "I": "1", "|": "1", "。": "."})
_OCR_NUMERIC = re.compile(
    r"^(?P<op>[≥≤=><]|>=|<=)?(?P<num>[-+]?[\dOolI|]+(?:[.,。][\dOolI|]+)*)(?P<suffix>%|\(%\)|万元|元)?$")


def normalise_ocr_numeric(text: str) -> str:
    """Repair OCR damage in a cell that is a number: '≥2 0 0' → '≥200', '１０．５' → '10.5', '1O0' → '100'.

    Letters that look like digits are mapped only when the whole cell reads as a number with at
    least one real digit, so text cells ('Office', '否') are never touched.
    """
    s = squash(text).translate(_FULLWIDTH)
    m = _OCR_NUMERIC.match(s)
    if m is None or not re.search(r"\d", m["num"]):
        return text
    number = m["num"].translate(_OCR_DIGIT_LOOKALIKES)
    return f"{m['op'] or ''}{number}{m['suffix'] or ''}"
