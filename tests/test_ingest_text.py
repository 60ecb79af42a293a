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
