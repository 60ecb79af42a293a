"""Text-path throughput: forms per second for the rule path, at growing batch sizes.

Replicates the golden seed files into a temporary folder until each batch holds N forms,
then runs the real batch (ingest → parse → check → atomic JSON write) in-process, and once
through the installed `jixiao extract` command for the largest batch (start-up included).
Goal (issue 2): ≥ 200 forms/s and linear growth.
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jixiao.batch import run_batch, write_json
from jixiao.checks import load_profile
from jixiao.pipeline import RunOptions, extract

ROOT = Path(__file__).resolve().parent.parent
SIZES = (250, 500, 1000)


def replicate(folder: Path, forms_wanted: int) -> int:
    seeds = sorted(ROOT.glob("golden/*-text/*.txt"))
    per_file = {s: len(extract(s, load_profile()).forms) for s in seeds}
    forms, n = 0, 0
    while forms < forms_wanted:
        seed = seeds[n % len(seeds)]
        shutil.copy(seed, folder / f"{n:05d}_{seed.name}")
        forms += per_file[seed]
        n += 1
    return forms


def main() -> None:
    profile = load_profile()
    print(f"# python {sys.version.split()[0]}; command: make bench (python bench/bench_text.py)")
    print(f"{'forms':>6} {'files':>6} {'seconds':>8} {'forms/s':>8}")
    rates = []
    for size in SIZES:
        with tempfile.TemporaryDirectory() as tmp:
            src, out = Path(tmp, "in"), Path(tmp, "out")
            src.mkdir()
            forms = replicate(src, size)
            start = time.perf_counter()
            report = run_batch([src], out, RunOptions(profile=profile), write_json, quiet=True)
            seconds = time.perf_counter() - start
            assert not any(o.error for o in report.outcomes)
            rates.append(forms / seconds)
            print(f"{forms:>6} {len(report.outcomes):>6} {seconds:>8.3f} {forms / seconds:>8.1f}")
    print(f"growth: throughput at {SIZES[-1]} is {rates[-1] / rates[0]:.2f}× that at {SIZES[0]} (1.00 = linear)")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp, "in")
        src.mkdir()
        forms = replicate(src, SIZES[-1])
        cli = Path(sys.executable).with_name("jixiao")
        start = time.perf_counter()
        subprocess.run([str(cli), "extract", str(src), "-o", str(Path(tmp, "out")), "--quiet"], check=True)
        seconds = time.perf_counter() - start
        print(f"CLI end to end ({cli.name} extract, {forms} forms, start-up included): "
              f"{seconds:.2f} s, {forms / seconds:.1f} forms/s")


if __name__ == "__main__":
    main()
