"""Golden-file evaluation (README: Golden evaluation).

`golden/<case>/` holds `case.toml` (input file, template, input kind), the input, and a
hand-checked `expected.json` (the forms of docs/output.md without provenance, and the expected
findings as code/severity/form/path). Fields are scored one by one: correct, omitted
(expected, not found) and wrong (found but different, or found where nothing is printed).
"""

from __future__ import annotations

import difflib
import json
import re
import time
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from rich.console import Console
from rich.table import Table

from jixiao.atomic import write_atomic
from jixiao.checks import load_profile
from jixiao.checks.review_codes import REVIEW_CODES
from jixiao.domain.codes import reading_codes
from jixiao.errors import InputError
from jixiao.models import FLAG_CONFIDENCE, Document
from jixiao.pipeline import extract
from jixiao.values import clean_text, squash

FORM_FIELDS = ("form_type", "year", "title", "project_name", "project_code", "department", "implementing_unit",
               "finance_office", "contact", "phone", "amount_unit", "total_score", "grade", "explanation")
FUND_FIELDS = ("kind", "label", "initial_budget", "adjusted_budget", "executed", "rate")
INDICATOR_FIELDS = ("level1", "level2", "name", "unit", "operator", "target", "actual", "target_value",
                    "actual_value", "deviation_pct", "score_coef", "weight", "score", "review_score", "is_core",
                    "explanation", "scoring_method")
FINDING_KEYS = ("code", "severity", "form", "path")


class CaseMeta(BaseModel):
    input: str
    template: str
    kind: str = "text"
    rendering: str | None = Field(None, description="how the input was drawn, finer than kind (e.g. pdf-compact)")
    profile: str = "national"
    compare_findings: bool = True


class FieldTally(BaseModel):
    correct: int = 0
    omitted: int = 0
    wrong: int = 0
    wrong_unflagged: int = 0
    errors: list[str] = Field(default_factory=list)
    wrong_paths: list[str] = Field(default_factory=list)

    @property
    def total(self) -> int:
        return self.correct + self.omitted + self.wrong

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 1.0

    def add(self, other: FieldTally) -> None:
        self.correct += other.correct
        self.omitted += other.omitted
        self.wrong += other.wrong
        self.wrong_unflagged += other.wrong_unflagged
        self.errors.extend(other.errors)


class CaseResult(BaseModel):
    case: str
    template: str
    kind: str
    rendering: str | None = None
    fields: FieldTally
    forms_expected: int
    forms_found: int
    indicators_expected: int
    indicators_found: int
    findings_expected: int
    findings_found: int
    findings_matched: int
    missing_findings: list[str] = Field(default_factory=list)
    extra_findings: list[str] = Field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None


_PUNCT_WIDTH = str.maketrans("（）：，；！？“”‘’［］｛｝％＝＋－／", "():,;!?\"\"''[]{}%=+-/")


def comparable_text(text: str) -> str:
    """Text as a reviewer compares it: whitespace and the width of punctuation do not count.

    OCR cannot see whether '（' or '(' was typed, nor a space between CJK words, and drops a
    sentence's final '。' as often as not; every other character must match."""
    return squash(clean_text(text)).translate(_PUNCT_WIDTH).rstrip("。.")


def _same(expected: Any, found: Any) -> bool:
    if isinstance(expected, bool) or isinstance(found, bool):
        return expected is found
    if isinstance(expected, int | float) and isinstance(found, int | float):
        return abs(float(expected) - float(found)) <= 1e-6 * max(1.0, abs(float(expected)))
    if isinstance(expected, str) and isinstance(found, str):
        return comparable_text(expected) == comparable_text(found)
    return bool(expected == found)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def score_fields(tally: FieldTally, where: str, expected: dict[str, Any], found: dict[str, Any],
           fields: tuple[str, ...]) -> None:
    for field in fields:
        exp, got = expected.get(field), found.get(field)
        if _empty(exp) and _empty(got):
            continue
        if _empty(got):
            tally.omitted += 1
            tally.errors.append(f"{where}.{field}: omitted (expected {exp!r})")
        elif _empty(exp) or not _same(exp, got):
            tally.wrong += 1
            tally.wrong_paths.append(f"{where}.{field}")
            tally.errors.append(f"{where}.{field}: expected {exp!r}, found {got!r}")
        else:
            tally.correct += 1


def _pairs(expected: list[dict[str, Any]], found: list[dict[str, Any]], key: str
           ) -> list[tuple[dict[str, Any] | None, dict[str, Any] | None]]:
    """Pair rows by position, or by an alignment of `key` when the counts differ."""
    if len(expected) == len(found):
        return list(zip(expected, found, strict=True))
    matcher = difflib.SequenceMatcher(a=[str(e.get(key)) for e in expected],
                                      b=[str(f.get(key)) for f in found], autojunk=False)
    pairs: list[tuple[dict[str, Any] | None, dict[str, Any] | None]] = []
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            pairs.extend(zip(expected[a0:a1], found[b0:b1], strict=True))
        else:
            pairs.extend((e, None) for e in expected[a0:a1])
            pairs.extend((None, f) for f in found[b0:b1])
    return pairs


def score_rows(tally: FieldTally, where: str, expected: list[dict[str, Any]], found: list[dict[str, Any]],
                fields: tuple[str, ...], key: str) -> None:
    position = {id(row): i for i, row in enumerate(found)}
    for n, (exp, got) in enumerate(_pairs(expected, found, key)):
        index = position[id(got)] if got is not None else n  # paths name the extracted row when there is one
        score_fields(tally, f"{where}[{index}]", exp or {}, got or {}, fields)


def compare_forms(expected: list[dict[str, Any]], found: list[dict[str, Any]]) -> FieldTally:
    """Field-by-field comparison of expected and extracted forms."""
    tally = FieldTally()
    for i, (exp, got) in enumerate(_pairs(expected, found, "project_name")):
        exp, got = exp or {}, got or {}
        where = f"forms[{i}]"
        score_fields(tally, where, exp, got, FORM_FIELDS)
        for part in ("budget_execution", "goals"):
            keys = tuple(exp.get(part, {}) or {}) or tuple(got.get(part, {}) or {})
            score_fields(tally, f"{where}.{part}", exp.get(part) or {}, got.get(part) or {}, keys)
        score_rows(tally, f"{where}.funds", exp.get("funds", []), got.get("funds", []), FUND_FIELDS, "label")
        score_rows(tally, f"{where}.indicators", exp.get("indicators", []), got.get("indicators", []),
                    INDICATOR_FIELDS, "name")
    return tally


_FORM_PATH = re.compile(r"^forms\[(\d+)\]\.(.+)$")


def is_flagged(document: Document, path: str) -> bool:
    """A value a reviewer is warned about: low confidence in its provenance, or a finding on it or its row."""
    match = _FORM_PATH.match(path)
    if not match:
        return False
    form_index, rel = int(match.group(1)), match.group(2)
    if form_index >= len(document.forms):
        return False
    prov = document.forms[form_index].provenance.get(rel)
    if prov is not None and prov.confidence < FLAG_CONFIDENCE:
        return True
    row = rel.split(".")[0]
    return any(f.form == form_index and f.path and f.severity != "info" and (
        f.path in (rel, row) or rel.startswith(f.path + ".")) for f in document.findings)


def expected_from(document: Document) -> dict[str, Any]:
    """The expected.json body for a document (used only by `--update`, then reviewed by hand)."""
    forms = [f.model_dump(mode="json", exclude={"provenance", "layout"}) for f in document.forms]
    findings = [{k: f.model_dump(mode="json")[k] for k in FINDING_KEYS} for f in document.findings]
    return {"forms": forms, "findings": findings}


# about how the input was read, not about the form: not part of expected.json (the same form as text has none)
READING_CODES = reading_codes()
# the text review is scored apart, against golden/review-labels (jixiao.evaluate_review)
APART_CODES = READING_CODES | frozenset(REVIEW_CODES)


def _finding_keys(findings: list[dict[str, Any]]) -> set[str]:
    return {"|".join(str(f.get(k)) for k in FINDING_KEYS) for f in findings if f.get("code") not in APART_CODES}


def evaluate_case(folder: Path, update: bool = False) -> CaseResult:
    meta = CaseMeta.model_validate(tomllib.loads((folder / "case.toml").read_text(encoding="utf-8")))
    start = time.perf_counter()
    try:
        document: Document | None = extract(folder / meta.input, load_profile(meta.profile))
        error = None
    except InputError as exc:  # an input the tool refuses reads nothing: every expected field is omitted
        document, error = None, str(exc)
    except Exception as exc:  # a bug: this case reads nothing and says why; the other cases are still measured
        document, error = None, f"CRASH {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    seconds = time.perf_counter() - start
    expected_path = folder / "expected.json"
    # damaged cases keep the truth of the case they were made from
    if update and meta.compare_findings and document is not None:
        write_atomic(expected_path, json.dumps(expected_from(document), ensure_ascii=False, indent=2) + "\n")
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    found = expected_from(document) if document is not None else {"forms": [], "findings": []}
    tally = compare_forms(expected["forms"], found["forms"])
    tally.wrong_unflagged = sum(not is_flagged(document, p) for p in tally.wrong_paths) if document else 0
    exp_keys = _finding_keys(expected["findings"])
    got_keys = _finding_keys(found["findings"]) if meta.compare_findings or document is None else exp_keys
    return CaseResult(
        case=folder.name, template=meta.template, kind=meta.kind, rendering=meta.rendering,
        fields=tally,
        forms_expected=len(expected["forms"]), forms_found=len(found["forms"]),
        indicators_expected=sum(len(f["indicators"]) for f in expected["forms"]),
        indicators_found=sum(len(f["indicators"]) for f in found["forms"]),
        findings_expected=len(exp_keys), findings_found=len(got_keys), findings_matched=len(exp_keys & got_keys),
        missing_findings=sorted(exp_keys - got_keys), extra_findings=sorted(got_keys - exp_keys), seconds=seconds,
        error=error,
    )


class Thresholds(BaseModel):
    field_accuracy: float
    findings_precision: float
    findings_recall: float
    max_wrong: int | None = None
    max_unflagged: int | None = Field(None, description="wrong values with no low confidence and no finding on them")


def _load_thresholds(golden: Path) -> dict[str, Thresholds]:
    path = golden / "thresholds.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return {kind: Thresholds.model_validate(v) for kind, v in data.items()}


def _ratio(num: int, den: int) -> float:
    return num / den if den else 1.0


class GroupSummary(BaseModel):
    """The cases of one template or input kind, added up."""

    fields: FieldTally
    precision: float
    recall: float

    @classmethod
    def of(cls, results: list[CaseResult]) -> GroupSummary:
        tally = FieldTally()
        for r in results:
            tally.add(r.fields)
        matched = sum(r.findings_matched for r in results)
        return cls(fields=tally, precision=_ratio(matched, sum(r.findings_found for r in results)),
                   recall=_ratio(matched, sum(r.findings_expected for r in results)))


def _table(title: str, groups: dict[str, list[CaseResult]]) -> Table:
    table = Table(title=title, title_justify="left")
    for col in ("group", "forms", "indicators", "fields", "correct", "omitted", "wrong", "unflagged", "accuracy",
                "findings P", "findings R", "s/case"):
        table.add_column(col, justify="left" if col == "group" else "right")
    for name, results in groups.items():
        summary = GroupSummary.of(results)
        tally = summary.fields
        table.add_row(
            name, f"{sum(r.forms_found for r in results)}/{sum(r.forms_expected for r in results)}",
            f"{sum(r.indicators_found for r in results)}/{sum(r.indicators_expected for r in results)}",
            str(tally.total), str(tally.correct), str(tally.omitted), str(tally.wrong), str(tally.wrong_unflagged),
            f"{tally.accuracy:.2%}",
            f"{summary.precision:.2%}", f"{summary.recall:.2%}",
            f"{sum(r.seconds for r in results) / max(1, len(results)):.3f}")
    return table


def _evaluate_all(cases: list[Path], update: bool, jobs: int) -> list[CaseResult]:
    if jobs <= 1 or update or len(cases) < 2:
        return [evaluate_case(c, update) for c in cases]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(evaluate_case, cases, chunksize=4))


def evaluate_golden(golden: Path, update: bool = False, report_path: Path | None = None, jobs: int = 1,
                    errors: int = 20) -> int:
    """Evaluate every case under `golden`; print the report; return the exit code (1 below thresholds).

    `errors`: field errors printed per case. Cases that name a `rendering` (generated variants) get a
    per-rendering table and a family × rendering matrix, and the most frequent misses are listed."""
    from jixiao.evaluate_breakdown import error_classes_table, matrix_table

    console = Console(highlight=False, soft_wrap=True)
    if not console.is_terminal:
        console.width = 160
    cases = sorted(p.parent for p in golden.glob("*/case.toml"))
    if not cases:
        Console(stderr=True).print(f"[red]error[/red] {golden}: no golden cases (*/case.toml)")
        return 2
    results = _evaluate_all(cases, update, jobs)
    by_template: dict[str, list[CaseResult]] = {}
    by_kind: dict[str, list[CaseResult]] = {}
    by_rendering: dict[str, list[CaseResult]] = {}
    for r in results:
        by_template.setdefault(r.template, []).append(r)
        by_kind.setdefault(r.kind, []).append(r)
        if r.rendering and r.rendering != r.kind:
            by_rendering.setdefault(r.rendering, []).append(r)
    console.print(_table("jixiao eval — per template", by_template))
    console.print(_table("jixiao eval — per input kind", {**by_kind, "all": results}))
    if by_rendering:
        console.print(_table("jixiao eval — per rendering", dict(sorted(by_rendering.items()))))
    if any(r.rendering for r in results):
        console.print(matrix_table(results))
        console.print(error_classes_table(results))
    failures = _threshold_failures({**by_kind, **by_rendering}, _load_thresholds(golden))
    for r in results:
        if r.error:
            console.print(f"  {r.case}: not read: {r.error}")
        for line in r.fields.errors[:errors]:
            console.print(f"  {r.case}: {line}")
        for key in r.missing_findings:
            console.print(f"  {r.case}: finding missing: {key}")
        for key in r.extra_findings:
            console.print(f"  {r.case}: finding not expected: {key}")
    if report_path:
        write_atomic(report_path, json.dumps([r.model_dump() for r in results], ensure_ascii=False, indent=2))
    for line in failures:
        console.print(f"[red]below threshold[/red] {line}")
    if update:
        console.print("expected.json rewritten from current output: review `git diff golden/` before committing")
    return 1 if failures else 0


def _threshold_failures(by_kind: dict[str, list[CaseResult]], thresholds: dict[str, Thresholds]) -> list[str]:
    failures: list[str] = []
    for kind, results in by_kind.items():
        limit = thresholds.get(kind)
        if limit is None:
            continue
        summary = GroupSummary.of(results)
        tally = summary.fields
        checks = ((tally.accuracy, limit.field_accuracy, "field accuracy"),
                  (summary.precision, limit.findings_precision, "findings precision"),
                  (summary.recall, limit.findings_recall, "findings recall"))
        failures += [f"{kind}: {name} {value:.2%} < {floor:.2%}" for value, floor, name in checks if value < floor]
        if limit.max_wrong is not None and tally.wrong > limit.max_wrong:
            failures.append(f"{kind}: {tally.wrong} wrong values > {limit.max_wrong}")
        if limit.max_unflagged is not None and tally.wrong_unflagged > limit.max_unflagged:
            failures.append(f"{kind}: {tally.wrong_unflagged} wrong values nobody is warned about > {limit.max_unflagged}")
    return failures
