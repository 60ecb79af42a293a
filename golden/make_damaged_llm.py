"""Generate the LLM-measured damaged cases (golden/damaged-llm/<family>-<nn>-<damage>/) from the layout
families of golden/variants_gen, not from the seeds (the seed cases already in the folder are kept).

Damages, each what the rules cannot (fully) undo and the LLM layer is asked about:
  collapsed  the whole document copy-pasted out of a viewer: every run of tabs one space, a few rows glued
  unmapped   the indicator table's header printed in words the rules do not know (类别/考核内容/配分/实得…):
             one column-mapping request, then the layout memory serves the family's later forms
  nohead     the indicator table's header row lost
  nofunds    the funds table's header row lost (its rows are left without column names)

Run: .venv/bin/python golden/make_damaged_llm.py   (rewrites the generated cases, deterministic)
     .venv/bin/python golden/make_damaged_llm.py --layout-batch OUT N [FAMILY]   (N forms of FAMILY, default yunnan,
     in one unmapped layout, in OUT: the layout-memory figure of `jixiao eval OUT --llm`, forms 2…N read with the
     layout form 1 taught; yunnan's 指标值 and 完成值 are plain numbers, so the rules alone cannot settle it)
"""

from __future__ import annotations

import random
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from variants_gen.render import expected_json, form_for, write_case  # noqa: E402
from variants_gen.table import collapse, render_text  # noqa: E402

from jixiao.domain.vocabulary import fund_column, indicator_column  # noqa: E402

SEED = 20261130
OUT = HERE / "damaged-llm"
UNKNOWN_WORDS = {"level1": "类别", "level2": "子类", "name": "考核内容", "unit": "计量", "operator": "符号",
                 "target": "预期", "actual": "实现", "weight": "配分", "score": "实得", "explanation": "情况",
                 "scoring_method": "算法", "deviation_pct": "差异率", "score_coef": "折算比", "is_core": "重点",
                 "review_score": "复查分"}


def _is_indicator_header(line: str) -> bool:
    fields = {indicator_column(c.strip()) for c in line.split("\t")} - {None}
    return len(fields) >= 4 and bool(fields & {"name", "level1"})


def _is_funds_header(line: str) -> bool:
    return len({fund_column(c.strip()) for c in line.split("\t")} & {"initial_budget", "adjusted_budget", "executed"}) >= 2


def unmapped(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if _is_indicator_header(line):
            lines[i] = "\t".join(UNKNOWN_WORDS.get(indicator_column(c.strip()) or "", c) for c in line.split("\t"))
    return "\n".join(lines)


def nohead(text: str, rng: random.Random) -> str:
    return "\n".join(line for line in text.split("\n") if not _is_indicator_header(line))


def nofunds(text: str, rng: random.Random) -> str:
    return "\n".join(line for line in text.split("\n") if not _is_funds_header(line))


DAMAGES: dict[str, Callable[[str, random.Random], str]] = {"collapsed": collapse, "unmapped": unmapped,
                                                           "nohead": nohead, "nofunds": nofunds}
# (family, forms, damage): few cases, since `make test-llm` runs them against a slow local model
CASES = (("national", 1, "collapsed"), ("xianjie", 1, "collapsed"),
         ("anhui", 3, "unmapped"), ("yunnan", 1, "nohead"), ("hebei", 1, "nofunds"), ("shanxi", 1, "nofunds"))


def layout_batch(out: Path, count: int, family: str = "yunnan") -> None:
    """`count` cases of one family and one unmapped header (different content each) in `out`."""
    rng = random.Random(f"{SEED}-layout-batch")
    for n in range(count):
        spec, _sem, sheet, form = form_for(family, rng)
        stem = f"{family}-{n:02d}"
        text = unmapped(render_text(sheet, spec.text), rng)
        write_case(out / f"{stem}-unmapped", f"{stem}.txt", text.encode("utf-8"), expected_json([form]), family,
                   "damaged-unmapped", "unmapped")


def main() -> None:
    if sys.argv[1:2] == ["--layout-batch"]:
        layout_batch(Path(sys.argv[2]), int(sys.argv[3]), *sys.argv[4:5])
        return
    for old in OUT.glob("*/case.toml"):
        if old.parent.name.split("-")[0] in {family for family, _, _ in CASES}:
            shutil.rmtree(old.parent)
    for family, forms, damage in CASES:
        rng = random.Random(f"{SEED}-{family}")
        for n in range(forms):
            spec, _sem, sheet, form = form_for(family, rng)
            stem = f"{family}-{n:02d}"
            text = DAMAGES[damage](render_text(sheet, spec.text), random.Random(f"{SEED}-{stem}-{damage}"))
            write_case(OUT / f"{stem}-{damage}", f"{stem}.txt", text.encode("utf-8"), expected_json([form]), family,
                       f"damaged-{damage}", damage)


if __name__ == "__main__":
    main()
