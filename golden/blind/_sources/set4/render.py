"""Table model and the four renderers (txt, xlsx, docx, pdf) used by make_cases.py.

A form is drawn as a Grid: rows of cells on an N-column grid, each cell with a row/column span, like the
real Word/Excel form. Rows marked `bare` are title/footer lines outside the ruled table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import openpyxl
import pymupdf
from docx import Document as DocxDocument
from docx.shared import Pt
from openpyxl.styles import Alignment, Border, Font, Side


@dataclass
class N:
    """A number as a spreadsheet holds it, with the format it is displayed in."""

    value: float
    fmt: str = "g"  # "g" general, "0", "0.00", "0.00%", "#,##0.00", "0.0000"

    def text(self) -> str:
        v = self.value
        if self.fmt == "#,##0.00":
            return f"{v:,.2f}"
        if self.fmt == "0.0000":
            return f"{v:.4f}"
        if self.fmt == "0.00%":
            return f"{v * 100:.2f}%"
        if self.fmt == "0.00":
            return f"{v:.2f}"
        if self.fmt == "0":
            return f"{v:.0f}"
        if float(v).is_integer():
            return str(int(v))
        return repr(float(v))

    def xlfmt(self) -> str:
        return {"g": "General", "0": "0", "0.00": "0.00", "0.00%": "0.00%", "#,##0.00": "#,##0.00",
                "0.0000": "0.0000"}[self.fmt]


def txt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, N):
        return v.text()
    return str(v)


@dataclass
class Cell:
    r: int
    c: int
    rs: int
    cs: int
    value: object
    bare: bool = False
    bold: bool = False


@dataclass
class Grid:
    ncols: int
    widths: list[float] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)
    bare_rows: set[int] = field(default_factory=set)
    nrows: int = 0
    _occ: set[tuple[int, int]] = field(default_factory=set)

    def bare(self, text: str, bold: bool = False) -> None:
        r = self.nrows
        self.cells.append(Cell(r, 0, 1, self.ncols, text, bare=True, bold=bold))
        self.bare_rows.add(r)
        self.nrows += 1

    def row(self, *items) -> None:
        """items: value, or (value, colspan), or (value, colspan, rowspan)."""
        r = self.nrows
        c = 0
        for it in items:
            if isinstance(it, tuple):
                v, cs, rs = (list(it) + [1, 1])[:3]
            else:
                v, cs, rs = it, 1, 1
            while (r, c) in self._occ:
                c += 1
            if c + cs > self.ncols:
                raise ValueError(f"row {r} overflows: {items}")
            self.cells.append(Cell(r, c, rs, cs, v))
            for rr in range(r, r + rs):
                for cc in range(c, c + cs):
                    self._occ.add((rr, cc))
            c += cs
        self.nrows += 1


# ---------------------------------------------------------------- text dump


def to_text(g: Grid, excel_quotes: bool = False) -> str:
    """excel_quotes: a cell holding a line break is copied the way Excel puts it on the clipboard, in double
    quotes with the line break kept; otherwise the break is dropped (a Word copy)."""
    lines = []
    starts = {(c.r, c.c): c for c in g.cells}
    for r in range(g.nrows):
        if r in g.bare_rows:
            lines.append(txt(starts[(r, 0)].value))
            continue
        vals = []
        for c in range(g.ncols):
            cell = starts.get((r, c))
            t = txt(cell.value) if cell else ""
            if "\n" in t:
                t = '"' + t.replace('"', '""') + '"' if excel_quotes else t.replace("\n", "")
            vals.append(t)
        lines.append("\t".join(vals))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- xlsx

THIN = Side(style="thin")


def to_xlsx(g: Grid, path: str, sheet: str) -> None:
    to_xlsx_multi([g], path, [sheet])


def to_xlsx_multi(grids: list[Grid], path: str, sheets: list[str]) -> None:
    """One workbook, one sheet per form (as a unit's 自评表 workbook holds one project per sheet)."""
    wb = openpyxl.Workbook()
    for i, (g, sheet) in enumerate(zip(grids, sheets)):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = sheet
        _fill_ws(ws, g)
    wb.save(path)


def _fill_ws(ws, g: Grid) -> None:
    border = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
    for cell in g.cells:
        xc = ws.cell(row=cell.r + 1, column=cell.c + 1)
        v = cell.value
        if isinstance(v, N):
            xc.value = v.value
            xc.number_format = v.xlfmt()
        elif v not in (None, ""):
            xc.value = str(v)
            if xc.data_type == "f":  # a typed "=100%" is text in the real workbook, not a formula
                xc.data_type = "s"
        xc.alignment = Alignment(wrap_text=True, vertical="center",
                                 horizontal="center" if cell.bare else None)
        if cell.bare:
            xc.font = Font(bold=cell.bold, size=14 if cell.bold else 10)
        if cell.rs > 1 or cell.cs > 1:
            ws.merge_cells(start_row=cell.r + 1, start_column=cell.c + 1,
                           end_row=cell.r + cell.rs, end_column=cell.c + cell.cs)
        if not cell.bare:
            for rr in range(cell.r, cell.r + cell.rs):
                for cc in range(cell.c, cell.c + cell.cs):
                    ws.cell(row=rr + 1, column=cc + 1).border = border
    colw = [max(6, w * 7) for w in (g.widths or [1] * g.ncols)]
    for i, w in enumerate(colw):
        ws.column_dimensions[openpyxl.utils.get_column_letter(i + 1)].width = w
    # row heights as a clerk drags them so that wrapped text shows (openpyxl stores no auto height)
    import math
    heights = [15.0] * g.nrows
    def need(cell):
        text = txt(cell.value)
        width = sum(colw[cell.c:cell.c + cell.cs])
        lines = 0
        for part in text.split("\n"):
            units = sum(2.0 if ord(ch) > 0x2000 else 1.05 for ch in part)
            lines += max(1, math.ceil(units / max(1.0, width - 1)))
        return lines * 13.5 + 3
    for cell in g.cells:
        if cell.rs == 1 and not (cell.bare and cell.bold):
            heights[cell.r] = max(heights[cell.r], need(cell))
        elif cell.bare:
            heights[cell.r] = 24
    for cell in g.cells:
        if cell.rs > 1:
            have = sum(heights[cell.r:cell.r + cell.rs])
            if need(cell) > have:
                heights[cell.r + cell.rs - 1] += need(cell) - have
    for r, h in enumerate(heights):
        ws.row_dimensions[r + 1].height = h
    # as a clerk sets it before exporting: landscape, A4, the sheet's width on one page
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4


# ---------------------------------------------------------------- docx


def to_docx(g: Grid, path: str, font_pt: float = 9, landscape: bool = False) -> None:
    to_docx_multi([g], path, font_pt, landscape)


def to_docx_multi(grids: list[Grid], path: str, font_pt: float = 9, landscape: bool = False) -> None:
    """One Word file with one table per form, a page break between them."""
    doc = DocxDocument()
    if landscape:
        from docx.enum.section import WD_ORIENT
        from docx.shared import Cm
        sec = doc.sections[0]
        sec.orientation = WD_ORIENT.LANDSCAPE
        sec.page_width, sec.page_height = Cm(29.7), Cm(21.0)
        sec.left_margin = sec.right_margin = Cm(1.5)
    for i, g in enumerate(grids):
        if i:
            doc.add_page_break()
        _fill_doc(doc, g, font_pt)
    doc.save(path)


def _fill_doc(doc, g: Grid, font_pt: float) -> None:
    table_rows = [r for r in range(g.nrows) if r not in g.bare_rows]
    first, last = min(table_rows), max(table_rows)
    starts = {(c.r, c.c): c for c in g.cells}
    for r in range(first):
        p = doc.add_paragraph()
        run = p.add_run(txt(starts[(r, 0)].value))
        run.bold = starts[(r, 0)].bold
    index = {r: i for i, r in enumerate(table_rows)}
    t = doc.add_table(rows=len(table_rows), cols=g.ncols)
    t.style = "Table Grid"
    for cell in g.cells:
        if cell.bare or cell.r > last:
            continue
        a = t.cell(index[cell.r], cell.c)
        if cell.rs > 1 or cell.cs > 1:
            a = a.merge(t.cell(index[cell.r + cell.rs - 1], cell.c + cell.cs - 1))
        text = txt(cell.value)
        parts = text.split("\n")
        a.paragraphs[0].text = ""
        run = a.paragraphs[0].add_run(parts[0])
        run.font.size = Pt(font_pt)
        for extra in parts[1:]:
            run.add_break()
            run.add_text(extra)
    for r in range(last + 1, g.nrows):
        doc.add_paragraph(txt(starts[(r, 0)].value))


# ---------------------------------------------------------------- pdf


def _wrap(text: str, width: float, fs: float) -> list[str]:
    """Break a cell's text into lines the way Word does: between CJK characters anywhere, but a run of ASCII
    characters (a number such as 3,120.00, a percent) only where it is wider than the cell."""
    import re
    L = lambda s: pymupdf.get_text_length(s, fontname="china-s", fontsize=fs)
    out = []
    for para in text.split("\n"):
        line = ""
        for tok in re.findall(r"[!-~]+|.", para):
            if L(line + tok) <= width or not line:
                line += tok
                continue
            out.append(line)
            line = tok
        # a token wider than the cell is still broken by characters
        while L(line) > width and len(line) > 1:
            k = len(line)
            while k > 1 and L(line[:k]) > width:
                k -= 1
            out.append(line[:k])
            line = line[k:]
        out.append(line)
    return out or [""]


def to_pdf(g: Grid, path: str, fs: float = 8.0, lw: float = 0.6, landscape: bool = True,
           margin: float = 36) -> None:
    pw, ph = (842, 595) if landscape else (595, 842)
    usable = pw - 2 * margin
    tot = sum(g.widths)
    colx = [margin]
    for w in g.widths:
        colx.append(colx[-1] + usable * w / tot)
    lh = fs * 1.3
    # row heights from the cells that start in a row and span one row
    heights = [0.0] * g.nrows
    for cell in g.cells:
        width = colx[cell.c + cell.cs] - colx[cell.c] - 4
        cfs = fs * 1.6 if cell.bare and cell.bold else fs
        n = len(_wrap(txt(cell.value), width, cfs))
        need = n * cfs * 1.3 + 5
        if cell.rs == 1:
            heights[cell.r] = max(heights[cell.r], need)
    for cell in g.cells:  # a row-spanning cell that needs more room grows its last row
        if cell.rs > 1:
            width = colx[cell.c + cell.cs] - colx[cell.c] - 4
            need = len(_wrap(txt(cell.value), width, fs)) * lh + 5
            have = sum(heights[cell.r:cell.r + cell.rs])
            if need > have:
                heights[cell.r + cell.rs - 1] += need - have
    # paginate
    pages: list[list[int]] = [[]]
    y = margin
    rowy: dict[int, tuple[int, float]] = {}
    for r in range(g.nrows):
        if y + heights[r] > ph - margin and pages[-1]:
            pages.append([])
            y = margin
        pages[-1].append(r)
        rowy[r] = (len(pages) - 1, y)
        y += heights[r]
    doc = pymupdf.open()
    for _ in pages:
        doc.new_page(width=pw, height=ph)
    pobj = [doc[i] for i in range(len(pages))]
    for cell in g.cells:
        x0, x1 = colx[cell.c], colx[cell.c + cell.cs]
        rows = list(range(cell.r, cell.r + cell.rs))
        by_page: dict[int, list[int]] = {}
        for r in rows:
            by_page.setdefault(rowy[r][0], []).append(r)
        first_page = rowy[cell.r][0]
        for pi, rs in by_page.items():
            page = pobj[pi]
            y0 = rowy[rs[0]][1]
            y1 = rowy[rs[-1]][1] + heights[rs[-1]]
            if not cell.bare:
                page.draw_rect(pymupdf.Rect(x0, y0, x1, y1), color=(0, 0, 0), width=lw)
            if pi != first_page:
                continue
            cfs = fs * 1.6 if cell.bare and cell.bold else fs
            lines = _wrap(txt(cell.value), x1 - x0 - 4, cfs)
            block = len(lines) * cfs * 1.3
            ty = y0 + max(2.0, (y1 - y0 - block) / 2)
            for i, line in enumerate(lines):
                if cell.bare:
                    tw = pymupdf.get_text_length(line, fontname="china-s", fontsize=cfs)
                    tx = x0 + (x1 - x0 - tw) / 2 if cell.bold else x0 + 2
                else:
                    tx = x0 + 2
                page.insert_text((tx, ty + cfs + i * cfs * 1.3 - 1), line, fontname="china-s", fontsize=cfs)
    doc.save(path)


# ---------------------------------------------------------------- LibreOffice export


def lo_pdf(src: str, outdir: str) -> str:
    """Export src (.docx/.xlsx) to PDF with LibreOffice, as a clerk's "save as PDF" does."""
    import os
    import subprocess
    import tempfile
    with tempfile.TemporaryDirectory() as prof:
        subprocess.run(["soffice", f"-env:UserInstallation=file://{prof}", "--headless", "--convert-to", "pdf",
                        "--outdir", outdir, src], check=True, capture_output=True, timeout=180)
    out = os.path.join(outdir, os.path.splitext(os.path.basename(src))[0] + ".pdf")
    assert os.path.exists(out), out
    return out


def lo_convert(src: str, outdir: str, fmt: str) -> str:
    """LibreOffice conversion to another office format (xls / doc), as a clerk's "save as" does."""
    import os
    import subprocess
    import tempfile
    with tempfile.TemporaryDirectory() as prof:
        subprocess.run(["soffice", f"-env:UserInstallation=file://{prof}", "--headless", "--convert-to", fmt,
                        "--outdir", outdir, src], check=True, capture_output=True, timeout=180)
    out = os.path.join(outdir, os.path.splitext(os.path.basename(src))[0] + "." + fmt)
    assert os.path.exists(out), out
    return out


def scan_pdf(src_pdf: str, out_pdf: str, seed: int, dpi: int = 170, gray: bool = False) -> None:
    """A scan of a printed PDF: each page rendered at `dpi`, rotated by a random -1.5..1.5 degrees, blurred
    (GaussianBlur sigma 0.6), gaussian noise (sigma 8), JPEG quality 50, the images put back into a PDF."""
    import random

    import cv2
    import numpy as np
    rnd = random.Random(seed)
    nrs = np.random.default_rng(seed)
    src = pymupdf.open(src_pdf)
    out = pymupdf.open()
    for page in src:
        pix = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
        img = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width).copy()
        ang = rnd.uniform(-1.5, 1.5)
        h, w = img.shape
        m = cv2.getRotationMatrix2D((w / 2, h / 2), ang, 1.0)
        img = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
        img = cv2.GaussianBlur(img, (0, 0), 0.6)
        noisy = img.astype(np.float32) + nrs.normal(0, 8, img.shape).astype(np.float32)
        img = np.clip(noisy, 0, 255).astype(np.uint8)
        if not gray:  # a colour scan of a black-and-white page (3-channel JPEG)
            img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
        ok, jpg = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 50])
        assert ok
        p = out.new_page(width=page.rect.width, height=page.rect.height)
        p.insert_image(p.rect, stream=jpg.tobytes())
    out.save(out_pdf, garbage=3, deflate=True)
