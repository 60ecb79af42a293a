"""Layout-variant generator (issue 9): many forms across provincial layout families, each drawn as
tab-separated text, collapsed text (tabs lost), markdown, CSV and HTML as other programs print tables, digital
PDF in several visual styles, a scan, and as a unit fills it in Excel (.xlsx) and Word (.docx).

Every form is drawn from one model (`variants_gen`): the sheet that is rendered and the
expected.json (SPEC §3, without findings: compare_findings = false) come from the same printed
strings. Seeded and deterministic: the same seed writes the same bytes.

  .venv/bin/python golden/make_variants.py OUT [--forms N] [--scans N] [--renderings text,collapsed,pdf-plain,…]
  .venv/bin/python golden/make_variants.py OUT --seeds   (the four seed forms as national 附件1 PDFs)

replaces OUT with OUT/<family>-<nn>-<rendering>/ {case.toml, input, expected.json} and a copy of
golden/variants/thresholds.toml (--quick: the `make test` subset) or thresholds-full.toml (the floors
`jixiao eval OUT` holds the parser to).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from variants_gen import render  # noqa: E402

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--forms", type=int, default=14, help="forms per family")
    parser.add_argument("--scans", type=int, default=1, help="forms per family also drawn as a scan")
    parser.add_argument("--scan-stride", type=int, default=1, help="scan only every Nth family's forms")
    parser.add_argument("--renderings", default=",".join(render.RENDERINGS))
    parser.add_argument("--seed", type=int, default=render.SEED)
    parser.add_argument("--quick", action="store_true", help="each form in one PDF style only (styles take turns)")
    parser.add_argument("--pdf-stride", type=int, default=1, help="with --quick: only every Nth form as a PDF")
    parser.add_argument("--office-stride", type=int, default=1, help="only every Nth form as .xlsx and .docx")
    parser.add_argument("--seeds", action="store_true", help="instead: the four seed forms as national 附件1 PDFs")
    args = parser.parse_args()
    if args.seeds:
        count = render.generate_seeds(args.out, HERE, HERE / "variants" / "seeds-thresholds.toml")
        print(f"{args.out}: {count} cases")
        raise SystemExit(0)
    floors = HERE / "variants" / ("thresholds.toml" if args.quick else "thresholds-full.toml")
    count = render.generate(args.out, args.forms, args.scans, args.renderings.split(","), args.seed, args.quick,
                            floors, args.scan_stride, args.pdf_stride, args.office_stride)
    print(f"{args.out}: {count} cases")
