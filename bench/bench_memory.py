"""Bounded memory (issue 11): one text dump of N forms (default 12,000; bench/make_dump.py) through `jixiao run`,
in a fresh process: peak RSS, JSON size, seconds. Then the same run killed with SIGKILL part-way (the test hook
`part-written#K:kill`) and resumed with `--resume`: its outputs must equal the uninterrupted run's.

Goals: peak ≤ 1 GiB and JSON ≤ 100 MB at 12,000 forms.

    python bench/bench_memory.py [--forms 12000] [--no-resume]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from openpyxl import load_workbook

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_dump import write_dump

CLI = Path(sys.executable).with_name("jixiao")


def _run(args: list[str], hook: str = "") -> tuple[int, float]:
    env = {**os.environ, "JIXIAO_TEST_HOOK": hook} if hook else dict(os.environ)
    start = time.perf_counter()
    status = subprocess.run([str(CLI), *args], env=env, check=False, stdout=subprocess.DEVNULL).returncode
    return status, time.perf_counter() - start


def _outputs(out: Path) -> dict[str, object]:
    files: dict[str, object] = {p.name: p.read_bytes() for p in sorted(out.iterdir())
                                if p.suffix in (".json", ".md", ".html")}
    book = load_workbook(out / "review.xlsx", read_only=True)
    files["review.xlsx"] = [[c for c in row] for ws in book for row in ws.iter_rows(values_only=True)]
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=12000)
    parser.add_argument("--no-resume", action="store_true", help="skip the kill -9 / --resume comparison")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp, "dump.txt")
        forms = write_dump(dump, args.forms)
        whole = Path(tmp, "whole")
        status, seconds = _run(["run", str(dump), "-o", str(whole), "-q"])
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        size = (whole / "dump.json").stat().st_size
        print(f"# command: make bench (python bench/bench_memory.py --forms {args.forms})")
        print(f"{forms} forms, {dump.stat().st_size / 1e6:.1f} MB dump: exit {status}, {seconds:.0f} s, "
              f"peak RSS {peak:.0f} MiB (goal ≤ 1024), JSON {size / 1e6:.1f} MB (goal ≤ 100), "
              f"{size / forms / 1e3:.1f} KB a form; .html {(whole / 'dump.html').stat().st_size / 1e6:.1f} MB, "
              f"review.xlsx {(whole / 'review.xlsx').stat().st_size / 1e6:.1f} MB")
        if args.no_resume:
            return
        out = Path(tmp, "out")
        parts = max(2, forms // 100 // 2)  # about half way through the dump's parts
        killed, _ = _run(["run", str(dump), "-o", str(out), "-q"], hook=f"part-written#{parts}:kill")
        left = sorted(p.name for p in out.iterdir() if not p.name.startswith(".jixiao.lock"))
        resumed, seconds = _run(["run", str(dump), "-o", str(out), "-q", "--resume"])
        same = _outputs(out) == _outputs(whole)
        print(f"kill -9 after part {parts}: exit {killed}, left {left or 'nothing'}; --resume: exit {resumed}, "
              f"{seconds:.0f} s; outputs identical to the uninterrupted run: {same}")
        if not same or killed != -9:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
