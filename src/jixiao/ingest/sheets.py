"""Which sheets of a workbook to read, and one sheet → one page of the layout IR.

A workbook exported from a budget system holds a 申报表, a 监控表, a 自评表 and reports side by
side. A sheet is read when its name or its text says 自评 (自评表, 自评总分, 自评分); the others
are skipped with an info note saying why. A workbook in which no sheet says 自评 is read whole
(the parser decides what is a form), so a sheet titled only …绩效评价表 is not lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jixiao.ingest.sheetgrid import Merge, address, grid_rows
from jixiao.layout import Block, CellRef, IngestNote, Page

SELF_EVALUATION = "自评"


@dataclass
class SheetTexts:
    """One sheet as displayed: 0-based (row, col) → text, merged ranges, hidden rows and columns."""

    name: str
    ordinal: int
    texts: dict[tuple[int, int], str]
    merges: list[Merge] = field(default_factory=list)
    hidden_rows: frozenset[int] = frozenset()
    hidden_cols: frozenset[int] = frozenset()
    hidden: bool = False

    @property
    def empty(self) -> bool:
        return not any(t.strip() for t in self.texts.values())

    def mentions(self, word: str) -> bool:
        return word in self.name or any(word in t for t in self.texts.values())


def choose_sheets(sheets: list[SheetTexts], notes: list[IngestNote]) -> list[SheetTexts]:
    """The sheets to read; a note for each sheet skipped."""
    visible = [s for s in sheets if not s.hidden and not s.empty]
    chosen = [s for s in visible if s.mentions(SELF_EVALUATION)] or visible
    for sheet in sheets:
        if sheet in chosen:
            continue
        if sheet.empty:
            why = "空白工作表"
        elif sheet.hidden:
            why = "隐藏的工作表（打印时不出现）"
        else:
            why = "不是自评表（表中没有“自评”字样）"
        notes.append(IngestNote(code="SHEET_SKIPPED", severity="info", page=sheet.ordinal,
                                message=f"第{sheet.ordinal}个工作表“{sheet.name}”未读取：{why}"))
    return chosen


def hidden_note(sheet: SheetTexts) -> IngestNote | None:
    """An info note when hidden rows or columns hold text that was therefore not read."""
    hidden = sorted(address(r, c) for (r, c), t in sheet.texts.items()
                    if t.strip() and (r in sheet.hidden_rows or c in sheet.hidden_cols))
    if not hidden:
        return None
    shown = "、".join(hidden[:5]) + ("等" if len(hidden) > 5 else "")
    return IngestNote(code="HIDDEN_CELLS_SKIPPED", severity="info", page=sheet.ordinal,
                      message=f"工作表“{sheet.name}”的隐藏行/列中有{len(hidden)}个单元格有内容（{shown}），"
                              "打印时不出现，未读取")


def sheet_page(sheet: SheetTexts) -> Page:
    """The sheet as one page (number = the sheet's ordinal in the workbook) holding one table."""
    def ref(row: int, col: int) -> CellRef:
        return CellRef(sheet=sheet.name, cell=address(row, col))

    rows = grid_rows(sheet.texts, sheet.merges, sheet.ordinal, ref, sheet.hidden_rows, sheet.hidden_cols)
    return Page(number=sheet.ordinal, blocks=[Block(kind="table", rows=rows)])
