"""What the parser read that is not part of a form, settled before gap-filling and the checks.

- Prose between or after forms (a cover letter, 报送函, a signature block) is not a form: its rows are
  taken out of the forms (a form left with nothing of its own is dropped) and kept as one
  `TEXT_BETWEEN_FORMS` note per passage, with its line range and text.
- A text input that ends inside a value ("…20.00⇥18.") was cut off: the cut value is not read (null
  beats wrong) and an `INPUT_TRUNCATED` error names the line, so the run exits 1.
"""

from __future__ import annotations

import re

from jixiao.domain.codes import FindingCode
from jixiao.layout import LayoutDocument, Row
from jixiao.models import Finding, Form
from jixiao.parse import ParseResult

_INDEX = re.compile(r"^indicators\[(\d+)\]")
_CUT_NUMBER = re.compile(r"^[-+]?\d[\d,]*\.$")  # a number that stops after its decimal point
_READ_FIELDS = ("unit", "operator", "target", "actual", "target_value", "actual_value", "deviation_pct", "score_coef",
                "weight", "score", "review_score", "is_core", "scoring_method")


def _lines(form: Form, prefix: str = "") -> list[int]:
    return [p.line for k, p in form.provenance.items() if p.line is not None and k.startswith(prefix)]


def _prose_indicator(form: Form, k: int, rows: dict[int, Row]) -> bool:
    """An indicator that is a lone line of text: only a name was read, from a row of one cell."""
    ind = form.indicators[k]
    if any(getattr(ind, f) not in (None, "") for f in _READ_FIELDS) or ind.explanation:
        return False
    lines = set(_lines(form, f"indicators[{k}]."))
    return len(lines) == 1 and len(rows[next(iter(lines))].filled) == 1 if lines <= rows.keys() and lines else False


def _drop_indicators(form: Form, first: int) -> None:
    form.indicators = form.indicators[:first]
    form.provenance = {k: p for k, p in form.provenance.items()
                       if not ((m := _INDEX.match(k)) and int(m.group(1)) >= first)}


def _refers_to_removed(path: str | None, first: int | None) -> bool:
    match = _INDEX.match(path or "")
    return first is not None and match is not None and int(match.group(1)) >= first


def separate_prose(parsed: ParseResult, layout: LayoutDocument) -> ParseResult:
    """Take the passages of prose out of the forms of a text input and note them (see module doc)."""
    if layout.kind != "text" or not parsed.forms:
        return parsed
    rows = {r.line: r for r in layout.rows() if r.line is not None and r.filled}
    prose: set[int] = set()
    cut_from: dict[int, int | None] = {}  # form → first removed indicator (None: the whole form)
    for i, form in enumerate(parsed.forms):
        first = len(form.indicators)
        while first > 0 and _prose_indicator(form, first - 1, rows):
            first -= 1
        if first < len(form.indicators):
            prose |= {line for k in range(first, len(form.indicators)) for line in _lines(form, f"indicators[{k}].")}
            cut_from[i] = first
            _drop_indicators(form, first)
        if not (form.project_name or form.funds or form.indicators or form.total_score is not None):
            prose |= set(_lines(form))
            cut_from[i] = None
    if not prose:
        return parsed
    kept = [i for i in range(len(parsed.forms)) if cut_from.get(i, 0) is not None]
    renumber = {old: new for new, old in enumerate(kept)}
    findings = [f.model_copy(update={"form": None if f.form is None else renumber[f.form]}) for f in parsed.findings
                if f.form is None or (f.form in renumber and not _refers_to_removed(f.path, cut_from.get(f.form)))]
    gaps = [g.model_copy(update={"form": renumber[g.form]}) for g in parsed.gaps
            if g.form in renumber and not (g.form in cut_from and g.indicator is not None
                                           and g.indicator >= (cut_from[g.form] or 0))]
    starts = sorted(min(_lines(parsed.forms[i]), default=0) for i in kept)
    findings += _notes(sorted(prose), starts, rows)
    return ParseResult(forms=[parsed.forms[i] for i in kept], findings=findings, gaps=gaps)


def _notes(prose: list[int], form_starts: list[int], rows: dict[int, Row]) -> list[Finding]:
    """One note per passage: from its first prose line to the line before the next form (blank lines skipped)."""
    notes: list[Finding] = []
    start = 0
    while start < len(prose):
        first = prose[start]
        limit = min((s for s in form_starts if s > first), default=max(rows) + 1)
        lines = [n for n in sorted(rows) if first <= n < limit]
        text = " / ".join(" ".join(c.text for c in rows[n].filled) for n in lines)
        notes.append(Finding(code=FindingCode.TEXT_BETWEEN_FORMS, severity="info", form=None, path=None,
                             message=f"第{first}–{lines[-1]}行不是自评表（表间文字，如报送函），已作为备注保留，"
                                     f"未作为表单读取：“{text[:120]}”", found=text[:2000]))
        while start < len(prose) and prose[start] < limit:
            start += 1
    return notes


def mark_cut_value(parsed: ParseResult, layout: LayoutDocument) -> ParseResult:
    """A text input whose last cell is a number cut after its point: the value is dropped and an error raised."""
    if layout.kind != "text":
        return parsed
    last = next((r for r in reversed(list(layout.rows())) if r.filled), None)
    if last is None or not _CUT_NUMBER.match(last.filled[-1].text):
        return parsed
    cell = last.filled[-1]
    for i, form in enumerate(parsed.forms):
        for path, prov in list(form.provenance.items()):
            if prov.line == last.line and prov.source_text == cell.text:
                _clear(form, path)
                parsed.findings.append(Finding(
                    code=FindingCode.INPUT_TRUNCATED, severity="error", form=i, path=path,
                    message=f"文件在第{last.line}行中断，“{cell.text}”后再无内容，该值被截断，未读取；请核对原件",
                    found=cell.text))
                return parsed
    parsed.findings.append(Finding(code=FindingCode.INPUT_TRUNCATED, severity="error", form=None, path=None,
                                   message=f"文件在第{last.line}行中断（“{cell.text}”），内容可能不完整；请核对原件",
                                   found=cell.text))
    return parsed


def _clear(form: Form, path: str) -> None:
    """Set the field at `path` (a top-level field or indicators[k].field) to empty, and forget its provenance."""
    del form.provenance[path]
    match = _INDEX.match(path)
    target: object = form.indicators[int(match.group(1))] if match else form
    field = path.rsplit(".", 1)[-1]
    setattr(target, field, "" if field == "explanation" else None)
