"""Write the variant cases: per form and rendering a folder with case.toml, the input and expected.json."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path
from typing import Any

from jixiao.models import Form
from variants_gen import families
from variants_gen.build import Spec, build
from variants_gen.content import SemForm, make_form
from variants_gen.markup import render_csv, render_html, render_markdown
from variants_gen.table import Sheet, collapse, render_text

SEED = 20260901
PDF_STYLES = ("plain", "compact", "boxed")
RENDERINGS = ("text", "collapsed", "markdown", "csv", "html", *(f"pdf-{s}" for s in PDF_STYLES), "scan", "xlsx", "docx")


def expected_json(forms: list[Form]) -> str:
    body = {"forms": [f.model_dump(mode="json", exclude={"provenance", "layout"}) for f in forms], "findings": []}
    return json.dumps(body, ensure_ascii=False, indent=2) + "\n"


def form_for(family: str, rng: random.Random) -> tuple[Spec, SemForm, Sheet, Form]:
    spec = families.spec_for(family, rng)
    sem = make_form(rng, exec_weight=spec.exec_weight, department_form=spec.department_form,
                    amount_unit="万元" if spec.money == "suffix" else None,
                    max_indicators=9 if spec.funds == "split" else 12)
    if sem.unit == "元" and spec.money != "suffix":
        spec.money = rng.choice(["thousands", "plain"])
    sheet, form = build(spec, sem)
    return spec, sem, sheet, form


def write_case(folder: Path, name: str, data: bytes, expected: str, family: str, kind: str, rendering: str) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / name).write_bytes(data)
    (folder / "expected.json").write_text(expected, encoding="utf-8")
    (folder / "case.toml").write_text(
        f'input = "{name}"\ntemplate = "{family}"\nkind = "{kind}"\nrendering = "{rendering}"\n'
        'profile = "national"\ncompare_findings = false\n', encoding="utf-8")


def generate(out: Path, per_family: int, scans: int, renderings: list[str], seed: int = SEED, quick: bool = False,
             thresholds: Path | None = None, scan_stride: int = 1, pdf_stride: int = 1, office_stride: int = 1) -> int:
    """Every family's forms in the asked renderings; returns the number of cases written.

    `scans` forms of every `scan_stride`-th family are also scanned. `quick`: each form in one PDF style
    only (the styles take turns), and only every `pdf_stride`-th form as a PDF at all. Only every
    `office_stride`-th form as .xlsx and .docx. `thresholds` is copied into `out`."""
    unknown = set(renderings) - set(RENDERINGS)
    if unknown:
        raise SystemExit(f"unknown renderings: {', '.join(sorted(unknown))}")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    if thresholds is not None:
        shutil.copy(thresholds, out / "thresholds.toml")
    count = 0
    for k, family in enumerate(families.FAMILIES):
        rng = random.Random(f"{seed}-{family}")
        family_scans = scans if k % scan_stride == 0 else 0
        for n in range(per_family):
            spec, _sem, sheet, form = form_for(family, rng)
            expected = expected_json([form])
            stem = f"{family}-{n:02d}"
            text = render_text(sheet, spec.text)
            draw_rng = random.Random(f"{seed}-{stem}-draw")
            if "text" in renderings:
                write_case(out / f"{stem}-text", f"{stem}.txt", text.encode("utf-8"), expected, family, "text", "text")
                count += 1
            if "collapsed" in renderings:
                write_case(out / f"{stem}-collapsed", f"{stem}.txt", collapse(text, draw_rng).encode("utf-8"), expected,
                           family, "collapsed", "collapsed")
                count += 1
            markup_rng = random.Random(f"{seed}-{stem}-markup")  # its own: the PDF and scan draws stay as they were
            if "markdown" in renderings:
                write_case(out / f"{stem}-markdown", f"{stem}.md", render_markdown(sheet, markup_rng).encode("utf-8"),
                           expected, family, "markdown", "markdown")
                count += 1
            if "csv" in renderings:
                write_case(out / f"{stem}-csv", f"{stem}.csv", render_csv(sheet, markup_rng), expected, family, "csv", "csv")
                count += 1
            if "html" in renderings:
                suffix, data = render_html(sheet, markup_rng)
                write_case(out / f"{stem}-html", f"{stem}{suffix}", data, expected, family, "html", "html")
                count += 1
            if n % office_stride == 0:
                count += _office(out, stem, sheet, form, expected, family, renderings, seed)
            asked = [r for r in renderings if not r.startswith("pdf-") or not quick
                     or (n % pdf_stride == 0 and r == f"pdf-{PDF_STYLES[n // pdf_stride % len(PDF_STYLES)]}")]
            count += _pdfs(out, stem, sheet, expected, family, asked, draw_rng, scan=n < family_scans)
    return count


def _office(out: Path, stem: str, sheet: Sheet, form: Form, expected: str, family: str, renderings: list[str],
            seed: int) -> int:
    """The form as a unit fills it in Excel and in Word (each with its own seeded habits)."""
    count = 0
    if "xlsx" in renderings:
        from variants_gen import xlsxdraw

        data = xlsxdraw.to_xlsx(sheet, form, random.Random(f"{seed}-{stem}-xlsx"))
        write_case(out / f"{stem}-xlsx", f"{stem}.xlsx", data, expected, family, "xlsx", "xlsx")
        count += 1
    if "docx" in renderings:
        from variants_gen import docxdraw

        data = docxdraw.to_docx(sheet, random.Random(f"{seed}-{stem}-docx"))
        write_case(out / f"{stem}-docx", f"{stem}.docx", data, expected, family, "docx", "docx")
        count += 1
    return count


def _pdfs(out: Path, stem: str, sheet: Sheet, expected: str, family: str, renderings: list[str],
          rng: random.Random, scan: bool) -> int:
    if not any(r.startswith("pdf-") for r in renderings) and not (scan and "scan" in renderings):
        return 0
    from variants_gen import pdfdraw  # PyMuPDF only where PDFs are asked for

    count = 0
    style_for_scan = PDF_STYLES[sum(map(ord, stem)) % len(PDF_STYLES)]
    for style in PDF_STYLES:
        want_pdf = f"pdf-{style}" in renderings
        want_scan = scan and "scan" in renderings and style == style_for_scan
        if not (want_pdf or want_scan):
            continue
        doc, seals = pdfdraw.draw(sheet, style)
        if want_pdf:
            write_case(out / f"{stem}-pdf-{style}", f"{stem}.pdf", pdfdraw.to_bytes(doc), expected, family, "pdf",
                       f"pdf-{style}")
            count += 1
        if want_scan:
            data = pdfdraw.scan(doc, seals, rng)
            write_case(out / f"{stem}-scan", f"{stem}.pdf", data, expected, family, "scan", f"scan-{style}")
            count += 1
    return count


def load_expected(folder: Path) -> dict[str, Any]:
    return dict(json.loads((folder / "expected.json").read_text(encoding="utf-8")))


def generate_seeds(out: Path, golden: Path, thresholds: Path | None = None) -> int:
    """The seed forms as national 附件1 PDFs, one case per seed and PDF style (findings compared)."""
    from variants_gen import pdfdraw, seeds

    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    if thresholds is not None:
        shutil.copy(thresholds, out / "thresholds.toml")
    count = 0
    for seed, sheets, expected in seeds.seed_cases(golden):
        for style in PDF_STYLES:
            doc = pdfdraw.draw_many(sheets, style)
            folder = out / f"{seed}-national-{style}"
            write_case(folder, f"{seed}.pdf", pdfdraw.to_bytes(doc), expected, f"seed-{seed}", "pdf", f"pdf-{style}")
            toml = (folder / "case.toml").read_text(encoding="utf-8")
            (folder / "case.toml").write_text(toml.replace("compare_findings = false", "compare_findings = true"),
                                              encoding="utf-8")
            count += 1
    return count
