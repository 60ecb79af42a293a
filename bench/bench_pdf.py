"""PDF and scan throughput on the golden inputs: pages per second (digital), seconds per page (scans).

Each case runs in a fresh process (so the peak memory measured is that input kind's own, and the
OCR models' load time is counted once, as a user's run pays it). Goals (issue 3): digital PDFs
≥ 20 pages/s, scans ≤ 4 s/page on the 2-core CI machine.

Run: .venv/bin/python bench/bench_pdf.py      (or `make bench`)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = {"pdf": 20.0, "scan": 4.0}  # pages/s floor for pdf, s/page ceiling for scans

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from jixiao.checks import load_profile
from jixiao.pipeline import extract
paths = [Path(p) for p in sys.argv[1:]]
profile = load_profile()
extract(paths[0], profile)  # warm-up: imports and, for scans, the OCR models
start = time.perf_counter()
pages = 0
for _ in range(3 if "-pdf" in str(paths[0]) else 1):
    for path in paths:
        pages += extract(path, profile).source.pages
seconds = time.perf_counter() - start
print(json.dumps({"pages": pages, "seconds": seconds,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(kind: str) -> dict[str, float]:
    inputs = sorted(str(p) for p in ROOT.glob(f"golden/*-{kind}/*.pdf"))
    out = subprocess.run([sys.executable, "-c", _CHILD, *inputs], check=True, capture_output=True, text=True)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    failed = False
    for kind, goal in KINDS.items():
        r = measure(kind)
        per_second = r["pages"] / r["seconds"]
        per_page = r["seconds"] / r["pages"]
        if kind == "pdf":
            ok = per_second >= goal
            print(f"digital PDF: {r['pages']:.0f} pages in {r['seconds']:.2f} s = {per_second:.1f} pages/s "
                  f"(goal ≥ {goal:.0f}) · peak RSS {r['peak_rss_mib']:.0f} MiB {'ok' if ok else 'BELOW GOAL'}")
        else:
            ok = per_page <= goal
            print(f"scan:        {r['pages']:.0f} pages in {r['seconds']:.1f} s = {per_page:.2f} s/page "
                  f"(goal ≤ {goal:.0f}) · peak RSS {r['peak_rss_mib']:.0f} MiB {'ok' if ok else 'ABOVE GOAL'}")
        failed |= not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
