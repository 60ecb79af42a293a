"""Generate golden/damaged/: the seed forms broken the way real dumps break (deterministic, seeded).

Each case keeps the seed's expected.json (the truth does not change when the text is damaged):
  collapsed  some indicator rows lost their tabs: cells joined by single spaces
  shifted    some indicator rows got a doubled tab, so every cell after it moves right
  columns    the indicator table's columns printed in another order (header and rows alike)
  header     the 项目名称 … row lost its tabs
  funds      the funds block run into one line (header and rows joined by spaces)
  nohead     the indicator table's header row lost

Run: .venv/bin/python golden/make_damaged.py   (rewrites golden/damaged/)
"""

from __future__ import annotations

import json
import random
import re
import shutil
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
INDICATOR_HEADER = re.compile(r"(三级指标|指标名称)")
SEED = 20231123


def _indicator_blocks(lines: list[str]) -> list[tuple[int, int]]:
    """(header line, end line) of every indicator table."""
    blocks = []
    for i, line in enumerate(lines):
        if "\t" in line and INDICATOR_HEADER.search(line):
            end = i + 1
            while end < len(lines) and lines[end].count("\t") >= 4 and not lines[end].startswith(("总分", "合计")):
                end += 1
            blocks.append((i, end))
    return blocks


def _data_rows(lines: list[str]) -> list[int]:
    rows = []
    for start, end in _indicator_blocks(lines):
        rows += [i for i in range(start + 1, end) if sum(c.strip() not in ("", "无") for c in lines[i].split("\t")) >= 5]
    return rows


def collapsed(lines: list[str], rng: random.Random) -> list[str]:
    for i in rng.sample(_data_rows(lines), 3):
        lines[i] = " ".join(c.strip() for c in lines[i].split("\t") if c.strip())
    return lines


def shifted(lines: list[str], rng: random.Random) -> list[str]:
    for i in rng.sample(_data_rows(lines), 3):
        cells = lines[i].split("\t")
        at = rng.randrange(1, len(cells) - 2)
        lines[i] = "\t".join([*cells[:at], "", *cells[at:]])
    return lines


def columns(lines: list[str], rng: random.Random) -> list[str]:
    for start, end in _indicator_blocks(lines):
        width = max(len(lines[i].split("\t")) for i in range(start, end))
        order = list(range(width))
        rng.shuffle(order)
        for i in range(start, end):
            cells = lines[i].split("\t") + [""] * width
            lines[i] = "\t".join(cells[j] for j in order).rstrip("\t")
    return lines


def header(lines: list[str], rng: random.Random) -> list[str]:
    for i, line in enumerate(lines):
        if "项目名称" in line and "\t" in line:
            lines[i] = " ".join(c.strip() for c in line.split("\t") if c.strip())
    return lines


def funds(lines: list[str], rng: random.Random) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(lines):
        if "年初预算数" in lines[i] and "\t" in lines[i]:
            block = [lines[i]]
            i += 1
            while i < len(lines) and lines[i].count("\t") >= 3 and re.search(r"\d", lines[i]):
                block.append(lines[i])
                i += 1
            out.append(" ".join(c.strip() for line in block for c in line.split("\t") if c.strip()))
            continue
        out.append(lines[i])
        i += 1
    return out


def nohead(lines: list[str], rng: random.Random) -> list[str]:
    drop = {start for start, _ in _indicator_blocks(lines)}
    return [line for i, line in enumerate(lines) if i not in drop]


DAMAGES = {"collapsed": collapsed, "shifted": shifted, "columns": columns, "header": header, "funds": funds,
           "nohead": nohead}


def main() -> None:
    out = HERE / "damaged"
    for old in out.glob("*/case.toml"):  # regenerate the cases, keep thresholds.toml
        shutil.rmtree(old.parent)
    for case in sorted(p.parent for p in HERE.glob("*-text/case.toml")):
        meta = tomllib.loads((case / "case.toml").read_text(encoding="utf-8"))
        text = (case / meta["input"]).read_text(encoding="utf-8")
        expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
        for name, damage in DAMAGES.items():
            rng = random.Random(f"{SEED}-{case.name}-{name}")
            target = out / f"{case.name.removesuffix('-text')}-{name}"
            target.mkdir(parents=True)
            (target / meta["input"]).write_text("\n".join(damage(text.split("\n"), rng)), encoding="utf-8")
            (target / "expected.json").write_text(
                json.dumps({"forms": expected["forms"], "findings": []}, ensure_ascii=False, indent=2) + "\n",
                encoding="utf-8")
            (target / "case.toml").write_text(
                f'input = "{meta["input"]}"\ntemplate = "{meta["template"]}"\nkind = "damaged-{name}"\n'
                f'profile = "{meta["profile"]}"\ncompare_findings = false\n', encoding="utf-8")


if __name__ == "__main__":
    main()
