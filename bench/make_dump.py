"""A large text dump for the memory benchmark: the golden text forms concatenated, each copy altered.

Copy k of a golden file gets `（第k批）` after every 项目名称 value and its 项目编码 suffixed with k, so the forms
are not exact duplicates of each other (as in a real bureau's export). The file is written, never committed:

    python bench/make_dump.py out/dump-12000.txt --forms 12000
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted(ROOT.glob("golden/*-text/*.txt"))
_TITLE = re.compile(r"绩效自评(价)?表")
_NAME = re.compile(r"(项目名称[^\t]*\t)([^\t\n]+)")
_CODE = re.compile(r"(项目编码[^\t]*\t)([^\t\n]+)")


def _forms_in(text: str) -> int:
    return sum(1 for line in text.splitlines() if _TITLE.search(line) and line.count("\t") == 0) or 1


def _altered(text: str, k: int) -> str:
    text = _NAME.sub(lambda m: f"{m.group(1)}{m.group(2).strip()}（第{k}批）", text)
    return _CODE.sub(lambda m: f"{m.group(1)}{m.group(2).strip()}{k:05d}", text)


def write_dump(target: Path, forms: int) -> int:
    """Write at least `forms` forms to `target` (UTF-8); returns the number of forms written."""
    seeds = [(path.read_text(encoding="utf-8"), 0) for path in SEEDS]
    seeds = [(text, _forms_in(text)) for text, _ in seeds]
    target.parent.mkdir(parents=True, exist_ok=True)
    written, k = 0, 0
    with target.open("w", encoding="utf-8") as out:
        while written < forms:
            text, count = seeds[k % len(seeds)]
            out.write(_altered(text, k).rstrip("\n") + "\n\n")
            written += count
            k += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", type=Path)
    parser.add_argument("--forms", type=int, default=12000)
    args = parser.parse_args()
    written = write_dump(args.target, args.forms)
    print(f"{args.target}: {written} forms, {args.target.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
