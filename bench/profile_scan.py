"""Where a scanned page's time goes: CPU seconds per stage (process time, so other load on the machine does
not distort it), per page, over the golden scans, and the process's peak RSS.

Run pinned to one core, as the issue measures: taskset -c 0 .venv/bin/python bench/profile_scan.py
A reference is the same script on an older commit's code in the same minutes, on the other core:
  git archive C src | tar -x -C /tmp/old; PYTHONPATH=/tmp/old/src taskset -c 1 .venv/bin/python bench/profile_scan.py

2026-12-06, 16 golden scan pages, load ~6 on the 2 cores (old = 72ceaef, cores swapped between two runs):
ONNX recognition 3.32–3.55 → 2.65–2.66, text detection 1.35–1.40 → 1.00–1.01 (orientation no longer runs its own
detection; page at a 1024-px shorter side), deskew 0.33 → 0.44 (page faults: large buffers are returned to the
system, see ocr._hand_back_large_buffers), total 5.28–5.55 → 4.46–4.48 CPU s/page; peak RSS 1051–1058 → 699 MiB.

2026-12-06 evening, load 4–7, main (93bc798) on both cores in turn: 4.66 / 5.13 CPU s/page, peak 700 / 708 MiB
(recognition 2.79 / 2.97, detection 1.04 / 1.14, deskew measure 0.46 / 0.63). With the recogniser's 48×320 inputs on
OpenVINO beside it (commit 7c665b9, reverted): 4.04 / 4.46, peak 814 MiB, recognition 2.17 / 2.37. What else was
tried against it, and why nothing was kept: README, "Scans and scale".
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
STAGES = {  # module attribute → stage name
    "jixiao.ingest.pdf:page_image": "decode page image",
    "jixiao.ingest.scan:_upright_turn": "orientation",
    "jixiao.ingest.scan:remove_seal": "seal removal",
    "jixiao.ingest.scan:_skew_degrees": "deskew: measure",
    "jixiao.ingest.scan:rotate": "deskew: rotate",
    "jixiao.ingest.scan:ruling_lines": "ruling lines",
    "jixiao.ingest.scan:split_at_rulings": "re-reads: split at rulings",
    "jixiao.ingest.scan:recover_missed_ink": "re-reads: missed ink",
    "jixiao.ingest.scan:fix_signs": "re-reads: signs",
    "jixiao.ingest.scan:page_blocks": "cell grid",
}
spent: dict[str, float] = defaultdict(float)
_active: list[str] = []


def _timed(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        _active.append(name)
        try:
            return func(*args, **kwargs)
        finally:
            _active.pop()
            took = time.process_time() - start
            spent[name] += took
            if _active:
                spent[_active[-1]] -= took
    return wrapper


class _TimedModel:
    """An OCR model object whose calls are timed; its other attributes are the model's own."""

    def __init__(self, name: str, model: Any) -> None:
        self._model = model
        self._call = _timed(name, model.__call__)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._call(*args, **kwargs)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._model, attr)


def _patch() -> None:
    import importlib

    for target, name in STAGES.items():
        module_name, attr = target.split(":")
        module = importlib.import_module(module_name)
        if hasattr(module, attr):
            setattr(module, attr, _timed(name, getattr(module, attr)))
    from jixiao.ingest import ocr

    engine = ocr.engine()
    engine.text_det = _TimedModel("ONNX text detection", engine.text_det)
    engine.text_rec = _TimedModel("ONNX recognition", engine.text_rec)
    engine.text_cls = _TimedModel("ONNX 0/180 classifier", engine.text_cls)


def main() -> int:
    from jixiao.checks import load_profile
    from jixiao.ingest import ocr
    from jixiao.pipeline import extract

    inputs = sorted(ROOT.glob("golden/*-scan/*.pdf"))
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        inputs = [Path(a) for a in sys.argv[1:] if not a.startswith("-")]
    # warm-up on a page-sized image (a small one would be blown up to the detector's 736-px minimum side:
    # a 64×320 strip became a 736×3680 detector input, bigger than a page's, and set the peak RSS)
    warm = np.full((1240, 1754, 3), 255, dtype=np.uint8)
    cv2.putText(warm, "2024 100%", (80, 120), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (0, 0, 0), 2)
    ocr.read_text(warm)  # models loaded and compiled
    _patch()
    spent.clear()
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    pages = 0
    for path in inputs:
        pages += extract(path, load_profile()).source.pages
    cpu, wall = time.process_time() - start_cpu, time.perf_counter() - start_wall
    other = cpu - sum(spent.values())
    rows = [*sorted(spent.items(), key=lambda kv: -kv[1]), ("everything else (parse, checks, PDF open)", other)]
    print(f"{pages} scanned pages: {cpu / pages:.3f} CPU s/page ({wall / pages:.3f} wall s/page), "
          f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    for name, seconds in rows:
        print(f"  {name:<42} {seconds / pages:7.3f} s/page  {100 * seconds / cpu:5.1f}%")
    if "--json" in sys.argv:
        print(json.dumps({"pages": pages, "cpu_s_per_page": cpu / pages, "stages": {k: v / pages for k, v in rows}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
