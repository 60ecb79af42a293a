"""A variant form as a unit fills it in Excel: the `Sheet` written as a real .xlsx workbook.

Modelled on real workbooks (a 重庆 区县 自评表, a central project-library export): the title in a merged
top row, the year on its own row, label/value pairs several per row, merged 一级/二级指标 and funds
labels, numbers stored as numbers with number formats (`0.00%`, `#,##0.00`, `0.00`) and sometimes as
text, 执行率 and 总分 as formulas with cached values, labels wrapped with line breaks inside the
cell, blank margin and spacer columns, a 申报表 or 说明 sheet beside the 自评表, 备注 below the table.
What varies is drawn per form from `rng`; the printed strings (and so expected.json) do not change:
every number is stored so that Excel displays the same number the other renderings print.
"""

from __future__ import annotations

import io
import math
import random
import re
from dataclasses import dataclass

import openpyxl
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from jixiao.models import Form
from variants_gen import sidesheets
from variants_gen.ooxmlzip import shared_strings, stable_zip, streamed
from variants_gen.table import Cell, Sheet

_INT = re.compile(r"^-?\d{1,12}$")
_DEC = re.compile(r"^-?\d{1,12}\.(\d+)$")
_GROUPED = re.compile(r"^-?\d{1,3}(?:,\d{3})+\.(\d+)$")
_PERCENT = re.compile(r"^-?\d+(?:\.(\d+))?%$")
_WANYUAN = re.compile(r"^(\d+)(?:\.(\d+))?万元$")
_YEAR_LINE = re.compile(r"^([（(]?)(20\d\d)(\s*年度[）)]?)$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
THIN = Side(style="thin")
NOTES = ("备注：1.本表由项目实施单位填报，主管部门审核。2.未完成的绩效指标须逐项说明原因及改进措施。",
         "注：各单位对所填数据的真实性、准确性负责，相关佐证材料留存备查。",
         "填表说明：1.指标值、实际完成值按绩效目标申报表填列；2.得分保留两位小数。")
SHEET_NAMES = ("自评表", "项目支出绩效自评表", "附件1", "附件2-1", "Sheet1", "绩效自评表")


@dataclass
class Habits:
    """How this unit fills in its workbook."""

    margin: int  # empty columns left of the table
    spacer: int | None  # grid column before which an empty layout column sits
    text_numbers: bool  # every number typed as text (imported, or pasted as text)
    stray_text: float  # share of other numbers left as text
    formulas: bool
    wrap_labels: bool  # label cells broken with Alt+Enter
    wrap_names: bool
    money_format: str
    int_format: str
    noted_budget: bool  # the 预算数 column head carries what it includes, on a second line
    gaps: tuple[int, ...] = ()  # sheet rows before which an empty bordered row was left between blocks
    label_colon: bool = False  # header labels typed as 项目名称：
    stray_spaces: float = 0.0  # share of text cells with a leading or trailing space typed in
    rich_labels: bool = False  # a label's bracketed part in another font (rich text: several runs in one cell)
    float_noise: bool = False  # General numbers carry a float artefact (8.700000000000001) Excel does not show
    literal_percent: bool = False  # 87.65 with the format 0.00"%": the sign is a literal, the value not a ratio
    shared_strings: bool = True  # strings in xl/sharedStrings.xml, as Excel and WPS save; else inline, as
    # streaming writers do (which also leave the sheet's <dimension> at A1)


def habits(rng: random.Random) -> Habits:
    return Habits(margin=rng.choice([0, 0, 0, 1]), spacer=None, text_numbers=rng.random() < 0.15,
                  stray_text=rng.choice([0.0, 0.0, 0.05]), formulas=rng.random() < 0.4,
                  wrap_labels=rng.random() < 0.5, wrap_names=rng.random() < 0.25,
                  money_format=rng.choice(["0.00", "#,##0.00", "#,##0.00_ ", "#,##0.00_);[Red]\\(#,##0.00\\)"]),
                  int_format=rng.choice(["General", "0", "0_ "]), noted_budget=rng.random() < 0.2)


def typed(text: str, role: str, h: Habits, rng: random.Random) -> tuple[object, str]:
    """(value, number format) a spreadsheet stores to display `text`; text that is no number stays text."""
    if h.text_numbers or (h.stray_text and rng.random() < h.stray_text):
        return text, rng.choice(["@", "General"])
    if m := _GROUPED.match(text):
        return float(text.replace(",", "")), "#,##0." + "0" * len(m.group(1))
    if m := _PERCENT.match(text):
        places = len(m.group(1) or "")
        digits = "0" + ("." + "0" * places if places else "")
        if h.literal_percent:
            return float(text[:-1]), digits + rng.choice(['"%"', "\\%"])
        return round(float(text[:-1]) / 100, places + 2), digits + "%"
    if (m := _WANYUAN.match(text)) and rng.random() < 0.5:
        places = len(m.group(2) or "")
        return float(text[:-2]), ("0." + "0" * places if places else "0") + '"万元"'
    if _INT.match(text) and not (len(text.lstrip("-")) > 1 and text.lstrip("-")[0] == "0"):
        if h.float_noise and h.int_format == "General" and role in ("weight", "score") and rng.random() < 0.3:
            return math.nextafter(float(text), math.inf), "General"
        return int(text), h.int_format
    if m := _DEC.match(text):
        places = len(m.group(1))
        if role in ("initial", "adjusted", "executed") and places == 2:
            return float(text), h.money_format
        if rng.random() < 0.7 or text.endswith("0"):
            return float(text), "0." + "0" * places
        noise = h.float_noise and rng.random() < 0.5
        return (math.nextafter(float(text), rng.choice([math.inf, -math.inf])) if noise else float(text)), "General"
    return text, "General"


def wrapped(text: str, rng: random.Random, at_paren: bool) -> str:
    """A label or name broken with a line break inside the cell, as Alt+Enter does."""
    if "\n" in text or len(text) < 4:
        return text
    if at_paren and (k := max(text.find("（"), text.find("("))) > 1:
        return text[:k] + "\n" + text[k:]
    cuts = [i for i in range(2, len(text) - 1) if _CJK.match(text[i - 1]) and _CJK.match(text[i])]
    return text[:(k := rng.choice(cuts))] + "\n" + text[k:] if cuts else text


def _shown(value: float, fmt: str) -> float:
    """The number Excel displays for `value` in one of the formats used for formulas here."""
    if fmt.endswith("%"):
        places = len(fmt.split(".")[1]) - 1 if "." in fmt else 0
        return round(value * 100, places)
    places = len(fmt.split(".")[1]) if "." in fmt else 10
    return round(value, places)


def _printed(text: str) -> float | None:
    try:
        return float(text.rstrip("%").replace(",", ""))
    except ValueError:
        return None


class _Writer:
    def __init__(self, ws: Worksheet, sheet: Sheet, h: Habits, rng: random.Random) -> None:
        self.ws, self.sheet, self.h, self.rng = ws, sheet, h, rng
        self.cached: dict[str, str] = {}  # cell address → cached formula value
        self.typed_cells: dict[int, tuple[int, int, object]] = {}  # id(Cell) → (row, col, value)

    def col(self, c: int) -> int:
        spacer = self.h.spacer
        return 1 + self.h.margin + c + (1 if spacer is not None and c >= spacer else 0)

    def last_col(self) -> int:
        return self.col(self.sheet.ncols - 1)

    def line(self, r: int, text: str, title: bool = False) -> None:
        ws, first = self.ws, self.col(0)
        cell = ws.cell(row=r, column=first, value=text)
        if (m := _YEAR_LINE.match(text)) and self.rng.random() < 0.4:  # the year typed as a number, the rest format
            cell.value = int(m.group(2))
            cell.number_format = (f'"{m.group(1)}"' if m.group(1) else "") + f'0"{m.group(3)}"'
        if title or self.rng.random() < 0.6:
            ws.merge_cells(start_row=r, start_column=first, end_row=r, end_column=self.last_col())
            cell.alignment = Alignment(horizontal="center" if title or self.rng.random() < 0.5 else "left",
                                       vertical="center")
        if title:
            cell.font = Font(name="宋体", size=16, bold=True)
            ws.row_dimensions[r].height = 30

    def row(self, top: int, r: int) -> int:
        """Sheet row `r` → worksheet row (empty rows left between blocks move the rest down)."""
        return top + r + sum(1 for g in self.h.gaps if g <= r)

    def table(self, top: int) -> int:
        sheet, ws, h, rng = self.sheet, self.ws, self.h, self.rng
        header_rows = range(sheet.marks.get("header", 0), sheet.marks.get("funds", 0))
        for cell in sheet.cells:
            r, c = self.row(top, cell.row), self.col(cell.col)
            end = self.col(cell.col + cell.colspan - 1)
            text = cell.text
            if cell.head and h.noted_budget and text.startswith(("全年预算数", "全年（调整）预算数", "预算数")):
                text += "\n（年初预算+上年结转+本年追加追减）"
            elif cell.head and h.wrap_labels and rng.random() < 0.4:
                text = wrapped(text, rng, at_paren=True)
            elif cell.role == "name" and h.wrap_names and len(text) >= 8 and rng.random() < 0.4:
                text = wrapped(text, rng, at_paren=False)
            if cell.head and h.label_colon and cell.row in header_rows and not text.endswith("："):
                text += "："
            if h.stray_spaces and not cell.head and text and rng.random() < h.stray_spaces:
                text = rng.choice([" " + text, text + " ", text + "  "])
            value, fmt = typed(text, cell.role, h, rng) if text and not cell.head else (text or None, "General")
            target = ws.cell(row=r, column=c, value=value)
            if cell.head and h.rich_labels and (k := max(text.find("（"), text.find("("))) > 0:
                target.value = CellRichText([text[:k], TextBlock(InlineFont(b=True, color="FFFF0000"), text[k:])])
            if isinstance(value, str) and value.startswith("="):  # '=95% typed as text, not a formula
                target.data_type = "s"
                target.quotePrefix = True
            target.number_format = fmt
            target.alignment = Alignment(wrap_text=True, vertical="center",
                                         horizontal="center" if cell.head or not isinstance(value, str) else "left")
            if cell.head:
                target.font = Font(bold=rng.random() < 0.5)
            if not isinstance(value, str) and value is not None:
                self.typed_cells[id(cell)] = (r, c, value)
            if cell.colspan > 1 or cell.rowspan > 1 or end != c:
                ws.merge_cells(start_row=r, start_column=c, end_row=r + cell.rowspan - 1, end_column=end)
        end = self.row(top, sheet.rows)
        for r in range(top, end):
            for c in range(self.col(0), self.last_col() + 1):
                ws.cell(row=r, column=c).border = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
        if h.formulas:
            self.formulas()
        return end

    def _address(self, cell: Cell) -> str | None:
        at = self.typed_cells.get(id(cell))
        return f"{get_column_letter(at[1])}{at[0]}" if at else None

    def _formula(self, cell: Cell, formula: str, value: float, formats: list[str]) -> None:
        """Put `formula` in `cell` when Excel would display the printed number; keep its cached value."""
        printed = _printed(cell.text)
        fmt = self.rng.choice(formats)
        at = self.typed_cells.get(id(cell))
        if printed is None or at is None or abs(_shown(value, fmt) - printed) > 1e-9:
            return
        target = self.ws.cell(row=at[0], column=at[1], value=f"={formula}")
        target.number_format = fmt
        self.cached[target.coordinate] = repr(value)

    def formulas(self) -> None:
        cells = self.sheet.cells
        by_row: dict[int, dict[str, Cell]] = {}
        for cell in cells:
            by_row.setdefault(cell.row, {})[cell.role] = cell
        for row in by_row.values():  # 执行率 = 执行数 / 预算数
            rate, adj, exe = row.get("rate"), row.get("adjusted"), row.get("executed")
            if rate and adj and exe and (a := self._address(adj)) and (e := self._address(exe)):
                va, ve = float(self.typed_cells[id(adj)][2]), float(self.typed_cells[id(exe)][2])  # type: ignore[arg-type]
                if not va:
                    continue
                if rate.text.endswith("%"):
                    places = len(rate.text[:-1].split(".")[1]) if "." in rate.text else 0
                    self._formula(rate, f"{e}/{a}", ve / va, ["0" + ("." + "0" * places if places else "") + "%"])
                elif float(rate.text) > 1.5:  # printed in percent without the sign
                    self._formula(rate, f"{e}/{a}*100", ve / va * 100, ["0.00"])
                else:
                    self._formula(rate, f"{e}/{a}", ve / va, ["0.0000", "0.00##"])
        total = next((c for c in cells if c.role == "total_score" and c.text), None)
        scores = [c for c in cells if c.role in ("score", "exec_score") and c.text not in ("", "—")]
        addresses = [self._address(c) for c in scores]
        if total is None or not scores or None in addresses:
            return
        value = sum(float(self.typed_cells[id(c)][2]) for c in scores)  # type: ignore[arg-type]
        ind = [a for a, c in zip(addresses, scores, strict=True) if c.role == "score"]
        rest = [a for a, c in zip(addresses, scores, strict=True) if c.role != "score"]
        terms = [f"SUM({ind[0]}:{ind[-1]})"] if ind and self.rng.random() < 0.7 else [str(a) for a in ind]
        self._formula(total, "+".join(terms + [str(a) for a in rest]), value,
                      ["0.00"] if "." in total.text and len(total.text.split(".")[1]) == 2 else ["0.00", "General"])


def to_xlsx(sheet: Sheet, form: Form, rng: random.Random) -> bytes:
    """The form as a workbook: bytes of a real .xlsx (the same bytes for the same rng)."""
    h = habits(rng)
    if rng.random() < 0.25:
        h.spacer = rng.randrange(1, sheet.ncols)
    if rng.random() < 0.2:
        h.gaps = tuple(sorted(rng.sample([sheet.marks["goals"], sheet.marks["indicators"]], k=rng.choice([1, 2]))))
    h.label_colon = rng.random() < 0.25
    h.rich_labels = rng.random() < 0.25
    h.shared_strings = rng.random() < 0.7
    h.float_noise = rng.random() < 0.3
    h.literal_percent = rng.random() < 0.15
    h.stray_spaces = rng.choice([0.0, 0.0, 0.1])
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = rng.choice((*SHEET_NAMES, (form.project_name or "自评表")[:20]))
    writer = _Writer(ws, sheet, h, rng)
    r = 1
    for k, text in enumerate(sheet.above):
        writer.line(r, text, title=k == 0)
        r += 1
    r += rng.choice([0, 0, 1])
    r = writer.table(r)
    for text in sheet.below:
        writer.line(r, text)
        r += 1
    if rng.random() < 0.5:
        r += rng.choice([0, 1])
        writer.line(r, rng.choice(NOTES))
        ws.row_dimensions[r].height = 32
    for c, width in enumerate(sheet.widths):
        ws.column_dimensions[get_column_letter(writer.col(c))].width = round(width / 6 * rng.uniform(0.9, 1.2), 2)
    if h.margin:
        ws.column_dimensions["A"].width = 2
    if h.spacer is not None:
        ws.column_dimensions[get_column_letter(writer.col(h.spacer) - 1)].width = 1.5
    ws.page_setup.orientation = "landscape"
    extra = rng.choice([None, None, "申报表", "监控表", "说明"])
    if extra is not None:
        name = {"申报表": rng.choice(["绩效目标申报表", "申报表"]), "监控表": "执行监控表", "说明": "填报说明"}[extra]
        other = wb.create_sheet(name, index=rng.choice([0, 1]))
        if extra == "申报表":
            sidesheets.declaration(other, form)
        elif extra == "监控表":
            sidesheets.monitoring(other, form)
        else:
            sidesheets.instructions(other, rng)
    cached = {ws.title: writer.cached}
    if rng.random() < 0.15:  # an earlier copy of the form, hidden (Excel names a copy "… (2)")
        copy = wb.copy_worksheet(ws)
        copy.title = f"{ws.title[:26]} (2)"
        copy.sheet_state = "hidden"
        cached[copy.title] = writer.cached  # its formulas were saved with their values too
    if rng.random() < 0.3:  # the empty sheets an old Excel workbook starts with
        for name in ("Sheet2", "Sheet3"):
            if name not in wb.sheetnames:
                wb.create_sheet(name)
    wb.properties.creator = rng.choice(["Administrator", "user", "财务科"])
    buffer = io.BytesIO()
    wb.save(buffer)
    data = stable_zip(buffer.getvalue(), cached, wb.sheetnames)
    return shared_strings(data) if h.shared_strings else streamed(data)

