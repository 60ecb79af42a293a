"""Generate the golden .xlsx and .docx inputs from the text golden cases (deterministic, seeded).

Every form of `golden/<seed>-text/` is laid out as in the digital PDFs (`make_inputs.py`: the
national 附件1 layout for 浦锦/金凤 — 一级/二级指标 merged over the rows they cover, the 项目资金
block's first cell merged over the funds header and its rows — and the Chongqing layout for
綦江/渝中), and written as a real spreadsheet and a real Word document:

  <seed>-xlsx/  a workbook: a 填报说明 sheet that is not a form (skipped), the first two forms
                stacked on one sheet, every other form on a sheet of its own. Numbers are stored as
                numbers with the number format that prints them as the seed did (`#,##0.00`,
                `0.00`, `0%` …), so reading must go through the display format.
  <seed>-docx/  a document: per form a title paragraph, the year line, and the table with
                `gridSpan`/`vMerge` merged cells; the last form's table is nested in the cell of a
                one-cell layout table, as some units lay out their pages.

  <seed>-xls/   when LibreOffice is installed: the .xlsx converted to .xls by LibreOffice Calc
                (`soffice --convert-to xls`), i.e. a BIFF workbook written by another program.

All keep the seed's expected.json. The seeded RNG only picks which number formats print a
number whose printed text several formats could produce.

Run: .venv/bin/python golden/make_office.py   (rewrites golden/*-xlsx/ and golden/*-docx/)
"""

from __future__ import annotations

import io
import json
import random
import re
import shutil
import subprocess
import tempfile
import tomllib
from pathlib import Path

import docx
import openpyxl
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.table import Table
from make_inputs import LAYOUTS, Cell, chongqing_rows, national_rows, write_case
from openpyxl.styles import Alignment
from variants_gen.docxdraw import text_run
from variants_gen.ooxmlzip import stable_zip

from jixiao.checks import load_profile
from jixiao.models import Form
from jixiao.pipeline import extract

HERE = Path(__file__).resolve().parent
SEED = 20231130
_PLAIN = re.compile(r"^-?(\d+)(?:\.(\d+))?$")
_GROUPED = re.compile(r"^-?\d{1,3}(?:,\d{3})+(?:\.(\d+))?$")
_PERCENT = re.compile(r"^-?\d+(?:\.(\d+))?%$")


def typed(text: str, rng: random.Random) -> tuple[object, str]:
    """(value, number format) that a spreadsheet would store to print `text`; text stays text."""
    if m := _GROUPED.match(text):
        places = len(m.group(1) or "")
        return float(text.replace(",", "")), "#,##0" + ("." + "0" * places if places else "")
    if m := _PERCENT.match(text):
        places = len(m.group(1) or "")
        return round(float(text[:-1]) / 100, places + 2), "0" + ("." + "0" * places if places else "") + "%"
    if (m := _PLAIN.match(text)) and len(m.group(1)) <= 12 and not (len(m.group(1)) > 1 and text.lstrip("-")[0] == "0"):
        places = len(m.group(2) or "")
        if places == 0:
            return int(text), rng.choice(["General", "0"])
        return float(text), "0." + "0" * places
    return text, "@"


def form_rows(form: Form, layout: str) -> tuple[int, list[list[Cell]]]:
    widths, rows = chongqing_rows(form) if layout == "chongqing" else national_rows(form)
    return len(widths), rows


def title_lines(form: Form) -> list[str]:
    lines = [form.title or ""]
    if form.year is not None and str(form.year) not in lines[0]:
        lines.append(f"（{form.year}年度）")
    return lines


# ---------------------------------------------------------------- xlsx


def write_form(ws: openpyxl.worksheet.worksheet.Worksheet, top: int, form: Form, layout: str,
               rng: random.Random) -> int:
    """Write one form from row `top` (1-based); returns the next free row."""
    ncols, rows = form_rows(form, layout)
    r = top
    for line in title_lines(form):
        ws.cell(row=r, column=1, value=line)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncols)
        r += 1
    for offset, row in enumerate(rows):
        for cell in row:
            value, fmt = typed(cell.text, rng) if cell.text else (None, "General")
            target = ws.cell(row=r + offset, column=cell.col + 1, value=value)
            target.number_format = fmt
            if isinstance(value, str) and value.startswith("="):  # typed as text ('=100.00(%)), not a formula
                target.data_type = "s"
                target.quotePrefix = True
            target.alignment = Alignment(wrap_text=True, vertical="center")
            if cell.colspan > 1 or cell.rowspan > 1:
                ws.merge_cells(start_row=r + offset, start_column=cell.col + 1,
                               end_row=r + offset + cell.rowspan - 1, end_column=cell.col + cell.colspan)
    return r + len(rows)


def make_xlsx(forms: list[Form], layout: str, rng: random.Random) -> bytes:
    wb = openpyxl.Workbook()
    notes = wb.active
    assert notes is not None
    notes.title = "填报说明"
    notes["A1"] = "填报说明：金额单位为万元；请按实际情况填列，并加盖单位公章。"
    first = wb.create_sheet("自评表1")
    after = write_form(first, 1, forms[0], layout, rng)
    if len(forms) > 1:
        write_form(first, after + 1, forms[1], layout, rng)  # a blank row, then the second form
    for n, form in enumerate(forms[2:], start=2):
        write_form(wb.create_sheet(f"自评表{n}"), 1, form, layout, rng)
    buffer = io.BytesIO()
    wb.save(buffer)
    return stable_zip(buffer.getvalue())


# ---------------------------------------------------------------- docx


def _merge_vertical(tc: object, restart: bool) -> None:
    tc_pr = tc.get_or_add_tcPr()  # type: ignore[attr-defined]
    vmerge = OxmlElement("w:vMerge")
    if restart:
        vmerge.set(qn("w:val"), "restart")
    tc_pr.append(vmerge)


def fill_table(table: Table, rows: list[list[Cell]], ncols: int) -> None:
    """Write rows of layout cells into a table of ncols grid columns using gridSpan and vMerge."""
    below: dict[tuple[int, int], int] = {}  # (row, col) covered by a row-spanning cell → its colspan
    for r, row in enumerate(rows):
        for cell in row:
            for k in range(1, cell.rowspan):
                below[(r + k, cell.col)] = cell.colspan
    for r, row in enumerate(rows):
        tr = table.rows[r]
        starts = {c.col: c for c in row}
        entries: list[tuple[int, int, str, str | None]] = []  # (col, span, text, vmerge)
        col = 0
        while col < ncols:
            if col in starts:
                c = starts[col]
                entries.append((col, c.colspan, c.text, "restart" if c.rowspan > 1 else None))
                col += c.colspan
            elif (r, col) in below:
                entries.append((col, below[(r, col)], "", "continue"))
                col += below[(r, col)]
            else:
                entries.append((col, 1, "", None))
                col += 1
        tr_el = tr._tr
        for tc in list(tr_el.tc_lst):
            tr_el.remove(tc)
        for _col, span, text, vmerge in entries:
            tc = tr_el.add_tc()
            if span > 1:
                tc.grid_span = span
            if vmerge is not None:
                _merge_vertical(tc, vmerge == "restart")
            if not tc.p_lst:
                tc.append(OxmlElement("w:p"))
            if text:
                tc.p_lst[0].append(text_run(text))


def make_docx(forms: list[Form], layout: str) -> bytes:
    document = docx.Document()
    for n, form in enumerate(forms):
        for line in title_lines(form):
            document.add_paragraph(line)
        ncols, rows = form_rows(form, layout)
        if n == len(forms) - 1 and n > 0:  # nested in a one-cell layout table
            outer = document.add_table(rows=1, cols=1)
            host = outer.cell(0, 0)
            host.paragraphs[0].text = ""
            table = host.add_table(rows=len(rows), cols=ncols)
        else:
            table = document.add_table(rows=len(rows), cols=ncols)
        table.style = "Table Grid"
        fill_table(table, rows, ncols)
        document.add_paragraph("")
    document.core_properties.author = "jixiao make_office"
    buffer = io.BytesIO()
    document.save(buffer)
    return stable_zip(buffer.getvalue())


def converted_by_libreoffice(source: Path, suffix: str) -> bytes | None:
    """`source` converted by LibreOffice (None when soffice is not installed: those cases are kept)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([soffice, f"-env:UserInstallation={Path(tmp, 'profile').as_uri()}", "--headless",
                        "--convert-to", suffix, "--outdir", tmp, str(source)], check=True, capture_output=True,
                       timeout=300)
        return Path(tmp, f"{source.stem}.{suffix}").read_bytes()


# ---------------------------------------------------------------- cases


def main() -> None:
    rng = random.Random(SEED)
    for seed, layout in LAYOUTS.items():
        source = HERE / f"{seed}-text"
        meta = tomllib.loads((source / "case.toml").read_text(encoding="utf-8"))
        document = extract(source / str(meta["input"]), load_profile(str(meta["profile"])))
        expected = json.loads((source / "expected.json").read_text(encoding="utf-8"))
        assert len(document.forms) == len(expected["forms"]), seed
        write_case(HERE / f"{seed}-xlsx", f"{seed}.xlsx", make_xlsx(document.forms, layout, rng), source, meta, "xlsx")
        write_case(HERE / f"{seed}-docx", f"{seed}.docx", make_docx(document.forms, layout), source, meta, "docx")
        xls = converted_by_libreoffice(HERE / f"{seed}-xlsx" / f"{seed}.xlsx", "xls")
        if xls is not None:
            write_case(HERE / f"{seed}-xls", f"{seed}.xls", xls, source, meta, "xls")
        print(f"{seed}: {len(document.forms)} forms ({layout}) → .xlsx, .docx" + (", .xls" if xls else ""))


if __name__ == "__main__":
    main()
