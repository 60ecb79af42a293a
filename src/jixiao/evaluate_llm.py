"""`jixiao eval --llm`: rules-only vs rules+LLM vs an LLM-only baseline on the same golden cases, per damage
kind, with calls, tokens and seconds per form, the calls of forms read with a layout learned earlier in
the run (layout memory, a fresh store per run), and with `--drafts` the LLM drafter's 偏差原因 drafts.

The baseline sends each whole form in one request and takes the answer as it comes (no grounding):
it shows what the gap-filling design protects against. All three are scored on the fields the
baseline asks for (项目名称 and each indicator's name/target/actual/weight/score); the rules modes are
also scored on every field.
"""

from __future__ import annotations

import json
import tempfile
import time
import tomllib
from pathlib import Path

from pydantic import BaseModel, Field
from rich.console import Console
from rich.table import Table

from jixiao.checks import RuleProfile, load_profile
from jixiao.drafts.drafters import LlmDrafter
from jixiao.drafts.facts import form_facts
from jixiao.evaluate import CaseMeta, FieldTally, compare_forms, expected_from, is_flagged, score_fields, score_rows
from jixiao.ingest import ingest
from jixiao.layouts import LayoutStore
from jixiao.llm.prompts import render
from jixiao.llm.service import LlmService
from jixiao.models import Document
from jixiao.parse.segment import segment
from jixiao.pipeline import RunOptions, extract

SUBSET_FORM = ("project_name",)
SUBSET_INDICATOR = ("name", "target", "actual", "weight", "score")


class PlainIndicator(BaseModel):
    name: str = Field(description="三级指标 / 指标名称")
    target: str | None = Field(None, description="指标值，照抄原文")
    actual: str | None = Field(None, description="完成值，照抄原文")
    weight: float | None = Field(None, description="分值 / 指标权重")
    score: float | None = Field(None, description="得分 / 指标得分")


class WholeForm(BaseModel):
    project_name: str | None = Field(None, description="项目名称")
    indicators: list[PlainIndicator] = Field(default_factory=list)


class ModeResult(BaseModel):
    mode: str
    subset: FieldTally = Field(default_factory=FieldTally)
    full: FieldTally | None = None
    calls: int = 0
    tokens: int = 0
    forms: int = 0
    seconds: float = 0.0


class LearnedTally(BaseModel):
    """Forms read with a layout the layout memory learned earlier in this run: their calls and accuracy."""

    forms: int = 0
    calls: int = 0
    tally: FieldTally = Field(default_factory=FieldTally)


class DraftTally(BaseModel):
    """偏差原因 drafts of the LLM drafter over the cases' indicators that need one."""

    drafts: int = 0
    numbers_grounded: int = 0
    with_claims: int = 0
    quoted: int = 0
    refused: int = 0  # replies that wrote a cause instead of pointing at the form's text (kept out of the draft)
    calls: int = 0
    tokens: int = 0
    seconds: float = 0.0


def _subset(expected: list[dict[str, object]], found: list[dict[str, object]]) -> FieldTally:
    tally = FieldTally()
    for i, (exp, got) in enumerate(zip(expected, found + [{}] * (len(expected) - len(found)), strict=False)):
        score_fields(tally, f"forms[{i}]", exp, got, SUBSET_FORM)
        score_rows(tally, f"forms[{i}].indicators", exp.get("indicators", []),  # type: ignore[arg-type]
                    got.get("indicators", []), SUBSET_INDICATOR, "name")  # type: ignore[arg-type]
    return tally


def llm_only(path: Path, service: LlmService) -> tuple[list[dict[str, object]], int, int]:
    """(forms, calls, tokens): each form's whole text in one request."""
    layout = ingest(path)
    forms: list[dict[str, object]] = []
    calls = tokens = 0
    for section in segment(list(layout.rows())):
        rows = [section.title, section.year_row, *section.header, section.funds_header, *section.funds,
                section.goals_header, *section.goals, section.indicator_header, *section.indicators, *section.totals]
        lines = [" | ".join(c.text for c in row.filled) for row in rows if row is not None]
        prompt, _ = render("whole_form.j2", lines=lines)
        reply = service.structured([{"role": "user", "content": prompt}], WholeForm, {})
        calls += 0 if reply.cached else max(1, reply.attempts)
        tokens += reply.prompt_tokens + reply.completion_tokens
        forms.append(reply.data or {"indicators": []})
    return forms, calls, tokens


def _drafts(doc: Document, service: LlmService, profile: RuleProfile, tally: DraftTally) -> None:
    """Draft every 偏差原因 the document needs with the LLM drafter (form summaries left out: bounded cost)."""
    drafter = LlmDrafter(service)
    start = time.perf_counter()
    for index in range(len(doc.forms)):
        facts = form_facts(doc, index, profile)
        for item in facts.explain:
            draft = drafter.deviation(facts, item)
            tally.drafts += 1
            tally.numbers_grounded += not draft.ungrounded_numbers
            tally.with_claims += bool(draft.ungrounded_claims)
            tally.quoted += bool(draft.quotes)
            tally.refused += bool(draft.review_note and "已拒绝" in draft.review_note)
    tally.seconds += time.perf_counter() - start
    for reply in drafter.take_replies():
        tally.calls += 0 if reply.cached else max(1, reply.attempts)
        tally.tokens += reply.prompt_tokens + reply.completion_tokens


def evaluate_llm(golden: Path, service: LlmService, console: Console, baseline: bool = True,
                 drafts: bool = False, only: set[str] | None = None) -> int:
    cases = sorted(p.parent for p in golden.glob("*/case.toml") if not only or p.parent.name in only)
    modes = {m: ModeResult(mode=m, full=FieldTally() if m != "llm-only" else None)
             for m in ("rules-only", "rules+llm", "llm-only")}
    kinds: dict[tuple[str, str], ModeResult] = {}
    learned, drafted = LearnedTally(), DraftTally()
    regressions: list[str] = []
    with tempfile.TemporaryDirectory(prefix="jixiao-layouts-") as folder:
        memory = LayoutStore(Path(folder) / "layouts.json")  # learned in this run only: the figures repeat
        for case in cases:
            meta = CaseMeta.model_validate(tomllib.loads((case / "case.toml").read_text(encoding="utf-8")))
            expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))["forms"]
            profile = load_profile(meta.profile)
            accuracy: dict[str, float] = {}
            for mode, llm in (("rules-only", None), ("rules+llm", service)):
                start = time.perf_counter()
                doc: Document = extract(case / meta.input, RunOptions(profile=profile, llm=llm,
                                                                      layouts=memory if llm else None))
                seconds = time.perf_counter() - start
                found = expected_from(doc)["forms"]
                full = compare_forms(expected, found)
                full.wrong_unflagged = sum(not is_flagged(doc, p) for p in full.wrong_paths)
                for result in (modes[mode], kinds.setdefault((meta.kind, mode), ModeResult(mode=mode, full=FieldTally()))):
                    _add(result, full, _subset(expected, found), doc, seconds)
                accuracy[mode] = full.accuracy
                if llm is not None and any(f.code == "LAYOUT_LEARNED" for f in doc.findings):
                    learned.forms += len(doc.forms)
                    learned.calls += doc.llm_usage.calls
                    learned.tally.add(full)
                if llm is not None and drafts:
                    _drafts(doc, service, profile, drafted)
            if accuracy["rules+llm"] < accuracy["rules-only"]:
                regressions.append(f"{case.name}: rules+llm {accuracy['rules+llm']:.2%} < rules-only "
                                   f"{accuracy['rules-only']:.2%}")
            line = f"  {case.name} ({meta.kind}): rules {accuracy['rules-only']:.2%} → rules+llm {accuracy['rules+llm']:.2%}"
            if baseline:
                start = time.perf_counter()
                forms, calls, tokens = llm_only(case / meta.input, service)
                seconds = time.perf_counter() - start
                subset = _subset(expected, forms)
                for base in (modes["llm-only"], kinds.setdefault((meta.kind, "llm-only"), ModeResult(mode="llm-only"))):
                    base.seconds += seconds
                    base.subset.add(subset)
                    base.calls, base.tokens, base.forms = base.calls + calls, base.tokens + tokens, base.forms + len(forms)
                line += f" (llm-only subset {subset.accuracy:.2%})"
            console.print(line)
    shown = [m for name, m in modes.items() if baseline or name != "llm-only"]
    console.print(_table(f"jixiao eval --llm — {golden} — model {service.model} at {service.endpoint}", shown))
    console.print(_table("per damage kind", [r.model_copy(update={"mode": f"{kind} {r.mode}"})
                                             for (kind, _), r in sorted(kinds.items())]))
    console.print(f"layout memory: {learned.forms} forms read with a layout learned earlier in this run, "
                  f"{learned.calls} calls for them, " + (f"accuracy {learned.tally.accuracy:.2%}" if learned.forms
                                                        else "no layout learned"))
    if drafts:
        console.print(f"drafts (偏差原因, LLM): {drafted.drafts} drafts, numbers grounded in "
                      f"{drafted.numbers_grounded}/{drafted.drafts}, {drafted.with_claims} with a cause or measure the "
                      f"form does not give (marked ungrounded), {drafted.quoted} quoting the form, "
                      f"{drafted.refused} replies refused for writing a cause of their own; "
                      f"{drafted.calls} calls, {drafted.tokens} tokens, {drafted.seconds:.1f} s")
    for line in regressions:
        console.print(f"[red]rules+llm below rules-only[/red] {line}")
    return 1 if regressions else 0


def _add(result: ModeResult, full: FieldTally, subset: FieldTally, doc: Document, seconds: float) -> None:
    assert result.full is not None
    result.full.add(full)
    result.subset.add(subset)
    result.calls += doc.llm_usage.calls
    result.tokens += doc.llm_usage.prompt_tokens + doc.llm_usage.completion_tokens
    result.forms += len(doc.forms)
    result.seconds += seconds


def _table(title: str, results: list[ModeResult]) -> Table:
    table = Table(title=title, title_justify="left")
    for col in ("mode", "subset acc.", "subset wrong", "all-field acc.", "wrong", "unflagged", "calls", "calls/form",
                "tokens", "tokens/form", "seconds", "s/form"):
        table.add_column(col, justify="left" if col == "mode" else "right")
    for r in results:
        full = r.full
        forms = max(1, r.forms)
        table.add_row(r.mode, f"{r.subset.accuracy:.2%}", str(r.subset.wrong),
                      f"{full.accuracy:.2%}" if full else "—", str(full.wrong) if full else "—",
                      str(full.wrong_unflagged) if full else "—", str(r.calls), f"{r.calls / forms:.2f}", str(r.tokens),
                      f"{r.tokens / forms:.0f}", f"{r.seconds:.1f}", f"{r.seconds / forms:.2f}")
    return table
