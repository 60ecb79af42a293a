"""Scan repairs by shape and by vocabulary: a leading ≥/≤ that OCR dropped or read as a digit, the strokes of a
large title that are not cell borders, a header word one character off in a header row."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import pymupdf
import pytest

from jixiao.domain import vocabulary as vocab
from jixiao.ingest import ocr, ocrfix
from jixiao.ingest.grid import TextBox
from jixiao.ingest.scan import _reread_empty_header_cells, fix_signs, ruling_lines
from jixiao.layout import Block, Cell, Row

DPI = 150


def _page(draw: Sequence[tuple[str, float, float, float]], lines: Sequence[tuple[float, float, float, float]] = (),
          size: tuple[float, float] = (420, 200)) -> np.ndarray:
    """A white page (RGB, DPI) with text (text, x, y, fontsize) and ruling lines (x0, y0, x1, y1) in points."""
    doc = pymupdf.open()
    page = doc.new_page(width=size[0], height=size[1])
    page.insert_font(fontname="cjk", fontbuffer=pymupdf.Font("china-s").buffer)
    for text, x, y, fontsize in draw:
        page.insert_text((x, y), text, fontname="cjk", fontsize=fontsize)
    for x0, y0, x1, y1 in lines:
        page.draw_line((x0, y0), (x1, y1), width=0.8)
    pix = page.get_pixmap(dpi=DPI)
    return np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width, pix.n)[..., :3].copy()


def _line_box(printed: str, read_as: str, fontsize: float = 11) -> tuple[np.ndarray, TextBox]:
    image = _page([(printed, 20, 40, fontsize)])
    k = DPI / 72
    width = pymupdf.Font("china-s").text_length(printed, fontsize=fontsize)
    box = TextBox(18 * k, (40 - fontsize) * k, (22 + width) * k, (40 + fontsize * 0.3) * k, read_as, 0.99)
    return image, box


@pytest.mark.parametrize(("printed", "read_as", "blur"), [
    ("≥1260平方米", "1260平方米", 0),  # the sign dropped in front of a number with a unit
    ("≥738户", "2738户", 0),  # the sign read as a digit
    ("≥738户", "Z738户", 0),  # … or as a letter
    ("≤15个工作日", "15个工作日", 0),
    ("≥92%", "92%", 0),  # a bare percentage (the case the glyph count used to handle alone)
    ("≥3007平方米", "23007平方米", 5),  # a small blurred sign whose lower arm runs into its underline
    ("≥58249人次", "58249人次", 5),
    ("≤23小时", "23小时", 5),
])
def test_a_leading_sign_is_read_again_by_shape(printed: str, read_as: str, blur: int) -> None:
    image, box = _line_box(printed, read_as, fontsize=8 if blur else 11)
    if blur:
        image = cv2.GaussianBlur(image, (blur, blur), 0)
    [fixed] = fix_signs([box], image)
    assert fixed.text == printed and fixed.confidence <= 0.7  # repaired, and shown to the reviewer as unsure


@pytest.mark.parametrize(("printed", "fontsize"), [("2738户", 11), ("7.5万元", 11), ("1260平方米", 11), ("100%", 11),
                                                  ("60%", 11), ("6.5万元", 9)])  # this '6' has the shape of ≤
def test_a_number_with_no_sign_is_left_alone(printed: str, fontsize: float) -> None:
    image, box = _line_box(printed, printed, fontsize)
    [kept] = fix_signs([box], image)
    assert kept == box


def test_a_large_titles_strokes_are_not_cell_borders() -> None:
    # a 22-pt title (目, 出, 评 have vertical strokes as long as a one-line cell's border) over a ruled table
    # whose header row has a short vertical splitting one cell
    table = [(20, 60, 400, 60), (20, 80, 400, 80), (20, 100, 400, 100), (20, 60, 20, 100), (400, 60, 400, 100),
             (200, 60, 200, 100), (300, 80, 300, 100)]
    image = _page([("2023年度项目支出绩效自评表", 60, 40, 22)], table)
    gray = image[..., 0]
    segments, mask = ruling_lines(gray, DPI)
    k = DPI / 72
    verticals = sorted(round(s.x0 / k) for s in segments if not s.horizontal)
    assert verticals == [20, 200, 300, 400]
    assert not mask[int(15 * k):int(45 * k)].any()  # nothing of the title is blanked


def _cell(text: str, index: int, confidence: float = 0.99) -> Cell:
    return Cell(text=text, raw=text, index=index, confidence=confidence, origin="ocr")


def test_an_unsure_header_word_one_edit_off_is_repaired_in_a_header_row() -> None:
    header = Row(cells=(_cell("项目资金", 0), _cell("年初预算数", 1), _cell("全年算数", 2, 0.7),
                        _cell("全年执行款", 3, 0.43), _cell("务值", 4, 0.47), _cell("执行事", 5, 0.58), _cell("得分", 6)))
    sure = Row(cells=(_cell("年初预算数", 0), _cell("全年预算数", 1), _cell("全年热行数", 2, 0.95),
                      _cell("<分值", 3, 0.85), _cell("公值", 4, 0.8), _cell("实际完成率", 5, 0.5)))
    data = Row(cells=(_cell("学生实际完成率", 0), _cell("实际完成值", 1, 0.5), _cell("实际宪成值", 2, 0.5)))
    [block] = ocrfix.repaired([Block(kind="table", rows=[header, sure, data])])
    assert [c.text for c in block.rows[0].cells] == [
        "项目资金", "年初预算数", "全年预算数", "全年执行数", "分值",
        "执行事",  # 执行数 or 执行率: one edit from both, so left as read
        "得分"]
    assert block.rows[0].cells[3].confidence == 0.43  # a repaired word keeps the OCR's own score
    assert [c.text for c in block.rows[1].cells] == [
        "年初预算数", "全年预算数",
        "全年热行数",  # the OCR was sure: not second-guessed
        "分值",  # a stray mark before a word dropped
        "公值",  # two characters, the OCR fairly sure: too little to compare
        "实际完成率"]  # the last character carries the meaning (率 is not 值)
    assert block.rows[2].cells[2].text == "实际宪成值"  # not a header row: nothing is taken for a header word


def test_a_semicolon_read_as_a_colon_before_the_next_item_is_repaired() -> None:
    texts = ["1.建成高标准农田1.2万亩：2.带动农户增收", "一是完成危房改造：二是加强质量监管，确保安全",
             "目标：1.完成建设任务，提升服务水平", "下达补助资金：2.5万元，已全部拨付到户"]
    row = Row(cells=tuple(_cell(t, i) for i, t in enumerate(texts)))
    [block] = ocrfix.repaired([Block(kind="table", rows=[row])])
    assert [c.text for c in block.rows[0].cells] == [
        "1.建成高标准农田1.2万亩；2.带动农户增收", "一是完成危房改造；二是加强质量监管，确保安全",
        "目标：1.完成建设任务，提升服务水平",  # the colon before the first item is the text's own
        "下达补助资金：2.5万元，已全部拨付到户"]  # a decimal number is not an item


def test_an_empty_cell_in_a_header_row_is_read_on_its_own() -> None:
    # the detector skipped the short 分值 between two longer headers; a speck in the last cell is no header
    xs = [20, 110, 200, 260, 330, 400]
    words = ["年初预算数", "全年预算数", "分值", "执行率", ""]
    lines = [(20, 60, 400, 60), (20, 85, 400, 85)] + [(x, 60, x, 85) for x in xs]
    image = _page([(w, x + 8, 78, 11) for w, x in zip(words, xs, strict=False) if w], lines)
    image[int(72 * DPI / 72), int(360 * DPI / 72)] = 0
    cells = tuple(Cell(text="" if w in ("分值", "") else w, raw=w, index=i, confidence=0.99, origin="ocr",
                       bbox=(x0, 60.0, x1, 85.0))
                  for i, (w, x0, x1) in enumerate(zip(words, xs, xs[1:], strict=False)))
    [block] = _reread_empty_header_cells([Block(kind="table", rows=[Row(cells=cells)])], image, DPI)
    assert [c.text for c in block.rows[0].cells] == ["年初预算数", "全年预算数", "分值", "执行率", ""]
    assert block.rows[0].cells[2].confidence <= 0.85


def test_a_target_whose_sign_alone_scores_low_is_kept_unsure(monkeypatch: pytest.MonkeyPatch) -> None:
    # the recogniser's score is its least sure character: a sign at 0.27 must not drop '≥5876人' whole
    class Engine:
        def get_crop_img_list(self, image: np.ndarray, quads: list[np.ndarray]) -> list[np.ndarray]:
            return [image] * len(quads)

        def text_rec(self, crops: list[np.ndarray]) -> tuple[list[tuple[str, float]], float]:
            return [("≥5876人", 0.27), ("江北区", 0.27), ("≤3天", 0.1), ("", 0.9)], 0.0

    monkeypatch.setattr(ocr, "engine", lambda: Engine())
    quad = np.array([[0, 0], [10, 0], [10, 5], [0, 5]], dtype=np.float32)
    boxes = ocr.read_lines(np.zeros((5, 10, 3), np.uint8), [quad] * 4)
    assert [(b.text, b.confidence) for b in boxes] == [("≥5876人", 0.27)]


@pytest.mark.parametrize(("printed", "field"), [
    ("执行率权重", "weight"), ("执行率权童", "weight"), ("执行率权", "weight"),  # misread, or the last character cut
    ("执行率分值", "weight"), ("执行率得", "score"), ("执行率得分", "score"),
    ("执行率分", "rate"),  # 分值 or 得分 cut short: no guess, only the 执行率 it surely names
])
def test_a_funds_header_for_the_rates_points_survives_a_cut_character(printed: str, field: str) -> None:
    assert vocab.fund_column(printed) == field
