"""A form's provenance as the JSON file writes it (docs/output.md, "Provenance entries"): short and lossless.

`compact` turns the dumped provenance (path → entry dict, defaults left out) into the file's shapes, `restore`
turns them back. A form of a text dump repeats one page and line for every value of an indicator row, so a row's
entries on its first entry's page and line are written together, the rows of a list in one entry:

    "indicators.*": [[1, 42], [1, 43, {"confidence": 0.8, "note": "unit taken from the target's suffix"},
                      "unit=100%"], null, [1, 45, 0, "unit=51万元"]],  "goals.*": [1, 40]

A row is [page, line, token…] (null: no row entry). Tokens: "field" (its source text is the value's own text),
"field=text", a dict (the other keys, e.g. confidence and note, of the fields that follow) or a number (the fields
that follow take the dict of that number: dicts are numbered from 0 in the order they appear, across the forms of
a document; a form that refers to an earlier form's dicts starts with "*": how many came before it). Every other
value of the row (printed, not in `UNPRINTED`, without an entry of its own) has the row's page and line and its own
text. Other entries: "=<path>" (the same as an earlier entry), [page, line], [page, line, source_text],
[page, line, source_text or null (own text), dict or number], else the entry's dict.
"""

from __future__ import annotations

import functools
import math
import operator
import re
from typing import Any

from pydantic import BaseModel

ROW = ".*"  # key suffix of one row's entries written together
UNPRINTED = frozenset({"kind", "target_value", "actual_value"})  # row fields computed, never implied by a row entry
_PLAIN = frozenset({"page", "line", "source_text"})
_NONE: dict[str, Any] = {}
_STEP = re.compile(r"^(\w+)(?:\[(\d+)\])?$")


@functools.lru_cache(maxsize=4096)
def _steps(path: str) -> tuple[tuple[str, int | None], ...] | None:
    """'indicators[3].name' → (('indicators', 3), ('name', None)); None for a path of another shape."""
    steps = []
    for part in path.split("."):
        step = _STEP.match(part)
        if step is None:
            return None
        steps.append((step.group(1), int(step.group(2)) if step.group(2) is not None else None))
    return tuple(steps)


def at(data: object, path: str) -> object:
    """The value at a provenance path ('indicators[3].name', 'goals.initial') of a form, as a model or a dict."""
    steps = _steps(path)
    if steps is None:
        return None
    for name, index in steps:
        data = data.get(name) if isinstance(data, dict) else getattr(data, name, None)
        if index is not None:
            data = data[index] if isinstance(data, list) and index < len(data) else None
    return data


def own_text(value: object) -> str | None:
    """The source text left out of the file for a value: a string itself, a finite number its shortest spelling
    (15.0 → "15", 180.97212 → "180.97212"); None for anything else (its source text is always written)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
    return repr(value)


def _printed(row: object) -> list[str]:
    """The fields of a row that a row entry implies when they have no entry of their own: those its JSON holds (a
    dict read from the file, or a model: not None, not "", not its default), less `UNPRINTED`."""
    if isinstance(row, dict):
        return [name for name, value in row.items() if value is not None and value != "" and name not in UNPRINTED]
    fields = [name for name, value in getattr(row, "__dict__", {}).items()
              if value is not None and value != "" and name not in UNPRINTED]
    defaults = _set_defaults(type(row)) if isinstance(row, BaseModel) else {}
    return [name for name in fields if name not in defaults or getattr(row, name) != defaults[name]]


_SET_DEFAULTS: dict[type[BaseModel], dict[str, Any]] = {}


def _set_defaults(model: type[BaseModel]) -> dict[str, Any]:
    """The defaults of a row model's fields that are neither None nor "" (a value equal to one is not written)."""
    if model not in _SET_DEFAULTS:
        _SET_DEFAULTS[model] = {name: info.default for name, info in model.model_fields.items()
                                if not info.is_required() and info.default is not None and info.default != ""}
    return _SET_DEFAULTS[model]


_ARRAY = re.compile(r"^(.*)\[(\d+)\]$")


Member = tuple[str, str | None, dict[str, Any]]  # field (or path), source text (None: the value's own), the rest


_RESTS: dict[type[BaseModel], tuple[Any, tuple[str, ...], tuple[Any, ...]]] = {}


def _rest_fields(model: type[BaseModel]) -> tuple[Any, tuple[str, ...], tuple[Any, ...]]:
    """A getter of a Provenance's fields other than page, line and source_text, their names and their defaults."""
    if model not in _RESTS:
        names = tuple(name for name in model.model_fields if name not in _PLAIN)
        _RESTS[model] = operator.itemgetter(*names), names, tuple(model.model_fields[name].default for name in names)
    return _RESTS[model]


def _split(prov: Any, value: object) -> tuple[str | None, dict[str, Any]]:
    """A provenance's source text (None when it is `value`'s own text) and its other non-default fields."""
    fields = prov.__dict__
    text = fields["source_text"]
    if text == own_text(value):
        text = None
    getter, names, defaults = _rest_fields(type(prov))
    values = getter(fields)
    if values == defaults:
        return text, _NONE
    return text, {name: v for name, v, default in zip(names, values, defaults, strict=True) if v != default}


def compact(provenance: dict[str, Any], form: object, rests: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The file's provenance of a form: `provenance` the form's Provenance models, `form` the form (its values give
    the own texts and the rows' printed values), `rests` the dicts numbered so far in the document (extended;
    None: the form's own numbering)."""
    order: list[str] = []  # individual paths, and row groups (list names or rows) where their first entry stood
    rows: dict[str, tuple[int, int, list[Member]]] = {}
    arrays: dict[str, list[tuple[int, str]]] = {}  # list name (or row) → its rows (index, row)
    alone: dict[str, set[str]] = {}  # row → fields with an entry of their own
    single: dict[str, tuple[str | None, dict[str, Any]]] = {}
    holders: dict[str, object] = {"": form}  # row → its model, for the values' own texts
    for path, prov in provenance.items():
        parent, _, field = path.rpartition(".")
        holder = holders.get(parent)
        if holder is None:
            holder = holders[parent] = at(form, parent)
        text, rest = _split(prov, getattr(holder, field, None) if field.isidentifier() else at(form, path))
        page, line = prov.page, prov.line
        if parent and page is not None and line is not None:
            row = rows.get(parent)
            if row is None:
                rows[parent] = (page, line, [(field, text, rest)])
                array = _ARRAY.match(parent) if parent[-1] == "]" else None
                group = array.group(1) if array else parent
                if group not in arrays:
                    arrays[group] = []
                    order.append(group + ROW)
                arrays[group].append((int(array.group(2)) if array else 0, parent))
                continue
            if row[0] == page and row[1] == line:
                row[2].append((field, text, rest))
                continue
        if parent:
            alone.setdefault(parent, set()).add(field)
        single[path] = (text, rest)
        order.append(path)
    out: dict[str, Any] = {}
    table: list[dict[str, Any]] = [] if rests is None else rests
    if table:
        out["*"] = len(table)
    written: dict[tuple[Any, ...], str] = {}
    for key in order:
        if not key.endswith(ROW):
            _one(out, written, key, provenance[key], *single[key], table)
            continue
        group = key[:-len(ROW)]
        fallback: list[str] = []
        encoded: dict[str, list[Any] | None] = {}
        for _, parent in sorted(arrays[group]):  # a reader numbers the dicts in the rows' order
            encoded[parent] = _row(rows[parent], alone.get(parent, set()), holders[parent], table)
            if encoded[parent] is None:
                fallback.append(parent)
        if group in encoded:  # a row that is not a list's item
            if encoded[group] is not None:
                out[key] = encoded[group]
        elif len(fallback) < len(encoded):
            size = max(arrays[group])[0] + 1
            out[key] = [encoded.get(f"{group}[{i}]") for i in range(size)]
        for parent in fallback:
            for field, text, rest in rows[parent][2]:
                _one(out, written, f"{parent}.{field}", provenance[f"{parent}.{field}"], text, rest, table)
    return out


def _row(row: tuple[int, int, list[Member]], alone: set[str], holder: object,
         table: list[dict[str, Any]]) -> list[Any] | None:
    """One row's [page, line, token…]; None when the row holds a printed value without provenance (the row entry
    would give it one)."""
    page, line, members = row
    implied = set(_printed(holder)) - alone
    if not implied <= {field for field, _, _ in members}:
        return None
    tokens: list[Any] = [page, line]
    state: dict[str, Any] = _NONE
    for field, text, rest in members:
        if text is None and rest is _NONE and field in implied:
            continue
        if rest != state:
            tokens.append(_rest_token(rest, table))
            state = rest
        tokens.append(field if text is None else f"{field}={text}")
    return tokens


def _rest_token(rest: dict[str, Any], table: list[dict[str, Any]]) -> dict[str, Any] | int:
    if rest in table:
        return table.index(rest)
    table.append(rest)
    return rest


def _one(out: dict[str, Any], written: dict[tuple[Any, ...], str], path: str, prov: Any, text: str | None,
         rest: dict[str, Any], table: list[dict[str, Any]]) -> None:
    key = tuple(prov.__dict__.values())
    if key in written:
        out[path] = "=" + written[key]
        return
    written[key] = path
    if prov.page is None or prov.line is None:
        out[path] = {**({} if prov.page is None else {"page": prov.page}),
                     **({} if prov.line is None else {"line": prov.line}),
                     **({} if text is None else {"source_text": text}), **rest}
    elif rest:
        out[path] = [prov.page, prov.line, text, _rest_token(rest, table)]
    else:
        out[path] = [prov.page, prov.line] + ([] if text is None else [text])


def _rest_of(path: str, token: Any, table: list[Any]) -> dict[str, Any]:
    if isinstance(token, dict):
        table.append(token)
        return token
    if isinstance(token, int) and not isinstance(token, bool) and 0 <= token < len(table):
        rest: dict[str, Any] = table[token]
        return rest
    raise ValueError(f"provenance {path}: {token!r} is not a dict or the number of an earlier one")


def _row_tokens(path: str, entry: list[Any], table: list[Any]) -> list[tuple[str, dict[str, Any]]]:
    """The (field, entry) pairs a row entry lists."""
    state: dict[str, Any] = {}
    listed: list[tuple[str, dict[str, Any]]] = []
    for token in entry[2:]:
        if isinstance(token, str):
            field, given, text = token.partition("=")
            listed.append((field, {**state, "page": entry[0], "line": entry[1],
                                   **({"source_text": text} if given else {})}))
        else:
            state = _rest_of(path, token, table)
    return listed


def _rows(path: str, entry: Any) -> list[tuple[str, list[Any]]] | None:
    """The rows of a row-group entry as (row path, [page, line, token…]); None when `entry` is not one."""
    if not path.endswith(ROW) or not isinstance(entry, list) or not entry:
        return None
    group = path[:-len(ROW)]
    if isinstance(entry[0], list) or entry[0] is None:
        return [(f"{group}[{i}]", row) for i, row in enumerate(entry) if isinstance(row, list) and len(row) >= 2]
    return [(group, entry)] if len(entry) >= 2 else None


def restore(data: dict[str, Any], rests: list[Any] | None = None) -> None:
    """The file's provenance of the form `data` (its raw dict) read back in place (see `compact`); `rests` the
    dicts numbered by the document's earlier forms (extended; None: a form read alone)."""
    raw: dict[str, Any] = data["provenance"]
    if not any(isinstance(entry, (list, int)) or (isinstance(entry, dict) and "source_text" not in entry)
               for entry in raw.values()):
        return _resolve(raw)
    table: list[Any] = [] if rests is None else rests
    start = raw.get("*", 0)
    if start != len(table):
        raise ValueError(f"provenance refers to {start} notes of earlier forms; read the form with its document")
    groups = {path: rows for path, entry in raw.items() if (rows := _rows(path, entry)) is not None}
    listed: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    entries: dict[str, Any] = {}
    for path, entry in raw.items():  # in order: the numbered dicts are defined as they come
        if path == "*":
            continue
        if path in groups:
            for parent, row in groups[path]:
                listed[parent] = _row_tokens(path, row, table)
            entries[path] = None  # its place, filled below
            continue
        if isinstance(entry, list) and len(entry) in (2, 3, 4):
            item = {"page": entry[0], "line": entry[1]}
            if len(entry) == 4:
                item = {**_rest_of(path, entry[3], table), **item}
            if len(entry) >= 3 and entry[2] is not None:
                item["source_text"] = entry[2]
            entry = item
        entries[path] = entry
    explicit = {path for path in entries if path not in groups}
    explicit.update(f"{parent}.{field}" for parent, members in listed.items() for field, _ in members)
    result: dict[str, Any] = {}
    for path, entry in entries.items():
        if path not in groups:
            result[path] = entry
            continue
        for parent, row in groups[path]:
            for field, member in listed[parent]:
                result[f"{parent}.{field}"] = member
            for field in _printed(at(data, parent)):
                if f"{parent}.{field}" not in explicit:
                    result[f"{parent}.{field}"] = {"page": row[0], "line": row[1]}
    for path, entry in result.items():
        if isinstance(entry, dict) and "source_text" not in entry:
            own = own_text(at(data, path))
            result[path] = {**entry, "source_text": "" if own is None else own}
    _resolve(result)
    data["provenance"] = result
    return None


def _resolve(entries: dict[str, Any]) -> None:
    for path, entry in entries.items():
        if isinstance(entry, str) and entry.startswith("=") and isinstance(entries.get(entry[1:]), dict):
            entries[path] = entries[entry[1:]]


__all__ = ["ROW", "UNPRINTED", "at", "compact", "own_text", "restore"]
