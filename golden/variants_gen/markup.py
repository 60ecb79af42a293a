"""The table as other programs print it into text: markdown (document-AI converters, LLM OCR) and CSV (Excel's
"save as CSV"). Each form draws its exporter's habits from the rng, as real exports differ:

markdown, after docling: a merged cell's text repeated in every grid position it covers, cells padded to the
column's width, the first table row taken as the header with a `| --- |` rule under it; after marker/pandoc:
a merged cell only at its anchor, head cells in `**bold**`, a line break in a cell as `<br>`; either: a table
broken at a page break starts again with its own rule, `|` in a cell escaped, the title as `#`/`##` or plain.

HTML, after MinerU (a markdown text whose tables are one-line `<table>`s with rowspan/colspan) or a saved web
page (`<p>` title lines, a bordered table a row per line, `&nbsp;` in empty cells, `<br/>` in long cells, a
`<style>` and a `<script>` that must not be read, GBK or UTF-8).

CSV, after Excel: every record as wide as the sheet (trailing commas), the lines above the table as records of
one cell, a merged cell at its anchor only, quoting where a cell holds a comma, quote or line break; saved as
GBK (Excel on a Chinese Windows) or UTF-8 with a BOM.
"""

from __future__ import annotations

import csv
import html
import io
import random

from variants_gen.table import Sheet


def _grid(sheet: Sheet, repeat_spans: bool) -> tuple[list[list[str]], list[list[bool]]]:
    texts = [["" for _ in range(sheet.ncols)] for _ in range(sheet.rows)]
    heads = [[False] * sheet.ncols for _ in range(sheet.rows)]
    for cell in sheet.cells:
        rows = range(cell.row, cell.row + cell.rowspan) if repeat_spans else range(cell.row, cell.row + 1)
        cols = range(cell.col, cell.col + cell.colspan) if repeat_spans else range(cell.col, cell.col + 1)
        for r in rows:
            for c in cols:
                texts[r][c] = cell.text
                heads[r][c] = cell.head
    return texts, heads


def render_markdown(sheet: Sheet, rng: random.Random) -> str:
    docling = rng.random() < 0.5
    texts, heads = _grid(sheet, repeat_spans=docling)
    cells: list[list[str]] = []
    for r in range(sheet.rows):
        row = []
        for c in range(sheet.ncols):
            text = texts[r][c].replace("|", "\\|")
            text = text.replace("\n", " " if docling else "<br>")
            if not docling and heads[r][c] and text:
                text = f"**{text}**"
            row.append(text)
        cells.append(row)
    widths = [max([3, *(len(row[c]) for row in cells)]) for c in range(sheet.ncols)] if docling else []
    title_style = rng.choice(["#", "##", ""])
    lines: list[str] = []
    for k, line in enumerate(sheet.above):
        lines += [f"{title_style} {line}".strip() if k == 0 and title_style else line, ""]

    def record(row: list[str]) -> str:
        if docling:
            return "| " + " | ".join(text.ljust(widths[c]) for c, text in enumerate(row)) + " |"
        return "| " + " | ".join(row) + " |"

    def rule() -> str:
        return "|" + "|".join("-" * (w + 2) for w in widths) + "|" if docling else "|" + "---|" * sheet.ncols

    for r, row in enumerate(cells):
        if r == 0 or r in sheet.breaks:
            if r:
                lines.append("\f" if rng.random() < 0.5 else "")
            lines += [record(row), rule()]
            continue
        lines.append(record(row))
    lines.append("")
    lines += sheet.below
    return "\n".join(lines) + "\n"


def render_csv(sheet: Sheet, rng: random.Random) -> bytes:
    texts, _ = _grid(sheet, repeat_spans=False)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for line in sheet.above:
        writer.writerow([line] + [""] * (sheet.ncols - 1))
    for row in texts:
        writer.writerow(row)
    for line in sheet.below:
        writer.writerow([line] + [""] * (sheet.ncols - 1))
    text = out.getvalue()
    if rng.random() < 0.5:
        return text.encode("gb18030")
    return b"\xef\xbb\xbf" + text.encode("utf-8")


def _html_table(sheet: Sheet, rng: random.Random, one_line: bool) -> str:
    covered = {(r, c) for cell in sheet.cells for r in range(cell.row, cell.row + cell.rowspan)
               for c in range(cell.col, cell.col + cell.colspan)} - {(cell.row, cell.col) for cell in sheet.cells}
    anchors = {(cell.row, cell.col): cell for cell in sheet.cells}
    empty = "" if one_line else "&nbsp;"
    rows = []
    for r in range(sheet.rows):
        tds = []
        for c in range(sheet.ncols):
            if (r, c) in covered:
                continue
            cell = anchors.get((r, c))
            text = html.escape(cell.text).replace("\n", "<br/>") if cell else empty
            if cell and not one_line and len(text) > 30 and rng.random() < 0.3:
                text = text[:len(text) // 2] + "<br/>" + text[len(text) // 2:]
            spans = (f' rowspan="{cell.rowspan}"' if cell and cell.rowspan > 1 else "") + (
                f' colspan="{cell.colspan}"' if cell and cell.colspan > 1 else "")
            tag = "th" if cell and cell.head and not one_line and rng.random() < 0.5 else "td"
            tds.append(f"<{tag}{spans}>{text}</{tag}>")
        rows.append("<tr>" + "".join(tds) + "</tr>")
    if one_line:
        return "<table>" + "".join(rows) + "</table>"
    return '<table border="1" cellspacing="0">\n' + "\n".join(rows) + "\n</table>"


def render_html(sheet: Sheet, rng: random.Random) -> tuple[str, bytes]:
    """(suffix, bytes): a MinerU markdown with an HTML table, or a saved web page."""
    if rng.random() < 0.5:
        lines = [f"# {line}" if k == 0 else line for k, line in enumerate(sheet.above)]
        body = "\n\n".join([*lines, _html_table(sheet, rng, one_line=True), *sheet.below]) + "\n"
        return ".md", body.encode("utf-8")
    charset = rng.choice(["gbk", "utf-8"])
    above = "\n".join(f'<p align="center"><b>{html.escape(line)}</b></p>' if k == 0 else f"<p>{html.escape(line)}</p>"
                      for k, line in enumerate(sheet.above))
    below = "\n".join(f"<p>{html.escape(line)}</p>" for line in sheet.below)
    page = (f'<html><head><meta charset="{charset}"><title>{html.escape(sheet.above[0] if sheet.above else "")}'
            '</title>\n<style>td { border: 1px solid #000; }</style>\n'
            '<script>document.write("项目名称 不是表里的字");</script></head>\n<body>\n'
            f"{above}\n{_html_table(sheet, rng, one_line=False)}\n{below}\n</body></html>\n")
    return ".html", page.encode("gb18030" if charset == "gbk" else "utf-8")
