from pathlib import Path

import pytest

from jixiao.errors import EmptyInput, NotText, UnsupportedInput
from jixiao.ingest import ingest
from jixiao.ingest.text import decode, split_cells
from tests.conftest import SEEDS


def test_utf8_seed_rows_keep_positions() -> None:
    layout = ingest(SEEDS["pujin"])
    rows = list(layout.rows())
    assert layout.kind == "text" and layout.encoding == "utf-8"
    first = next(r for r in rows if r.filled and r.filled[0].text == "项目名称")
    assert [c.index for c in first.filled] == [0, 2]
    assert first.line == 7 and first.page == 1 and first.filled[0].bbox is None


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_encodings_are_detected(tmp_path: Path, encoding: str) -> None:
    text = SEEDS["jinfeng"].read_text(encoding="utf-8")
    data = text.encode(encoding)
    decoded, name = decode(data, "x.txt")
    assert decoded.lstrip("\ufeff") == text
    assert name


def test_utf16_without_bom_ascii_heavy() -> None:
    text = "项目名称\tABC\t123\n" * 20
    decoded, name = decode(text.encode("utf-16-le"), "x.txt")
    assert decoded == text and name == "utf-16"


def test_markdown_and_bold_markup_removed(tmp_path: Path) -> None:
    path = tmp_path / "m.md"
    path.write_text("## 2023年度二级项目绩效自评表\n<b>项目名称:</b>\t测试项目\n", encoding="utf-8")
    rows = list(ingest(path).rows())
    assert rows[0].heading and rows[0].filled[0].text == "2023年度二级项目绩效自评表"
    assert rows[1].filled[0].text == "项目名称:" and rows[1].filled[0].raw == "<b>项目名称:</b>"


def test_multi_space_cells_and_pages(tmp_path: Path) -> None:
    assert split_cells("指标名称   计量单位  指标值") == ["指标名称", "计量单位", "指标值"]
    assert split_cells("年度 总体 目标\t预期目标") == ["年度 总体 目标", "预期目标"]
    path = tmp_path / "p.txt"
    path.write_text("第一页\f第二页\n", encoding="utf-8")
    assert [r.page for r in ingest(path).rows()] == [1, 2]


def test_bad_inputs_raise_one_line_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(EmptyInput, match=r"empty\.txt: empty file"):
        ingest(empty)
    binary = tmp_path / "image.txt"
    binary.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(NotText, match="binary"):
        ingest(binary)
    with pytest.raises(UnsupportedInput, match=r"\.key"):
        ingest(tmp_path / "a.key")


# ---- tables printed by other programs: markdown (docling, marker, pandoc, LLM OCR) and CSV (Excel) ----------------

DOCLING_MD = """## 2024年度项目支出绩效自评表

| 项目名称         | 项目名称         | 乡村道路养护       | 乡村道路养护       | 实施单位 | 某镇农业服务中心 |
|-----------------|-----------------|-------------------|-------------------|---------|-----------------|
| 主管部门         | 主管部门         | 某县交通局         | 某县交通局         | 联系电话 | 0571-1234 |
| 年度资金总额      | 年度资金总额      | 120.00            | 120.00            | 118.00  | 98.33% |
| 一级指标         | 二级指标         | 三级指标           | 年度指标值          | 实际完成值 | 分值 |
| 产出指标         | 数量指标         | 养护里程           | 162公里            | 162公里   | 20 |
| 产出指标         | 质量指标         | 路况优良率 \\| 抽检 | 稳定达标           | 稳定达标   | 20 |
"""


def test_a_docling_markdown_table_reads_as_cells_and_merged_labels_once(tmp_path: Path) -> None:
    path = tmp_path / "form.md"
    path.write_text(DOCLING_MD, encoding="utf-8")
    rows = [[c.text for c in r.filled] for r in ingest(path).rows()]
    assert rows[0] == ["2024年度项目支出绩效自评表"]
    assert rows[1] == ["项目名称", "乡村道路养护", "乡村道路养护", "实施单位", "某镇农业服务中心"]  # a short value stays
    assert rows[3] == ["年度资金总额", "120.00", "120.00", "118.00", "98.33%"]  # equal amounts side by side stay
    assert rows[5] == ["产出指标", "数量指标", "养护里程", "162公里", "162公里", "20"]  # actual equal to target stays
    assert rows[6][2] == "路况优良率 | 抽检" and rows[6][3:5] == ["稳定达标", "稳定达标"]  # escaped pipe
    assert not any(set(cell) <= {"-", "|", " "} for row in rows for cell in row)  # the |---| rule is no row
    assert len(rows) == 7


def test_marker_markdown_bold_and_line_breaks_are_markup(tmp_path: Path) -> None:
    path = tmp_path / "form.md"
    path.write_text("| **项目名称** | 乡村<br>道路养护 | **评分等级** | 优 |\n|---|---|---|---|\n", encoding="utf-8")
    (row,) = [r for r in ingest(path).rows() if r.filled]
    assert [c.text for c in row.filled] == ["项目名称", "乡村道路养护", "评分等级", "优"]
    assert [c.index for c in row.filled] == [0, 1, 2, 3]


def test_split_cells_keeps_tabs_first_and_pipes_inside_prose() -> None:
    assert split_cells("a\tb | c") == ["a", "b | c"]
    assert split_cells("说明 | 无  详见附件") == ["说明 | 无", "详见附件"]  # no leading pipe: not a table row


def test_an_excel_csv_export_reads_as_its_grid(tmp_path: Path) -> None:
    text = ('"项目支出绩效自评表",,,,\r\n项目名称,"乡村道路养护，二期",,实施单位,某镇\r\n'
            '年度资金总额,120.00,"1,180.00",98.33%,\r\n说明,"第一行\n第二行",,,\r\n')
    path = tmp_path / "form.csv"
    path.write_bytes(text.encode("gb18030"))
    layout = ingest(path)
    rows = [r for r in layout.rows() if r.filled]
    assert layout.encoding == "gb18030"
    assert [c.text for c in rows[1].filled] == ["项目名称", "乡村道路养护，二期", "实施单位", "某镇"]
    assert [c.index for c in rows[1].filled] == [0, 1, 3, 4]  # the empty field keeps the grid
    assert [c.text for c in rows[2].filled][2] == "1,180.00"
    assert [c.text for c in rows[3].filled] == ["说明", "第一行 第二行"] and rows[3].line == 4


SAVED_PAGE = """<html><head><meta charset="gbk"><title>自评表</title><style>td{color:red}</style>
<script>document.write('项目名称 假的');</script></head><body>
<p align=center><b>2024年度项目支出绩效自评表</b></p><p>填报单位：某县交通局</p>
<table border=1>
<tr><td rowspan=2>项目资金（万元）</td><td>年初预算数</td><td>全年执行数</td></tr>
<tr><td>1,200.00</td><td>&nbsp;</td></tr>
<tr><th colspan=99999>绩效指标</th></tr>
<tr><td>数量指标</td><td>养护里程<br/>（公里）</td><td><table><tr><td>甲</td><td>乙</td></tr></table></td></tr>
</table><p>说明：无</p></body></html>"""


def test_a_saved_web_page_reads_its_table_as_a_browser_lays_it_out(tmp_path: Path) -> None:
    path = tmp_path / "form.html"
    path.write_bytes(SAVED_PAGE.encode("gb18030"))
    rows = [r for r in ingest(path).rows() if r.filled]
    texts = [[c.text for c in r.filled] for r in rows]
    assert texts[0] == ["2024年度项目支出绩效自评表"] and texts[1] == ["填报单位：某县交通局"]
    assert not any("假的" in t or "color" in t for row in texts for t in row)  # script and style are not read
    assert [(c.text, c.index) for c in rows[3].filled] == [("1,200.00", 1)]  # pushed right by the rowspan
    assert rows[4].filled[0].span == 1000  # colspan clamped as browsers clamp it
    assert texts[5] == ["数量指标", "养护里程（公里）", "甲 乙"]  # <br/> joined; a nested table read as text
    assert texts[-1] == ["说明：无"] and rows[2].line == 5


def test_a_mineru_markdown_with_an_html_table(tmp_path: Path) -> None:
    path = tmp_path / "form.md"
    path.write_text("# 项目支出绩效自评表\n\n（2023年度）\n\n<table><tr><td colspan=\"2\">项目名称</td>"
                    "<td>乡村道路</td></tr><tr><td>一级指标</td><td>二级指标</td><td>三级指标</td></tr></table>\n",
                    encoding="utf-8")
    texts = [[c.text for c in r.filled] for r in ingest(path).rows() if r.filled]
    assert texts == [["项目支出绩效自评表"], ["（2023年度）"], ["项目名称", "乡村道路"],
                     ["一级指标", "二级指标", "三级指标"]]
