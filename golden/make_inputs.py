"""Generate the golden digital PDFs and simulated scans from the text golden cases (deterministic, seeded).

For every `golden/<seed>-text/` case the forms are read with jixiao (they match expected.json
100%), and each form is printed as a ruled table, using the cell texts as the seed printed
them (provenance source_text), in one of two visual layouts:

  national   财预〔2020〕10号 附件1: 项目资金 / 年度总体目标 / 绩效指标 blocks with merged cells,
             一级/二级/三级指标 columns, 一级 and 二级 merged over the rows they cover
  chongqing  重庆 layout: label:value header, 指标名称 计量单位 指标性质 指标值 全年完成值 偏离度
             得分系数 指标权重 指标得分 是否核心指标 说明

  <seed>-pdf/   the digital PDF (text layer, vector ruling lines, PyMuPDF's built-in CJK font)
  <seed>-scan/  the same pages as a scan: 150–200 dpi, skew up to ±2°, one page turned 90° or
                180°, Gaussian noise and blur, JPEG quality 50, a red round seal over the funds
                or score cells; image-only PDF (no text layer)

Both keep the seed's expected.json. A table that does not fit continues on the next page
without a repeated header (the 渝中 部门整体 form runs over two pages), and every PDF holds
several forms.

Run: .venv/bin/python golden/make_inputs.py   (rewrites golden/*-pdf/ and golden/*-scan/)
"""

from __future__ import annotations

import json
import math
import random
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pymupdf

from jixiao.checks import load_profile
from jixiao.models import Form
from jixiao.pipeline import extract
from jixiao.values import parse_number

HERE = Path(__file__).resolve().parent
SEED = 20231123
PAGE_W, PAGE_H, MARGIN = 842.0, 595.0, 36.0
FONT = pymupdf.Font("china-s")
FONT_SIZE, LINE_H, PAD = 8.0, 10.5, 3.0
LAYOUTS = {"qijiang": "chongqing", "yuzhong": "chongqing", "pujin": "national", "jinfeng": "national"}
# the 渝中 部门整体 form is long: print it on a shorter page so the table must continue
PAGE_LIMIT = {"yuzhong": 420.0}


@dataclass
class Cell:
    col: int
    text: str
    colspan: int = 1
    rowspan: int = 1
    seal: bool = False


# ---------------------------------------------------------------- printed texts


def _fmt(value: float) -> str:
    return f"{value:.2f}" if abs(value * 100 - round(value * 100)) < 1e-9 else repr(value)


def printed(form: Form, path: str, value: object) -> str:
    """The text the seed printed for `path` when it reads back as `value`; else the value itself."""
    if value is None:
        return ""
    prov = form.provenance.get(path)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        if prov is not None and parse_number(prov.source_text) == float(value):
            return prov.source_text
        return _fmt(float(value))
    return str(value)


# ---------------------------------------------------------------- layouts: forms → rows of cells


def chongqing_rows(form: Form) -> tuple[list[float], list[list[Cell]]]:
    widths = [150, 40, 40, 60, 60, 50, 50, 45, 45, 45, 185]
    unit = form.amount_unit or "万元"
    rows: list[list[Cell]] = [
        [Cell(0, "项目名称:"), Cell(1, form.project_name or "", 3), Cell(4, "项目编码:"),
         Cell(5, form.project_code or "", 2),
         Cell(7, "自评总分:", 2), Cell(9, printed(form, "total_score", form.total_score), 2)],
        [Cell(0, "项目主管部门:"), Cell(1, form.department or "", 3), Cell(4, "财政归口处室:"),
         Cell(5, form.finance_office or "", 2), Cell(7, "部门联系人:"), Cell(8, form.contact or ""), Cell(9, "联系电话:"),
         Cell(10, form.phone or "")],
        [Cell(0, f"资金情况（{unit}）", 11)],
        [Cell(0, ""), Cell(1, "年初预算数", 3), Cell(4, "全年（调整）预算数", 2), Cell(6, "全年执行数", 2),
         Cell(8, "执行率"), Cell(9, "执行率权重"), Cell(10, "执行率得分")],
    ]
    be = form.budget_execution
    score_row = next((i for i, f in enumerate(form.funds) if f.rate is not None), 0)
    for i, fund in enumerate(form.funds):
        p = f"funds[{i}]"
        rows.append([Cell(0, fund.label), Cell(1, printed(form, f"{p}.initial_budget", fund.initial_budget), 3),
                     Cell(4, printed(form, f"{p}.adjusted_budget", fund.adjusted_budget), 2),
                     Cell(6, printed(form, f"{p}.executed", fund.executed), 2),
                     Cell(8, printed(form, f"{p}.rate", fund.rate)),
                     Cell(9, printed(form, "budget_execution.weight", be.weight) if i == score_row else "", seal=i == 0),
                     Cell(10, printed(form, "budget_execution.score", be.score) if i == score_row else "")])
    rows += [
        [Cell(0, "绩效目标", 11)],
        [Cell(0, "年初绩效目标", 4), Cell(4, "全年（调整）绩效目标", 3), Cell(7, "全年目标实际完成情况", 4)],
        [Cell(0, form.goals.initial or "", 4), Cell(4, form.goals.adjusted or "", 3), Cell(7, form.goals.actual or "", 4)],
        [Cell(0, "绩效指标", 11)],
        [Cell(c, t) for c, t in enumerate(["指标名称", "计量单位", "指标性质", "指标值", "全年完成值", "偏离度（%）",
                                           "得分系数（%）", "指标权重", "指标得分", "是否核心指标", "说明"])],
    ]
    for i, ind in enumerate(form.indicators):
        p = f"indicators[{i}]"
        values = [ind.name, ind.unit or "", ind.operator or "", ind.target or "", ind.actual or "",
                  printed(form, f"{p}.deviation_pct", ind.deviation_pct), printed(form, f"{p}.score_coef", ind.score_coef),
                  printed(form, f"{p}.weight", ind.weight), printed(form, f"{p}.score", ind.score),
                  printed(form, f"{p}.is_core", ind.is_core), ind.explanation]
        rows.append([Cell(c, t) for c, t in enumerate(values)])
    return [float(w) for w in widths], rows


def _runs(values: list[str | None]) -> list[tuple[int, int]]:
    """(start, length) of runs of equal consecutive values."""
    runs: list[tuple[int, int]] = []
    for i, v in enumerate(values):
        if runs and values[runs[-1][0]] == v:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((i, 1))
    return runs


def national_rows(form: Form) -> tuple[list[float], list[list[Cell]]]:
    widths = [50, 70, 80, 160, 80, 80, 45, 45, 160]
    unit = form.amount_unit or "万元"
    be = form.budget_execution
    rows: list[list[Cell]] = [
        [Cell(0, "项目名称", 2), Cell(2, form.project_name or "", 7)],
        [Cell(0, "主管部门", 2), Cell(2, form.department or "", 3), Cell(5, "实施单位"),
         Cell(6, form.implementing_unit or "", 3)],
        [Cell(0, f"项目资金（{unit}）", rowspan=1 + len(form.funds)), Cell(2, "年初预算数"), Cell(3, "全年预算数"),
         Cell(4, "全年执行数"), Cell(5, "分值"), Cell(6, "执行率"), Cell(7, "得分")],
    ]
    for i, fund in enumerate(form.funds):
        p = f"funds[{i}]"
        rate = printed(form, f"{p}.rate", fund.rate)
        rows.append([Cell(1, fund.label), Cell(2, printed(form, f"{p}.initial_budget", fund.initial_budget)),
                     Cell(3, printed(form, f"{p}.adjusted_budget", fund.adjusted_budget)),
                     Cell(4, printed(form, f"{p}.executed", fund.executed), seal=i == 0),
                     Cell(5, printed(form, "budget_execution.weight", be.weight) if i == 0 else "—"), Cell(6, rate),
                     Cell(7, printed(form, "budget_execution.score", be.score) if i == 0 else "—")])
    rows += [
        [Cell(0, "年度总体目标", 2, rowspan=2), Cell(2, "预期目标", 3), Cell(5, "实际完成情况", 4)],
        [Cell(2, form.goals.initial or "", 3), Cell(5, form.goals.actual or "", 4)],
    ]
    header = [Cell(0, "绩效指标", rowspan=1 + len(form.indicators))]
    header += [Cell(c + 1, t) for c, t in enumerate(["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值",
                                                     "得分", "偏差原因分析及改进措施"])]
    rows.append(header)
    body: list[list[Cell]] = [[] for _ in form.indicators]
    for start, length in _runs([ind.level1 for ind in form.indicators]):
        body[start].append(Cell(1, form.indicators[start].level1 or "", rowspan=length))
    for start, length in _runs([f"{ind.level1}/{ind.level2}" for ind in form.indicators]):
        body[start].append(Cell(2, form.indicators[start].level2 or "", rowspan=length))
    for i, ind in enumerate(form.indicators):
        p = f"indicators[{i}]"
        body[i] += [Cell(3, ind.name), Cell(4, ind.target or ""), Cell(5, ind.actual or ""),
                    Cell(6, printed(form, f"{p}.weight", ind.weight)),
                    Cell(7, printed(form, f"{p}.score", ind.score), seal=i == len(form.indicators) - 1),
                    Cell(8, ind.explanation)]
    rows += body
    rows.append([Cell(0, "总分", 6), Cell(6, printed(form, "total_weight", form.total_weight)),
                 Cell(7, printed(form, "total_score", form.total_score)), Cell(8, "")])
    if form.grade:
        rows.append([Cell(0, "评分等级", 2), Cell(2, form.grade, 7)])
    return [float(w) for w in widths], rows


# ---------------------------------------------------------------- drawing


def wrap(text: str, width: float) -> list[str]:
    """Break `text` into lines that fit `width`, never next to a space or inside a Latin word or number."""
    lines: list[str] = []
    rest = text.strip()
    while rest:
        if FONT.text_length(rest, FONT_SIZE) <= width:
            lines.append(rest)
            break
        cut = 1
        while cut < len(rest) and FONT.text_length(rest[:cut + 1], FONT_SIZE) <= width:
            cut += 1
        k = cut
        while k > 1 and (rest[k - 1] == " " or rest[k] == " " or (rest[k - 1].isascii() and rest[k - 1].isalnum()
                                                                and rest[k].isascii() and rest[k].isalnum())):
            k -= 1
        k = k if k > 1 else cut
        lines.append(rest[:k])
        rest = rest[k:]
    return lines


def _row_heights(widths: list[float], rows: list[list[Cell]]) -> list[float]:
    heights = [LINE_H + 2 * PAD for _ in rows]
    for r, row in enumerate(rows):
        for cell in row:
            if cell.rowspan == 1:
                w = sum(widths[cell.col:cell.col + cell.colspan]) - 2 * PAD
                heights[r] = max(heights[r], len(wrap(cell.text, w)) * LINE_H + 2 * PAD)
    for r, row in enumerate(rows):
        for cell in row:
            if cell.rowspan > 1:
                w = sum(widths[cell.col:cell.col + cell.colspan]) - 2 * PAD
                need = len(wrap(cell.text, w)) * LINE_H + 2 * PAD
                have = sum(heights[r:r + cell.rowspan])
                if need > have:
                    heights[r + cell.rowspan - 1] += need - have
    return heights


def _draw_cell(page: pymupdf.Page, rect: pymupdf.Rect, text: str) -> None:
    page.draw_rect(rect, color=(0, 0, 0), width=0.6)
    lines = wrap(text, rect.width - 2 * PAD)
    top = rect.y0 + (rect.height - len(lines) * LINE_H) / 2
    for n, line in enumerate(lines):
        page.insert_text((rect.x0 + PAD, top + (n + 1) * LINE_H - 2.2), line, fontname="cjk", fontsize=FONT_SIZE)


def draw_form(doc: pymupdf.Document, form: Form, layout: str, limit: float) -> list[tuple[int, pymupdf.Rect]]:
    """Print one form from a new page; returns (page index, rect) of the cells to put a seal on."""
    widths, rows = chongqing_rows(form) if layout == "chongqing" else national_rows(form)
    heights = _row_heights(widths, rows)
    xs = [MARGIN]
    for w in widths:
        xs.append(xs[-1] + w)
    page = doc.new_page(width=PAGE_W, height=PAGE_H)
    page.insert_font(fontname="cjk", fontbuffer=FONT.buffer)
    title = form.title or ""
    title_w = FONT.text_length(title, 15)
    page.insert_text(((PAGE_W - title_w) / 2, MARGIN + 14), title, fontname="cjk", fontsize=15)
    y = MARGIN + 24
    if form.year is not None and str(form.year) not in title:
        line = f"（{form.year}年度）"
        page.insert_text(((PAGE_W - FONT.text_length(line, 10)) / 2, y + 10), line, fontname="cjk", fontsize=10)
        y += 18
    seals: list[tuple[int, pymupdf.Rect]] = []
    tops: list[tuple[int, float]] = []  # (page, y) of every row
    for height in heights:
        if y + height > min(limit, PAGE_H - MARGIN) and tops:
            page = doc.new_page(width=PAGE_W, height=PAGE_H)
            page.insert_font(fontname="cjk", fontbuffer=FONT.buffer)
            y = MARGIN
        tops.append((page.number or 0, y))
        y += height
    for r, row in enumerate(rows):
        for cell in row:
            last = r + cell.rowspan - 1
            # a merged cell that runs over a page break is drawn as one piece per page
            pieces: list[tuple[int, int]] = []
            for rr in range(r, last + 1):
                if pieces and tops[rr][0] == tops[pieces[-1][0]][0]:
                    pieces[-1] = (pieces[-1][0], rr)
                else:
                    pieces.append((rr, rr))
            for n, (first, end) in enumerate(pieces):
                target = doc[tops[first][0]]
                rect = pymupdf.Rect(xs[cell.col], tops[first][1], xs[cell.col + cell.colspan], tops[end][1] + heights[end])
                _draw_cell(target, rect, cell.text if n == 0 else "")
                if cell.seal and n == 0:
                    seals.append((tops[first][0], rect))
    return seals


def draw_seal(page: pymupdf.Page, centre: pymupdf.Point, radius: float, name: str) -> None:
    """A red round seal: ring, star and the unit's name around the top, semi-transparent like ink."""
    red = (0.86, 0.08, 0.1)
    shape = page.new_shape()
    shape.draw_circle(centre, radius)
    shape.finish(color=red, width=2.2)
    star = [centre + pymupdf.Point(radius * 0.28 * math.cos(math.radians(-90 + k * 144)),
                                   radius * 0.28 * math.sin(math.radians(-90 + k * 144))) for k in range(5)]
    shape.draw_polyline([*star, star[0]])
    shape.finish(color=red, fill=red, width=0.5)
    shape.commit()
    chars = list(name)
    size = radius * 0.3
    for k, ch in enumerate(chars):
        angle = -150 + k * (120 / max(1, len(chars) - 1))
        a = math.radians(angle)
        pos = centre + pymupdf.Point(radius * 0.72 * math.cos(a) - size / 2, radius * 0.72 * math.sin(a) + size / 2)
        page.insert_text(pos, ch, fontname="cjk", fontsize=size, color=red, morph=(pos, pymupdf.Matrix(angle + 90)))


# ---------------------------------------------------------------- scanning


def _pixels(page: pymupdf.Page, dpi: int) -> np.ndarray:
    pix = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csRGB, alpha=False)
    return np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width, 3).astype(np.float32)


def scan_page(page: pymupdf.Page, seal: pymupdf.Page | None, rng: random.Random, turn: int) -> tuple[bytes, float]:
    """Rasterise a page like a cheap office scanner (seal ink multiplied over the print): JPEG bytes and dpi."""
    dpi = rng.choice([150, 160, 175, 180, 200])
    img = _pixels(page, dpi)
    if seal is not None:  # ink over toner darkens, it does not cover: multiply
        img = img * _pixels(seal, dpi) / 255.0
    img = img.astype(np.uint8)
    h, w = img.shape[:2]
    skew = rng.uniform(-2.0, 2.0)
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), skew, 1.0)
    img = cv2.warpAffine(img, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=(250, 250, 250))
    img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.5, 0.9))
    noise = np.random.default_rng(rng.randrange(2**32)).normal(0, 9, img.shape)
    img = np.clip(img.astype(np.float32) * 0.96 + 6 + noise, 0, 255).astype(np.uint8)
    if turn:
        img = np.ascontiguousarray(np.rot90(img, k=-turn // 90))
    ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(img, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 50])
    assert ok
    return jpeg.tobytes(), float(dpi)


def make_scan(digital: pymupdf.Document, seals: list[tuple[int, pymupdf.Rect]], unit: str, rng: random.Random) -> bytes:
    stamps = pymupdf.open()
    stamp_of: dict[int, int] = {}
    for number, rect in seals:
        stamp = stamps.new_page(width=digital[number].rect.width, height=digital[number].rect.height)
        stamp.insert_font(fontname="cjk", fontbuffer=FONT.buffer)
        centre = pymupdf.Point(rect.x1 - rng.uniform(0, 10), rect.y0 + rng.uniform(-6, 6))
        draw_seal(stamp, centre, rng.uniform(34, 42), unit)
        stamp_of[number] = stamp.number or 0
    turned = rng.randrange(len(digital))
    out = pymupdf.open()
    for page in digital:
        turn = rng.choice([90, 180]) if page.number == turned else 0
        stamp_index = stamp_of.get(page.number or 0)
        jpeg, dpi = scan_page(page, None if stamp_index is None else stamps[stamp_index], rng, turn)
        pix = pymupdf.Pixmap(jpeg)
        new = out.new_page(width=pix.width * 72 / dpi, height=pix.height * 72 / dpi)
        new.insert_image(new.rect, stream=jpeg)
    return out.tobytes(garbage=3, deflate=True, no_new_id=True)


# ---------------------------------------------------------------- cases


def write_case(folder: Path, name: str, data: bytes, source: Path, meta: dict[str, object], kind: str) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / name).write_bytes(data)
    shutil.copy(source / "expected.json", folder / "expected.json")
    (folder / "case.toml").write_text(
        f'input = "{name}"\ntemplate = "{meta["template"]}"\nkind = "{kind}"\nprofile = "{meta["profile"]}"\n',
        encoding="utf-8")


def main() -> None:
    rng = random.Random(SEED)
    for seed, layout in LAYOUTS.items():
        source = HERE / f"{seed}-text"
        meta = tomllib.loads((source / "case.toml").read_text(encoding="utf-8"))
        document = extract(source / str(meta["input"]), load_profile(str(meta["profile"])))
        expected = json.loads((source / "expected.json").read_text(encoding="utf-8"))
        assert len(document.forms) == len(expected["forms"]), seed
        doc = pymupdf.open()
        seals: list[tuple[int, pymupdf.Rect]] = []
        for form in document.forms:
            seals += draw_form(doc, form, layout, PAGE_LIMIT.get(seed, PAGE_H))[:1]
        doc.subset_fonts()
        doc.set_metadata({"title": f"jixiao golden {seed}", "creationDate": "D:20240301000000",
                          "modDate": "D:20240301000000", "producer": "jixiao make_inputs"})
        digital = doc.tobytes(garbage=3, deflate=True, no_new_id=True)
        write_case(HERE / f"{seed}-pdf", f"{seed}.pdf", digital, source, meta, "pdf")
        unit = (document.forms[0].department or "单位").split("-")[-1][:10] + "绩效专用章"
        write_case(HERE / f"{seed}-scan", f"{seed}.pdf", make_scan(doc, seals, unit, rng), source, meta, "scan")
        print(f"{seed}: {len(doc)} pages, {len(document.forms)} forms ({layout})")


if __name__ == "__main__":
    main()
