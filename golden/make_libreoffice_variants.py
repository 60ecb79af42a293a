"""The layout variants' Word and Excel renderings exported to PDF by LibreOffice: a PDF drawn by a program other
than ours, as most published forms are (rows cut by page breaks, numbers wrapped in narrow columns, a workbook's
other sheets printed as pages of their own).

    python golden/make_variants.py VARIANTS --scans 0          # the .docx and .xlsx renderings to start from
    python golden/make_libreoffice_variants.py VARIANTS OUT    # OUT/<case>-lo/: the PDF, case.toml, expected.json
    jixiao eval OUT --jobs 2

A workbook is first made ready to print as a clerk would before exporting it: thin borders on the used range,
text wrapped, each row as high as its wrapped text, the sheet's width fitted to one landscape page. Needs
LibreOffice (`soffice`); not part of `make test` (CI has no LibreOffice). Measured figures: README, "PDFs".
"""

from __future__ import annotations

import argparse
import math
import re
import shutil
import subprocess
import sys
import tempfile
from copy import copy
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.styles import Border, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

_THIN = Side(style="thin")


def _lines(text: str, width: float) -> int:
    """Lines a text needs in a column `width` characters wide (a CJK character is two)."""
    return sum(max(1, math.ceil(sum(2 if ord(ch) > 255 else 1 for ch in part) * 1.1 / max(1.0, width - 1)))
               for part in text.split("\n"))


def _ready_to_print(sheet: Worksheet) -> None:
    widths = {c: sheet.column_dimensions[get_column_letter(c)].width or 8.43 for c in range(1, sheet.max_column + 1)}
    merged = {(r.min_row, r.min_col): (sum(widths[c] for c in range(r.min_col, r.max_col + 1)), r.max_row - r.min_row + 1)
              for r in sheet.merged_cells.ranges}
    for row in sheet.iter_rows(min_row=sheet.min_row, max_row=sheet.max_row, min_col=sheet.min_column,
                               max_col=sheet.max_column):
        lines = 1
        for cell in row:
            if not hasattr(cell, "column_letter"):  # a merged cell's covered part
                continue
            cell.border = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
            alignment = copy(cell.alignment)
            alignment.wrap_text = True
            cell.alignment = alignment
            if cell.value is not None:
                width, rows = merged.get((cell.row, cell.column), (widths[cell.column], 1))
                lines = max(lines, math.ceil(_lines(str(cell.value), width) / rows))
        sheet.row_dimensions[row[0].row].height = 15 * lines + 2
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.page_setup.orientation = "landscape"


def _convert(files: list[str], out: Path) -> None:
    if files:
        subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(out), *files],
                       check=False, capture_output=True, timeout=1800)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variants", type=Path, help="a folder written by golden/make_variants.py")
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    if shutil.which("soffice") is None:
        sys.exit("soffice (LibreOffice) is not on PATH: apt-get install libreoffice-writer-nogui libreoffice-calc-nogui")
    with tempfile.TemporaryDirectory() as tmp:
        staged, pdfs = Path(tmp, "in"), Path(tmp, "out")
        staged.mkdir()
        cases: dict[str, Path] = {}
        for case in sorted(p for p in args.variants.iterdir() if p.name.endswith(("-docx", "-xlsx"))):
            source = next(iter(case.glob("*.docx")), None) or next(iter(case.glob("*.xlsx")))
            if source.suffix == ".xlsx":
                book = load_workbook(source)
                for sheet in book.worksheets:
                    _ready_to_print(sheet)
                target = staged / f"{case.name}.xlsx"
                book.save(target)
            else:
                target = staged / f"{case.name}.docx"
                shutil.copy(source, target)
            cases[case.name] = case
        files = sorted(str(p) for p in staged.iterdir())
        for start in range(0, len(files), 40):  # one long soffice run has been seen to stop half-way, silently
            _convert(files[start:start + 40], pdfs)
        _convert([f for f in files if not (pdfs / f"{Path(f).stem}.pdf").exists()], pdfs)  # what it missed, again
        for name, case in cases.items():
            pdf = pdfs / f"{name}.pdf"
            if not pdf.exists():
                print(f"{name}: LibreOffice wrote no PDF; skipped", file=sys.stderr)
                continue
            folder = args.out / f"{name}-lo"
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copy(pdf, folder / pdf.name)
            shutil.copy(case / "expected.json", folder / "expected.json")
            meta = (case / "case.toml").read_text(encoding="utf-8")
            meta = re.sub(r'input = ".*"', f'input = "{pdf.name}"', meta)
            meta = re.sub(r'kind = ".*"', 'kind = "pdf"', meta)
            rendering = "pdf-libreoffice" + ("-xlsx" if name.endswith("-xlsx") else "")
            meta = re.sub(r'rendering = ".*"', f'rendering = "{rendering}"', meta)
            (folder / "case.toml").write_text(meta, encoding="utf-8")
    print(f"{args.out}: {len(list(args.out.glob('*/case.toml')))} cases")


if __name__ == "__main__":
    main()
