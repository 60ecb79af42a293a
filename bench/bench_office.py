"""Spreadsheet and Word throughput on the golden inputs: forms per second (ingest → parse → check).

Each kind runs in a fresh process over its golden files (golden/*-xlsx, *-docx, the real 11-sheet
.xls export with one form, and the text forms as a yardstick), repeated until at least 200 forms are
read, after one warm-up file. Goal (issue 10): spreadsheets (.xlsx) ≥ 100 forms/s. The development
machine's 2 cores are shared, so both figures are printed: wall clock and the process's own CPU time
(the same on an idle core); the goal is judged on CPU time, and the load average at the start is
printed beside it.

Run: .venv/bin/python bench/bench_office.py      (or `make bench`)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# the text golden forms, measured the same way, as a yardstick for a loaded machine
KINDS = {"xlsx": ("golden/*-xlsx/*.xlsx", 100.0), "xls": ("golden/*-xls/*.xls", None),
         "docx": ("golden/*-docx/*.docx", None), "text": ("golden/*-text/*.txt", None)}

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from jixiao.checks import load_profile
from jixiao.pipeline import extract
paths = [Path(p) for p in sys.argv[1:]]
profile = load_profile()
extract(paths[0], profile)  # warm-up: imports
forms = 0
wall, cpu = time.perf_counter(), time.process_time()
while forms < 200:
    for path in paths:
        forms += len(extract(path, profile).forms)
print(json.dumps({"forms": forms, "seconds": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(pattern: str) -> dict[str, float]:
    inputs = sorted(str(p) for p in ROOT.glob(pattern))
    out = subprocess.run([sys.executable, "-c", _CHILD, *inputs], check=True, capture_output=True, text=True)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    failed = False
    print(f"office: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for kind, (pattern, goal) in KINDS.items():
        r = measure(pattern)
        wall, cpu = r["forms"] / r["seconds"], r["forms"] / r["cpu"]
        verdict = "" if goal is None else (" ok" if cpu >= goal else " BELOW GOAL")
        goal_text = "" if goal is None else f" (goal ≥ {goal:.0f}, on CPU time)"
        print(f"{kind + ':':6} {r['forms']:.0f} forms in {r['seconds']:.2f} s = {wall:.0f} forms/s wall, "
              f"{cpu:.0f} forms/s CPU{goal_text} · peak RSS {r['peak_rss_mib']:.0f} MiB{verdict}")
        failed |= goal is not None and cpu < goal
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
