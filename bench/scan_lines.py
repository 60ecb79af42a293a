"""How many scanned text lines a change to the recogniser's input reads differently, and what it costs.

Collects every image the recogniser is given while the scan inputs are extracted (golden scans unless paths are
given), then reads them all again, one per call as the pipeline does, with the model's usual 320-px minimum
width and with each width in --widths; prints the CPU time and the lines whose text changed.

  taskset -c 0 .venv/bin/python bench/scan_lines.py [PDF ...] --widths 240 160

2026-12-06, 2,303 lines of the 4 golden and the 6 variant quick-subset scans (one core, load ~5): 240 px read 29
lines differently at 83% of the CPU time, 160 px 54 lines at 66%. Both fix some reads ('30171人次' → '≥30171人次')
and break others ('≥95' → '295'); fields: golden scans 98.15% → 98.08% (240) / 97.68% (160), variant subset
95.36% → 94.40% / 94.88%. Rejected; the figures are in README (Scans and scale).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def collect(inputs: list[Path]) -> list[np.ndarray]:
    """Every recogniser input (line crop) of the pipeline's run over `inputs`."""
    from jixiao.checks import load_profile
    from jixiao.ingest import ocr
    from jixiao.pipeline import extract

    engine = ocr.engine()
    model = engine.text_rec
    crops: list[np.ndarray] = []

    class Recording:
        def __call__(self, images: Any, *args: Any, **kwargs: Any) -> Any:
            crops.extend(image.copy() for image in (images if isinstance(images, list) else [images]))
            return model(images, *args, **kwargs)

        def __getattr__(self, name: str) -> Any:
            return getattr(model, name)

    engine.text_rec = Recording()
    try:
        for path in inputs:
            extract(path, load_profile())
    finally:
        engine.text_rec = model
    return crops


def read_all(crops: list[np.ndarray], min_width: int) -> tuple[list[str], float]:
    """The text of every crop with the recogniser padding to at least `min_width` px, and the CPU seconds."""
    from jixiao.ingest import ocr

    model = ocr.engine().text_rec
    shape = list(model.rec_image_shape)
    model.rec_image_shape = [shape[0], shape[1], min_width]
    try:
        start = time.process_time()
        texts = [str(model([crop])[0][0][0]) for crop in crops]
        return texts, time.process_time() - start
    finally:
        model.rec_image_shape = shape


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="*", type=Path)
    parser.add_argument("--widths", nargs="+", type=int, default=[240, 160])
    args = parser.parse_args()
    inputs = args.inputs or sorted(ROOT.glob("golden/*-scan/*.pdf"))
    crops = collect(inputs)
    base, base_cpu = read_all(crops, 320)
    print(f"{len(crops)} lines from {len(inputs)} inputs; 320 px: {base_cpu:.1f} CPU s")
    for width in args.widths:
        texts, cpu = read_all(crops, width)
        changed = [(a, b) for a, b in zip(base, texts, strict=True) if a != b]
        print(f"{width} px: {cpu:.1f} CPU s ({cpu / base_cpu:.0%}), {len(changed)} lines read differently")
        for before, after in changed:
            print(f"    {before!r} → {after!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
