"""Evaluation of the text review (issue 17) against hand labels in golden/review-labels/.

Each case folder holds `labels.toml`: the input, and the review findings a careful reviewer raises
(form, row, name, code); every other row of its forms is clean. Precision and recall are counted
per code on (form, row, code), for the rules alone and, with an LLM, for rules + the LLM judge.
"""

from __future__ import annotations

import time
import tomllib
from pathlib import Path

from pydantic import BaseModel, Field
from rich.console import Console
from rich.table import Table

from jixiao.checks import load_profile
from jixiao.checks.review_codes import REVIEW_CODES, RULE_CODES
from jixiao.llm.service import LlmService
from jixiao.models import Document
from jixiao.pipeline import RunOptions, extract
from jixiao.values import squash

Key = tuple[str, int, int, str]  # case, form, row, code


class Label(BaseModel):
    form: int
    row: int
    name: str
    code: str | None = None
    why: str = ""


class CaseLabels(BaseModel):
    input: str
    profile: str = "national"
    finding: list[Label] = Field(default_factory=list)
    clean: list[Label] = Field(default_factory=list)


class ModeResult(BaseModel):
    found: set[Key] = Field(default_factory=set)
    llm_calls: int = 0
    llm_cached: int = 0
    forms: int = 0
    seconds: float = 0.0
    refused: int = Field(0, description="LLM judgements dropped: a quote not in the row, or a failed call")
    quote_not_in_form: int = Field(0, description="LLM findings whose quote is not in the form (must stay 0)")


def _row_index(path: str | None) -> int | None:
    if not path or not path.startswith("indicators["):
        return None
    return int(path.split("[", 1)[1].split("]", 1)[0])


def _row_text(document: Document, form: int, row: int) -> str:
    ind = document.forms[form].indicators[row]
    return squash(" ".join(str(v) for v in ind.model_dump().values() if isinstance(v, str)))


def _run(cases: dict[str, tuple[Path, CaseLabels]], service: LlmService | None, errors: list[str]) -> ModeResult:
    result = ModeResult()
    for name, (folder, labels) in cases.items():
        start = time.perf_counter()
        options = RunOptions(profile=load_profile(labels.profile), llm=service,
                             concurrency=service.concurrency if service is not None else 2)
        document = extract((folder / labels.input).resolve(), options)
        result.seconds += time.perf_counter() - start
        result.forms += len(document.forms)
        result.llm_calls += document.llm_usage.calls
        result.llm_cached += document.llm_usage.cached_calls
        for label in [*labels.finding, *labels.clean]:
            forms = document.forms
            if label.form >= len(forms) or label.row >= len(forms[label.form].indicators) or \
                    squash(forms[label.form].indicators[label.row].name) != squash(label.name):
                errors.append(f"{name}: forms[{label.form}].indicators[{label.row}] is not “{label.name}”")
        for f in document.findings:
            row = _row_index(f.path)
            if f.method == "llm" and f.code in ("LLM_FAILED", "LLM_VALUE_UNGROUNDED"):
                result.refused += 1
            if f.code not in REVIEW_CODES or f.form is None or row is None:
                continue
            if service is None and f.method == "llm":
                continue
            if f.method == "llm" and not all(squash(q) in _row_text(document, f.form, row)
                                             for q in (f.quote or "").split("；") if q):
                result.quote_not_in_form += 1
            result.found.add((name, f.form, row, f.code))
    return result


def _table(title: str, expected: set[Key], modes: dict[str, ModeResult]) -> Table:
    table = Table(title=title, title_justify="left")
    for col in ("code", "label", "labelled", *(f"{m} {k}" for m in modes for k in ("found", "P", "R"))):
        table.add_column(col, justify="left" if col in ("code", "label") else "right")
    for code, spec in [*REVIEW_CODES.items(), ("all rule codes", None), ("all codes", None)]:
        codes = RULE_CODES if code == "all rule codes" else set(REVIEW_CODES) if code == "all codes" else {code}
        exp = {k for k in expected if k[3] in codes}
        cells: list[str] = []
        for mode in modes.values():
            got = {k for k in mode.found if k[3] in codes}
            hit = len(exp & got)
            cells += [str(len(got)), f"{hit / len(got):.0%}" if got else "—", f"{hit / len(exp):.0%}" if exp else "—"]
        label = spec.label + ("" if spec.rules else "（仅模型）") if spec else ""
        table.add_row(code, label, str(len(exp)), *cells)
    return table


def _ratios(expected: set[Key], found: set[Key], codes: set[str]) -> tuple[float, float]:
    exp = {k for k in expected if k[3] in codes}
    got = {k for k in found if k[3] in codes}
    hit = len(exp & got)
    return (hit / len(got) if got else 1.0, hit / len(exp) if exp else 1.0)


def evaluate_review(folder: Path, service: LlmService | None = None, console: Console | None = None,
                    only: set[str] | None = None) -> int:
    """Print per-code precision/recall; return 1 when the rules fall below `thresholds.toml` there.
    `only`: the names of the cases to run (all when empty)."""
    console = console or Console(highlight=False, soft_wrap=True, width=160)
    cases = {p.parent.name: (p.parent, CaseLabels.model_validate(tomllib.loads(p.read_text(encoding="utf-8"))))
             for p in sorted(folder.glob("*/labels.toml")) if not only or p.parent.name in only}
    unknown = sorted((only or set()) - set(cases))
    if unknown:
        console.print(f"[red]error[/red] {folder}: no labelled case named {', '.join(unknown)}")
        return 2
    expected = {(name, lab.form, lab.row, lab.code) for name, (_, labels) in cases.items()
                for lab in labels.finding if lab.code}
    errors: list[str] = []
    modes = {"rules": _run(cases, None, errors)}
    if service is not None:
        modes["rules+llm"] = _run(cases, service, errors)
    console.print(_table(f"jixiao eval — text review ({len(cases)} cases, {modes['rules'].forms} forms)",
                         expected, modes))
    for mode_name, mode in modes.items():
        for key in sorted(mode.found - expected):
            console.print(f"  {mode_name}: not labelled: {key[0]} forms[{key[1]}].indicators[{key[2]}] {key[3]}")
        for key in sorted(expected - mode.found):
            console.print(f"  {mode_name}: missed: {key[0]} forms[{key[1]}].indicators[{key[2]}] {key[3]}")
    if "rules+llm" in modes:
        llm = modes["rules+llm"]
        forms = max(1, llm.forms)
        console.print(f"LLM judge: {llm.llm_calls} calls ({llm.llm_cached} cached), {llm.llm_calls / forms:.2f} calls/form, "
                      f"{llm.seconds / forms:.2f} s/form, {llm.refused} judgements refused or failed, "
                      f"{llm.quote_not_in_form} findings quoting text not in the form")
    failures = [f"label: {e}" for e in errors]
    limits = tomllib.loads((folder / "thresholds.toml").read_text(encoding="utf-8")) \
        if (folder / "thresholds.toml").exists() else {}
    rules = limits.get("rules", {})
    gated = [("all rule codes", set(RULE_CODES))] + [(c, {c}) for c in sorted(RULE_CODES)]
    for name, codes in gated:
        precision, recall = _ratios(expected, modes["rules"].found, codes)
        if precision < rules.get("precision", 0.0):
            failures.append(f"rules {name}: precision {precision:.0%} < {rules['precision']:.0%}")
        if recall < rules.get("recall", 0.0):
            failures.append(f"rules {name}: recall {recall:.0%} < {rules['recall']:.0%}")
    if "rules+llm" in modes and modes["rules+llm"].quote_not_in_form:
        failures.append("rules+llm: a finding quotes text that is not in the form")
    for line in failures:
        console.print(f"[red]below threshold[/red] {line}")
    return 1 if failures else 0
