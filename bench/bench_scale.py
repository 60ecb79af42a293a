"""Scale benchmark: forms/s and pages/s of `jixiao extract` with 1 and 2 worker processes and (when Ray is
installed) a local Ray instance, peak memory per worker, and the hours 10,000 / 100,000 scanned pages would
take at 8, 32 and 128 cores, projected from the measured per-core rate.

Batches: the golden scans (each copied COPIES times, so two workers get a balanced load) and the golden text
dumps. Each configuration runs in its own `jixiao` process; memory is each process's peak (VmHWM), read from
/proc while it runs. The targets (issue 14) are checked here, not in timed tests:
--jobs 2 ≥ 1.7 × serial on the scan batch, ≤ 700 MiB peak per worker.

Run: .venv/bin/python bench/bench_scale.py [--copies N] [--no-ray]      (or `make bench`)

2026-12-06 (`--copies 1 --no-ray`, load ~6 on the 2 cores, so wall-clock speedups mean nothing): scan peak RSS
700 MiB with 1 worker (in the CLI process), 585 MiB per process with 2 workers (was 1139 / 943 MiB); JSON identical.
"""

from __future__ import annotations

import argparse
import filecmp
import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JIXIAO = Path(sys.executable).parent / "jixiao"
SPEEDUP_GOAL, WORKER_MIB_GOAL = 1.7, 700.0


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(status.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def _peak_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run(args: list[str], out: Path) -> dict[str, float]:
    """Wall seconds of one `jixiao extract`, and the largest peak RSS of it and its worker processes (MiB)."""
    start = time.perf_counter()
    process = subprocess.Popen([str(JIXIAO), "extract", *args, "-o", str(out), "-q"], stderr=subprocess.PIPE)
    peaks: dict[int, int] = {}

    def watch() -> None:
        while process.poll() is None:
            for pid in _descendants(process.pid):
                peaks[pid] = max(peaks.get(pid, 0), _peak_kib(pid))
            time.sleep(0.2)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    _, err = process.communicate()
    seconds = time.perf_counter() - start
    watcher.join()
    if process.returncode not in (0, 1):
        raise SystemExit(f"jixiao {' '.join(args)} failed: {err.decode(errors='replace')[-500:]}")
    return {"seconds": seconds, "peak_mib": max(peaks.values(), default=0) / 1024}


def _batch(folder: Path, kind: str, copies: int) -> list[Path]:
    """The golden inputs of `kind`, `copies` times each."""
    files = []
    for source in sorted(ROOT.glob(f"golden/*-{kind}/*.*")):
        if source.suffix in (".pdf", ".txt"):
            for n in range(copies):
                target = folder / f"{source.stem}-{n}{source.suffix}"
                shutil.copyfile(source, target)
                files.append(target)
    return files


def _pages(out: Path) -> int:
    """Pages read, from the documents written (a text dump counts as one page)."""
    return sum(json.loads(p.read_bytes())["source"]["pages"] or 1 for p in out.glob("*.json"))


def _same(a: Path, b: Path) -> bool:
    names = sorted(p.name for p in a.glob("*.json"))
    return names == sorted(p.name for p in b.glob("*.json")) and all(filecmp.cmp(a / n, b / n, shallow=False)
                                                                     for n in names)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=2, help="copies of each golden scan in the scan batch")
    parser.add_argument("--no-ray", action="store_true")
    options = parser.parse_args()
    use_ray = not options.no_ray and importlib.util.find_spec("ray") is not None
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        results: dict[tuple[str, str], dict[str, float]] = {}
        for kind, copies in (("scan", options.copies), ("text", 50)):
            folder = work / kind
            folder.mkdir()
            files = _batch(folder, kind, copies)
            configs = [("1 worker", ["--jobs", "1"]), ("2 workers", ["--jobs", "2"])]
            if use_ray:
                configs.append(("Ray local (2 CPUs)", ["--ray", "local"]))
            for name, flags in configs:
                r = run([str(folder), *flags], work / f"{kind}-{name.split()[0]}")
                pages = _pages(work / f"{kind}-{name.split()[0]}")
                if len(list((work / f"{kind}-{name.split()[0]}").glob("*.json"))) != len(files):
                    raise SystemExit(f"{kind} · {name}: not every input was written")
                r.update(inputs=len(files), pages=pages)
                results[(kind, name)] = r
                print(f"{kind:>4} · {name:<19} {len(files):4d} inputs {pages:4d} pages in {r['seconds']:7.1f} s: "
                      f"{len(files) / r['seconds']:7.2f} inputs/s {pages / r['seconds']:7.2f} pages/s · "
                      f"peak RSS per process {r['peak_mib']:.0f} MiB", flush=True)
            same = _same(work / f"{kind}-1", work / f"{kind}-2")
            speedup = results[(kind, "1 worker")]["seconds"] / results[(kind, "2 workers")]["seconds"]
            print(f"{kind:>4} · 2 workers: {speedup:.2f}× the serial throughput; JSON identical to serial: {same}")
            failed |= not same
            if kind == "scan":
                scan = results[(kind, "1 worker")]
                failed |= speedup < SPEEDUP_GOAL or scan["peak_mib"] > WORKER_MIB_GOAL
                print(f"scan goals: 2 workers ≥ {SPEEDUP_GOAL}× serial {'ok' if speedup >= SPEEDUP_GOAL else 'MISSED'}; "
                      f"≤ {WORKER_MIB_GOAL:.0f} MiB per worker "
                      f"{'ok' if results[(kind, '2 workers')]['peak_mib'] <= WORKER_MIB_GOAL else 'MISSED'}")
                _projection(scan["seconds"] / scan["pages"], speedup / 2)
    return 1 if failed else 0


def _projection(seconds_per_page: float, efficiency: float) -> None:
    print("\nprojection: hours for a batch of scanned pages (rules only, no LLM)")
    print(f"  assumptions: {seconds_per_page:.2f} s per page on one core (the 1-worker scan run above, wall clock on "
          "this machine, pages like the golden scans: A4 at 150-200 dpi); one worker per core; parallel efficiency "
          f"{efficiency:.0%} (the 2-worker run's speedup / 2) at every size; inputs spread evenly; memory "
          "≤ 700 MiB × cores available; reading inputs and writing outputs not a bottleneck")
    print(f"  {'pages':>8} | " + " | ".join(f"{c:>4} cores" for c in (8, 32, 128)))
    for pages in (10_000, 100_000):
        hours = [pages * seconds_per_page / (cores * efficiency) / 3600 for cores in (8, 32, 128)]
        print(f"  {pages:>8,} | " + " | ".join(f"{h:8.1f} h" for h in hours))


if __name__ == "__main__":
    sys.exit(main())
