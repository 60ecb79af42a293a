"""PDF and image ingest: digital tables with merged cells, forms across pages, and every kind of bad file."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pymupdf
import pytest
from typer.testing import CliRunner

from jixiao.checks import RuleProfile
from jixiao.cli import app
from jixiao.ingest import ingest
from jixiao.ingest.glyphs import classify_sign
from jixiao.ingest.grid import Segment, TextBox, page_blocks
from jixiao.pipeline import extract, process
from tests.conftest import GOLDEN, read_json

PDF = {name: GOLDEN / f"{name}-pdf" / f"{name}.pdf" for name in ("qijiang", "yuzhong", "pujin", "jinfeng")}
SCAN = {name: GOLDEN / f"{name}-scan" / f"{name}.pdf" for name in ("qijiang", "yuzhong", "pujin", "jinfeng")}


def _ruled(x: list[float], y: list[float]) -> list[Segment]:
    return [*(Segment(x[0], v, x[-1], v) for v in y), *(Segment(u, y[0], u, y[-1]) for u in x)]


def test_grid_gives_a_merged_cells_text_to_its_top_left_position() -> None:
    # 3 columns × 3 rows; the first column's cell spans rows 2–3 (no border between them)
    segments = [Segment(0, 0, 300, 0), Segment(0, 20, 300, 20), Segment(100, 40, 300, 40), Segment(0, 60, 300, 60),
                Segment(0, 0, 0, 60), Segment(100, 0, 100, 60), Segment(200, 0, 200, 60), Segment(300, 0, 300, 60)]
    boxes = [TextBox(5, 5, 60, 15, "一级指标"), TextBox(105, 5, 160, 15, "二级"), TextBox(205, 5, 260, 15, "值"),
             TextBox(5, 35, 60, 45, "产出指标"), TextBox(105, 25, 160, 35, "数量"), TextBox(205, 25, 230, 35, "1"),
             TextBox(105, 45, 160, 55, "质量"), TextBox(205, 45, 230, 55, "2")]
    blocks = page_blocks(segments, boxes, 1, "pdf", tol=2)
    rows = [[(c.index, c.text) for c in r.cells] for r in blocks[0].rows]
    assert rows == [[(0, "一级指标"), (1, "二级"), (2, "值")], [(0, "产出指标"), (1, "数量"), (2, "1")],
                    [(0, ""), (1, "质量"), (2, "2")]]


def test_grid_merges_columns_where_a_border_is_missing() -> None:
    segments = [*_ruled([0, 100, 200, 300], [0, 20]), Segment(0, 40, 300, 40), Segment(0, 20, 0, 40),
                Segment(300, 20, 300, 40)]
    boxes = [TextBox(5, 25, 250, 35, "项目名称很长跨越三列")]
    rows = page_blocks(segments, boxes, 1, "pdf", tol=2)[0].rows
    assert rows[-1].cells[0].span == 3 and rows[-1].cells[0].text == "项目名称很长跨越三列"


def test_digital_pdf_keeps_page_and_box_in_provenance(profile: RuleProfile) -> None:
    doc = extract(PDF["pujin"], profile)
    assert doc.source.kind == "pdf" and doc.source.pages == 4 and len(doc.forms) == 4
    prov = doc.forms[0].provenance["indicators[1].score"]
    assert prov.method == "rule" and prov.page == 1 and prov.bbox is not None and prov.source_text == "18.00"


def test_a_form_continues_on_the_next_page(profile: RuleProfile) -> None:
    doc = extract(PDF["yuzhong"], profile)
    assert len(doc.forms) == 3
    pages = {doc.forms[0].provenance[f"indicators[{i}].name"].page for i in range(12)}
    assert len(doc.forms[0].indicators) == 12 and pages == {1, 2}


def test_words_are_cut_at_cell_borders(profile: RuleProfile) -> None:
    # '…工作运' and '无' nearly touch across a border; MuPDF's own words would join them
    form = extract(PDF["yuzhong"], profile).forms[1]
    assert form.indicators[4].name == "保障节假日期间重点行业重点岗位工作运" and form.indicators[4].unit == "无"


def _zero_page_pdf() -> bytes:
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


def _huge_png() -> bytes:
    """A PNG header claiming 30000×30000 px (the check must refuse it before decoding anything)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b"")


def _encrypted_pdf(path: Path) -> None:
    doc = pymupdf.open(PDF["qijiang"])
    doc.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="secret", owner_pw="secret")


def _not_a_form(path: Path) -> None:
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), "Meeting notes: the budget was discussed and no decision was taken today.")
    page.insert_text((72, 100), "Next meeting: Tuesday. Attendees: finance office and the project team.")
    doc.save(path)


@pytest.mark.parametrize(("name", "make", "cause"), [
    ("locked.pdf", "encrypted", "encrypted PDF"),
    ("cut.pdf", "truncated", None),
    ("empty-pages.pdf", "zero", "no pages"),
    ("huge.png", "huge", "30000×30000 px"),
    ("memo.pdf", "memo", "no 绩效自评表 found"),
    ("junk.pdf", "junk", "not a readable PDF"),
])
def test_bad_files_get_one_line_errors(tmp_path: Path, profile: RuleProfile, name: str, make: str,
                                       cause: str | None) -> None:
    path = tmp_path / name
    if make == "encrypted":
        _encrypted_pdf(path)
    elif make == "truncated":
        data = PDF["jinfeng"].read_bytes()
        path.write_bytes(data[: len(data) // 3])
    elif make == "zero":
        path.write_bytes(_zero_page_pdf())
    elif make == "huge":
        path.write_bytes(_huge_png())
    elif make == "memo":
        _not_a_form(path)
    else:
        path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20)
    outcome = process(path, profile)
    if cause is None:  # a truncated PDF: MuPDF repairs what it can; a repaired file is never 'ok'
        assert outcome.error is not None or (outcome.document is not None and outcome.document.status == "partial")
        if outcome.document is not None:
            assert any(f.code == "PDF_REPAIRED" for f in outcome.document.findings)
        return
    assert outcome.error is not None and cause in outcome.error and str(path) in outcome.error
    assert "\n" not in outcome.error


def test_mixed_pdf_ocrs_only_the_scanned_pages(tmp_path: Path, profile: RuleProfile) -> None:
    mixed = pymupdf.open()
    mixed.insert_pdf(pymupdf.open(PDF["qijiang"]), from_page=0, to_page=0)
    mixed.insert_pdf(pymupdf.open(SCAN["qijiang"]), from_page=1, to_page=1)
    path = tmp_path / "mixed.pdf"
    mixed.save(path)
    layout = ingest(path)
    assert [p.ocr for p in layout.pages] == [False, True] and layout.kind == "pdf"
    doc = extract(path, profile)
    assert len(doc.forms) == 2 and any(f.code == "MIXED_PDF" for f in doc.findings)
    assert doc.forms[1].provenance["indicators[0].name"].method == "ocr"


def test_scanned_image_with_turned_page_is_read(tmp_path: Path, profile: RuleProfile) -> None:
    page = pymupdf.open(SCAN["pujin"])[0]
    pix = page.get_pixmap(dpi=150)
    image = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width, pix.n)[..., :3]
    path = tmp_path / "turned.png"
    cv2.imwrite(str(path), cv2.cvtColor(np.ascontiguousarray(np.rot90(image)), cv2.COLOR_RGB2BGR))
    doc = extract(path, profile)
    assert doc.source.kind == "image" and len(doc.forms) == 1
    assert "一网统管" in (doc.forms[0].project_name or "") and len(doc.forms[0].indicators) == 6
    assert any(f.code == "SCAN_TURNED" for f in doc.findings)
    assert all(p.method == "ocr" for p in doc.forms[0].provenance.values())


def test_sign_shapes_are_told_apart() -> None:
    def glyph(text: str) -> np.ndarray:
        doc = pymupdf.open()
        page = doc.new_page(width=40, height=40)
        page.insert_font(fontname="cjk", fontbuffer=pymupdf.Font("china-s").buffer)
        page.insert_text((8, 28), text, fontname="cjk", fontsize=20)
        pix = page.get_pixmap(dpi=72, colorspace=pymupdf.csGRAY)
        return np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width).copy()

    assert [classify_sign(glyph(c)) for c in ("≥", "≤", ">", "<")] == ["≥", "≤", ">", "<"]
    assert [classify_sign(glyph(c)) for c in ("2", "5", "7", "个", "1")] == [None] * 5


def test_batch_with_bad_pdfs_writes_the_good_ones(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.pdf").write_bytes(PDF["qijiang"].read_bytes())
    (folder / "zero.pdf").write_bytes(_zero_page_pdf())
    (folder / "huge.png").write_bytes(_huge_png())
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["extract", str(folder), "-o", str(out)])
    assert result.exit_code == 1
    assert read_json(out / "good.json")["source"]["kind"] == "pdf"
    assert sorted(p.name for p in out.iterdir()) == ["good.json"]


def test_a_grey_or_cmyk_scan_is_read_as_rgb(tmp_path: Path) -> None:
    """Office scanners send grey JPEGs; MuPDF's colour conversion takes two arguments (a third raised)."""
    from jixiao.ingest.pdf import page_image

    img = np.full((700, 500), 245, np.uint8)
    cv2.putText(img, "42", (100, 300), cv2.FONT_HERSHEY_SIMPLEX, 3, 0, 5)
    grey = pymupdf.open()
    page = grey.new_page(width=240, height=336)
    page.insert_image(page.rect, stream=cv2.imencode(".jpg", img)[1].tobytes())
    cmyk = pymupdf.open()
    rgb = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.Pixmap(grey, grey[0].get_images()[0][0]))
    page = cmyk.new_page(width=240, height=336)
    page.insert_image(page.rect, pixmap=pymupdf.Pixmap(pymupdf.csCMYK, rgb))
    for doc in (grey, cmyk):
        image, dpi = page_image(doc[0], tmp_path / "scan.pdf")
        assert image.shape == (700, 500, 3) and dpi == 150.0 and image.min() < 64 and image.max() > 200
