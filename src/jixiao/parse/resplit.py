"""Re-split rows whose cell borders were lost (a dump where each run of tabs became one space).

Such a row arrives as one cell holding every value separated by single spaces. It is cut into
tokens; a header row's tokens are regrouped into the header words they spell (`一级 指标` →
`一级指标`), a data row's tokens are grouped and aligned to the table's columns by content
type (`fit`: the aligner's type costs plus a cost for leaving a column empty). Every cell made
this way carries `RESPLIT_CONFIDENCE`, under the flag threshold: a re-split row is a weaker
path than a row whose cells were printed apart.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from jixiao.domain import vocabulary as vocab
from jixiao.domain.columns import type_cost
from jixiao.layout import Cell, Row
from jixiao.parse.align import Alignment, Column, Placement, backtrack
from jixiao.values import is_date_like, money_unit_of, parse_number, parse_operator_cell, squash

RESPLIT_CONFIDENCE = 0.8
INF = math.inf
_MAX_GROUP = 4
_PAREN_ONLY = re.compile(r"^[(（][^()（）]{0,8}[)）]$")


def tokens(text: str) -> list[str]:
    return [t for t in text.split(" ") if t]


_UNIT_CHARS = "".join(sorted({ch for w in vocab.UNIT_WORDS if w != "无" for ch in w if not ch.isascii()}))
# where two cells printed with no space between them meet: text then a number or a comparison sign;
# a number with its unit then the next number; a bare number then text
_GLUE = re.compile(rf"(?<=[{_UNIT_CHARS}%)）])(?=[≥≤＞＜<>=]?\d)|(?<=\d)(?=[\u4e00-\u9fff](?<![{_UNIT_CHARS}]))")
_TEXT_THEN_NUMBER = re.compile(  # '年度资金总额663.17', '规范10', '人数≥5876人': a whole quantity follows the text
    rf"(?<=[\u4e00-\u9fff])(?=[≥≤＞＜<>=]?\d[\d,]*(?:\.\d+)?(?:[{_UNIT_CHARS}]{{1,3}}|%|[(（][^()（）]{{1,4}}[)）])?"
    rf"(?:$|[≥≤＞＜<>=\d\u4e00-\u9fff]))")


_FILLER_OR_UNIT = re.compile(r"(?<=[\u4e00-\u9fff])(?=——|—$|－－)|(?<=^[(（]元[)）])|(?<=^[(（]万元[)）])")


def _unglue(part: str) -> list[str]:
    if "—" in part or part.startswith(("(", "（")):  # '其他资金——', '（元）年度资金总额…'
        pieces = [p for p in _FILLER_OR_UNIT.split(part) if p]
        if len(pieces) > 1:
            return [q for p in pieces for q in _unglue(p)]
    if is_date_like(part):
        return [part]  # '2023年1月-12月' is one value
    pieces = [p for p in _TEXT_THEN_NUMBER.split(part) if p]
    return [q for p in pieces for q in (([p] if is_date_like(p) else _GLUE.split(p)) if p else []) if q]


_LEVEL_WORDS = tuple(sorted({t if t.endswith("指标") else t + "指标" for t in (*vocab.LEVEL1_TERMS, *vocab.LEVEL2_TERMS)},
                            key=len, reverse=True))


def _peel_levels(token: str) -> list[str]:
    """'产出指标质量指标活动组织规范性' → ['产出指标', '质量指标', '活动组织规范性']."""
    out: list[str] = []
    while "指标" in token:
        word = next((w for w in _LEVEL_WORDS if token.startswith(w) and len(token) > len(w)), None)
        if word is None:
            break
        out.append(word)
        token = token[len(word):]
    return [*out, token]


def data_tokens(text: str) -> list[str]:
    """A data row's words, also cut where cells were glued together with no space at all."""
    return list(_data_tokens(text))


@lru_cache(maxsize=16384)
def _data_tokens(text: str) -> tuple[str, ...]:
    out: list[str] = []
    for token in tokens(text):
        for part in _peel_levels(token) if len(token) > 4 else [token]:
            out += _unglue(part) if len(part) > 2 and re.search(r"[\d—(（]", part) else [part]
    return tuple(out)


@lru_cache(maxsize=8)
def _words_by_first(extra: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """The header words indexed by their first character, longest first."""
    index: dict[str, list[str]] = {}
    for word in sorted({*vocab.HEADER_WORDS, *extra}, key=len, reverse=True):
        index.setdefault(word[0], []).append(word)
    return {first: tuple(words) for first, words in index.items()}


def glued_header(text: str, extra: tuple[str, ...] = ()) -> list[str] | None:
    """'一级指标二级指标…分值得分' → its header words (longest known word first), or None when most of
    it is not made of header words."""
    words = _words_by_first(extra)
    out: list[str] = []
    unknown = 0
    most_unknown = 0.25 * len(text)
    i = 0
    while i < len(text):
        word = next((w for w in words.get(text[i], ()) if text.startswith(w, i)), None)
        if word is None:
            if text[i] in "(（" and out:
                close = re.match(r"[(（][^()（）]{0,8}[)）]", text[i:])
                if close:
                    out[-1] += close.group(0)
                    i += len(close.group(0))
                    continue
            unknown += 1
            if unknown > most_unknown:
                return None  # most of it is not made of header words
            if out and not known_header(out[-1]):
                out[-1] += text[i]
            else:
                out.append(text[i])
            i += 1
            continue
        out.append(word)
        i += len(word)
    if len(out) < 3 or unknown > 0.25 * len(text):
        return None
    if out.count("执行率") >= 2:  # '执行率执行率权重执行率得分': the rate, its weight, its score
        merged: list[str] = []
        for word in out:
            if merged and merged[-1] == "执行率" and word in ("权重", "分值", "得分") and "执行率" in merged[:-1]:
                merged[-1] += word
            else:
                merged.append(word)
        out = merged
    return out


def is_spaced(row: Row) -> bool:
    """One or two filled cells that hold many space-separated tokens: borders probably lost."""
    filled = row.filled
    return 0 < len(filled) <= 2 and sum(len(_data_tokens(c.text)) for c in filled) >= len(filled) + 2


def token_cells(row: Row, start: int = 0, unglue: bool = False) -> list[Cell]:
    """The row's filled cells cut at spaces (and, with `unglue`, where cells were glued together),
    numbered in order from `start`, at re-split confidence."""
    out: list[Cell] = []
    for cell in row.filled:
        for part in data_tokens(cell.text) if unglue else tokens(cell.text):
            out.append(cell.model_copy(update={"text": part, "raw": part, "index": start + len(out), "span": 1,
                                               "confidence": min(cell.confidence, RESPLIT_CONFIDENCE)}))
    return out


# ---- header rows ------------------------------------------------------------------------------

@lru_cache(maxsize=8192)
def known_header(text: str) -> bool:
    """Whether `text` is a header word of any table or of the header block."""
    key = vocab.header_key(text)
    return bool(key) and (
        vocab.indicator_column(text) is not None or vocab.fund_column(text) is not None
        or vocab.goal_column(text) is not None or vocab.header_field(text) is not None
        or key in vocab.GOALS_LABELS or key in vocab.BLOCK_LABELS)


def header_groups(parts: list[str]) -> list[str]:
    """Tokens regrouped into header words: a join that spells a known header beats its pieces."""
    n = len(parts)
    best: list[float] = [-INF] * (n + 1)
    back = [0] * (n + 1)
    best[0] = 0.0
    for end in range(1, n + 1):
        for size in range(1, min(_MAX_GROUP, end) + 1):
            group = parts[end - size:end]
            text = "".join(group)
            if size > 1 and _PAREN_ONLY.match(group[0]):
                continue
            # a lone '(万元)' is worse than the header it belongs to
            score = -0.5 if _PAREN_ONLY.match(text) else 2.0 if known_header(text) else -1.0
            if best[end - size] + score > best[end]:
                best[end], back[end] = best[end - size] + score, end - size
    groups: list[str] = []
    end = n
    while end > 0:
        groups.append("".join(parts[back[end]:end]))
        end = back[end]
    return groups[::-1]


def _is_value_token(text: str) -> bool:
    return parse_number(text) is not None or text in vocab.FILLER_WORDS


def _cells(texts: list[str], template: Cell, start: int) -> tuple[Cell, ...]:
    return tuple(template.model_copy(update={"text": t, "raw": t, "index": start + i, "span": 1,
                                             "confidence": min(template.confidence, RESPLIT_CONFIDENCE)})
                 for i, t in enumerate(texts))


def fund_rows(parts: list[str], row: Row, template: Cell, start: int = 0) -> list[Row]:
    """'年度资金总额 10 10 其中：财政拨款 8 8' → one row per label, the label at `start`, values after it.
    A unit printed in brackets ('(万元)', the tail of a merged 项目资金 cell) is not part of a label."""
    rows: list[list[str]] = []
    for part in parts:
        if money_unit_of(part) and _PAREN_ONLY.match(part):
            continue
        starts_row = not _is_value_token(part) and (not rows or _is_value_token(rows[-1][-1]))
        if starts_row:
            rows.append([part])
        elif rows:
            if not _is_value_token(part) and not _is_value_token(rows[-1][-1]):
                rows[-1][-1] += part  # a label printed with a space: '其中: 当年财政拨款'
            else:
                rows[-1].append(part)
    return [row.model_copy(update={"cells": _cells(r, template, start)}) for r in rows if len(r) > 1]


def expand(row: Row) -> list[Row]:
    """A spaced row that spells a table header (and, for a funds block run into one line, its data
    rows) as separate cells; any other row unchanged."""
    from jixiao.parse.segment import is_funds_header, is_goals_header, is_indicator_header

    filled = row.filled
    if not 0 < len(filled) <= 2 or not any(" " in c.text or len(c.text) >= 8 for c in filled):
        return [row]
    template = filled[0]
    parts: list[str] = []
    for part in (p for c in filled for p in tokens(c.text)):
        glued = glued_header(part) if len(part) >= 8 else None
        parts += glued or [part]
    if len(parts) < 2 or parts == [c.text for c in filled]:
        return [row]  # nothing to cut: the cells are already the header's words, at their own positions
    cut = next((i for i, p in enumerate(parts) if _is_value_token(p) or (vocab.fund_kind(p) and not known_header(p))),
               len(parts))
    head, rest = parts[:cut], [p for part in parts[cut:] for p in data_tokens(part)]
    if len(head) < 2:
        return [row]
    groups = header_groups(head)
    if rest and vocab.fund_kind(groups[-1]) and not known_header(groups[-1]):
        groups = groups[:-1]
    known = sum(known_header(g) for g in groups)
    if known < 2 or known < 0.6 * len(groups):
        return [row]
    first = 1 if vocab.fund_column(groups[0]) else 0  # values start right after a label column
    header = row.model_copy(update={"cells": _cells(groups, template, first)})
    if is_funds_header(header):
        return [header, *fund_rows(rest, row, template)]
    if rest:
        return [row]
    if is_goals_header(header) or is_indicator_header(header):
        return [header]
    return [row]


# ---- data rows: group tokens and align them to the columns -----------------------------------

_SINGLE = frozenset({"weight", "score", "review_score", "deviation_pct", "score_coef", "operator", "is_core", "unit"})
_FREE = frozenset({"explanation", "scoring_method"})  # long prose: any number of words
_SKIP = {"name": 6.0, "target": 1.5, "actual": 1.5, "weight": 1.5, "score": 1.5, "level1": 0.2, "level2": 0.2,
         "unit": 0.6, "operator": 0.6, "deviation_pct": 1.0, "score_coef": 1.0, "is_core": 0.8,
         "explanation": 0.0, "scoring_method": 0.3, "review_score": 0.8}
_EXTRA_TOKEN = {"explanation": 0.05, "scoring_method": 0.05, "name": 0.6, "target": 0.3, "actual": 0.3}
_MAX_WORDS = 8
_DROP = 8.0


@lru_cache(maxsize=4096)
def _is_operator(word: str) -> bool:
    return parse_operator_cell(word) is not None


_RULE = re.compile(r"满分|扣分|得分|×|按比例|计算|指标值/|/指标值|完成值/|/完成值")


def _word_cost(word: str, field: str | None) -> float:
    """The aligner's type cost, with two facts about level words: '满意度指标' at a row's start is
    the 一级 label more often than the 二级 one, and '服务对象' is the start of a 二级 label broken
    over lines ('服务对象' / '满意度指标')."""
    if field == "level2":
        key = vocab.level_key(word)
        if key in vocab.LEVEL1_FIRST:
            return type_cost(word, field) + 1.0
        if len(key) >= 2 and not vocab.is_level2(word) and any(t.startswith(key) for t in vocab.LEVEL2_TERMS):
            return 0.5
    if field == "scoring_method":
        return 0.0 if _RULE.search(word) else 1.5
    if field == "explanation" and _RULE.search(word):
        return type_cost(word, field) + 2.0
    return type_cost(word, field)


@lru_cache(maxsize=65536)
def _group_cost(group: tuple[str, ...], field: str | None) -> float:
    if len(group) == 1:
        return _word_cost(group[0], field)
    if field in _SINGLE or field is None or _is_operator(group[-1]):
        return INF  # one-word columns; a lone '≥' starts the value after it, it does not end a text
    if field == "scoring_method":  # words after the rule's last rule-like word are the next column (a cause)
        ruled = [i for i, w in enumerate(group) if _RULE.search(w)]
        base = (0.0 if ruled else 1.5) if len(group) <= _MAX_WORDS else 0.5
        trailing = len(group) - 1 - ruled[-1] if ruled else 0
        return base + 0.6 * trailing + _EXTRA_TOKEN[field] * (len(group) - 1)
    if field in _FREE and len(group) > _MAX_WORDS:
        return 0.5 + _EXTRA_TOKEN[field] * (len(group) - 1)
    text = " ".join(group)
    cost = _word_cost(text, field)
    if cost == INF:
        return cost
    if field in ("target", "actual") and _is_operator(group[0]) and len(group) == 2:
        return cost
    if field in ("level1", "level2") and (vocab.is_level1(squash(text)) or vocab.is_level2(squash(text))):
        return _word_cost(squash(text), field) + _EXTRA_TOKEN.get(field, 0.4) * (len(group) - 1) * 0.25
    if field == "name":  # a name does not end in a unit word nor hold a bare quantity
        cost += 2.0 * (group[-1] in vocab.UNIT_WORDS) + 1.5 * sum(bool(_QUANTITY.match(w)) for w in group)
    elif field in ("target", "actual"):  # one value to a cell, as a rule
        cost += 0.5 * max(0, sum(bool(_QUANTITY.match(w)) for w in group) - 1)
        cost += 1.0 * sum(bool(_COMPARED.match(w)) for w in group[1:])  # '≥90' starts a value
    return cost + _EXTRA_TOKEN.get(field, 0.4) * (len(group) - 1)


_QUANTITY = re.compile(r"^[≥≤=<>]?\d")
_COMPARED = re.compile(r"^[≥≤=<>＞＜]\s*\d")


def fit_row(row: Row, columns: list[Column]) -> tuple[Row, Alignment]:
    """The row cut at spaces and aligned; cut also where cells were glued when that fits clearly better."""
    plain = row.model_copy(update={"cells": tuple(token_cells(row))})
    best = (plain, fit(list(plain.cells), columns))
    if best[1].dropped or best[1].suspicious or best[1].cost > 2.5:
        glued = row.model_copy(update={"cells": tuple(token_cells(row, unglue=True))})
        if len(glued.cells) > len(plain.cells):
            other = fit(list(glued.cells), columns)
            if other.cost < best[1].cost - 0.5:
                best = (glued, other)
    return best


def fit(cells: list[Cell], columns: list[Column]) -> Alignment:
    """Best grouping of the tokens `cells` into consecutive runs, one run per column at most, in order."""
    words = [c.text for c in cells]
    n, m = len(cells), len(columns)
    cost = [[INF] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int, str]]] = [[(0, 0, "")] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    group_costs: dict[tuple[int, int, str | None], float] = {}
    for i in range(n + 1):
        for j in range(m + 1):
            here = cost[i][j]
            if here == INF:
                continue
            if j < m:
                skip = here + _SKIP.get(columns[j].field or "", 0.0)
                if skip < cost[i][j + 1]:
                    cost[i][j + 1], back[i][j + 1] = skip, (i, j, "skip")
            if i < n:
                if here + _DROP < cost[i + 1][j]:
                    cost[i + 1][j], back[i + 1][j] = here + _DROP, (i, j, "drop")
                if j < m:
                    field = columns[j].field
                    longest = n - i if field in _FREE else min(n - i, 1 if field in _SINGLE or field is None
                                                               else _MAX_WORDS)
                    for size in range(1, longest + 1):
                        key = (i, size, field)
                        if key not in group_costs:
                            group_costs[key] = _group_cost(tuple(words[i:i + size]), field)
                        total = here + group_costs[key]
                        if total < cost[i + size][j + 1]:
                            cost[i + size][j + 1], back[i + size][j + 1] = total, (i, j, "place")
    placements: list[Placement] = []
    dropped: list[Cell] = []
    for pi, i, pj, move in backtrack(back, n, m):
        if move == "place":
            text = " ".join(words[pi:i])
            cell = cells[pi].model_copy(update={"text": text, "raw": text, "index": columns[pj].index})
            placements.append(Placement(field=columns[pj].field, cell=cell, column_index=columns[pj].index))
        elif move == "drop":
            dropped.append(cells[pi])
    return Alignment(placements=placements, dropped=dropped, cost=cost[n][m])
