"""Word-exported PDFs: a number the cell's width broke over two lines, and a table row a page break cut in two.

The PDFs here are drawn line by line with PyMuPDF, not by the program whose export showed the misses
(LibreOffice from .docx: `二级指标` rows cut at the page foot, `207.6` / `892万元` in a narrow column)."""

from __future__ import annotations

from pathlib import Path

import pymupdf

from jixiao.checks import RuleProfile
from jixiao.ingest.grid import TextBox, join_lines, text_of
from jixiao.ingest.pagejoin import JOINED_CONFIDENCE, join_split_rows
from jixiao.layout import Block, Cell, IngestNote, Page, Row
from jixiao.pipeline import extract

FONT = "china-s"


def test_a_number_broken_by_the_cells_width_is_joined_without_a_space() -> None:
    cut = [TextBox(102, 10, 138, 20, "180.9"), TextBox(102, 24, 140, 34, "7212万元")]
    assert text_of(cut, right=142.0)[0] == "180.97212万元"
    # the same lines in a wide cell: the first line ended on its own (two figures, one per line)
    assert text_of(cut, right=300.0)[0] == "180.9 7212万元"
    assert join_lines(["Total", "amount"], [True, False]) == "Total amount"  # a Latin word wrap keeps its space


def _cell(index: int, text: str, x0: float, x1: float, y0: float, y1: float) -> Cell:
    return Cell(text=text, raw=text, index=index, bbox=(x0, y0, x1, y1), origin="pdf")


def _row(texts: list[str], y0: float, y1: float, page: int) -> Row:
    edges = [40.0, 200.0, 300.0, 360.0, 420.0]
    return Row(cells=tuple(_cell(i, t, edges[i], edges[i + 1], y0, y1) for i, t in enumerate(texts)), page=page,
               bbox=(40.0, y0, 420.0, y1))


def _pages(first_on_next: list[str], before: list[Block] | None = None) -> list[Page]:
    one = Page(number=1, blocks=[Block(kind="table", rows=[
        _row(["三级指标", "年度指标值", "分值", "得分"], 600, 620, 1),
        _row(["基础社会治理能力提", "提升", "15", "15"], 620, 780, 1)])])
    two = Page(number=2, blocks=[*(before or []), Block(kind="table", rows=[
        _row(first_on_next, 40, 60, 2), _row(["服务对象满意度", "≥95%", "10", "10"], 60, 80, 2)])])
    return [one, two]


def test_the_rest_of_a_cut_row_joins_the_row_above_the_page_break() -> None:
    notes: list[IngestNote] = []
    pages = join_split_rows(_pages(["升情况", "", "", ""]), notes)
    last = pages[0].blocks[0].rows[-1]
    assert [c.text for c in last.cells] == ["基础社会治理能力提升情况", "提升", "15", "15"]
    assert last.cells[0].confidence == JOINED_CONFIDENCE and last.cells[1].confidence == 1.0
    assert [r.cells[0].text for r in pages[1].blocks[0].rows] == ["服务对象满意度"]
    assert [n.code for n in notes] == ["ROW_JOINED_ACROSS_PAGES"]


def test_a_new_row_at_the_top_of_a_page_is_not_joined() -> None:
    title = Block(kind="text", rows=[Row(cells=(Cell(text="项目支出绩效自评表", raw="项目支出绩效自评表", index=0),))])
    for pages in (_pages(["新增指标", "", "10", ""]),  # its 分值 under the last row's 分值: a row of its own
                  _pages(["升情况", "", "", ""], before=[title]),  # a title first: the next page starts a new form
                  _pages(["注：各单位对所填数据负责", "", "", ""])):  # a remark under the table
        notes: list[IngestNote] = []
        pages = join_split_rows(pages, notes)
        assert pages[0].blocks[0].rows[-1].cells[0].text == "基础社会治理能力提" and not notes


def test_a_full_row_under_a_filler_row_is_not_joined() -> None:
    filler = Page(number=1, blocks=[Block(kind="table", rows=[_row(["生态效益指标", "无", "无", "无"], 700, 780, 1)])])
    nxt = Page(number=2, blocks=[Block(kind="table", rows=[_row(["长效管护机制", "健全", "18", ""], 40, 60, 2)])])
    notes: list[IngestNote] = []
    pages = join_split_rows([filler, nxt], notes)
    assert pages[0].blocks[0].rows[-1].cells[1].text == "无" and not notes  # a 无 is never cut


def _draw_form(path: Path) -> None:
    """Two A4 pages: the last indicator row on page 1 is cut after '资金使用合' and goes on with '规性' on page 2."""
    doc = pymupdf.open()
    xs = [50, 110, 190, 330, 420, 470, 520]

    def table(page: pymupdf.Page, rows: list[tuple[float, float, list[str]]]) -> None:
        top, bottom = rows[0][0], rows[-1][1]
        for y0, _y1, texts in rows:
            page.draw_line((xs[0], y0), (xs[-1], y0), width=0.6)
            for x0, text in zip(xs, texts, strict=False):
                for n, line in enumerate(text.split("\n")):
                    page.insert_text((x0 + 3, y0 + 13 + 13 * n), line, fontname=FONT, fontsize=10)
        page.draw_line((xs[0], bottom), (xs[-1], bottom), width=0.6)
        for x in xs:
            page.draw_line((x, top), (x, bottom), width=0.6)

    one = doc.new_page(width=595, height=842)
    one.insert_text((200, 60), "项目支出绩效自评表", fontname=FONT, fontsize=16)
    one.insert_text((250, 85), "（2024年度）", fontname=FONT, fontsize=11)
    table(one, [(100, 120, ["项目名称", "乡村道路养护", "", "", "", ""]),
                (120, 140, ["主管部门", "某县交通运输局", "", "实施单位", "某县公路站", ""]),
                (140, 160, ["一级指标", "二级指标", "三级指标", "年度指标值", "分值", "得分"]),
                (160, 180, ["产出指标", "数量指标", "养护里程", "≥120公里", "40", "40"]),
                (180, 200, ["", "质量指标", "路况优良率", "≥85%", "30", "28"]),
                (200, 800, ["效益指标", "社会效益指标", "资金使用合", "合规", "20", "20"])])
    two = doc.new_page(width=595, height=842)
    table(two, [(40, 60, ["", "", "规性", "", "", ""]),
                (60, 80, ["满意度指标", "服务对象满意度", "群众满意度", "≥90%", "10", "10"]),
                (80, 100, ["总分", "", "", "", "100", "98"])])
    doc.save(path)


def test_a_row_cut_by_a_page_break_is_one_indicator(tmp_path: Path, profile: RuleProfile) -> None:
    path = tmp_path / "cut.pdf"
    _draw_form(path)
    doc = extract(path, profile)
    form = doc.forms[0]
    assert [i.name for i in form.indicators] == ["养护里程", "路况优良率", "资金使用合规性", "群众满意度"]
    assert form.provenance["indicators[2].name"].confidence <= JOINED_CONFIDENCE  # flagged: joined across pages
    assert form.indicators[2].weight == 20 and form.total_score == 98
    assert "ROW_JOINED_ACROSS_PAGES" in {f.code for f in doc.findings}
