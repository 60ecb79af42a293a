"""A time and memory budget per PDF page / image frame (issue 11): a page that hangs or keeps allocating is left
unread with PAGE_OVER_BUDGET, the input's other pages are read, and the input ends well within its bound."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pymupdf
import pytest
from PIL import Image
from typer.testing import CliRunner

from jixiao import limits
from jixiao.cli import app
from jixiao.ingest import pdf
from jixiao.ingest.budget import rss_bytes
from jixiao.layout import IngestNote, Page

runner = CliRunner()
ROOT = Path(__file__).resolve().parent.parent


def _scan_pdf(path: Path, pages: int) -> Path:
    """A PDF of `pages` image-only pages (each goes to OCR)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    picture = path.with_suffix(".png")
    Image.fromarray(np.full((200, 150, 3), 255, dtype=np.uint8)).save(picture)
    doc = pymupdf.open()
    for _ in range(pages):
        doc.new_page().insert_image(pymupdf.Rect(50, 50, 200, 250), filename=str(picture))
    doc.save(str(path))
    return path


def _hostile(kind: str, grown: list[int]) -> object:
    def fake_ocr(image: np.ndarray, dpi: float, number: int, notes: list[IngestNote]) -> Page:
        if number == 2 and kind == "hang":
            while True:  # a page that never ends
                time.sleep(0.01)
        if number == 2 and kind == "memory":
            base, kept = rss_bytes() or 0, []
            for _ in range(64):  # up to 2 GiB, 32 MiB at a time, every byte touched
                kept.append(np.ones(32 << 20, dtype=np.uint8))
                grown[0] = (rss_bytes() or 0) - base
                time.sleep(0.05)
        return Page(number=number, width=100.0, height=100.0)
    return fake_ocr


@pytest.mark.parametrize("kind", ["hang", "memory"])
def test_a_hostile_page_is_left_unread_and_the_others_are_read(kind: str, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    grown = [0]
    monkeypatch.setattr(pdf, "_ocr_page", _hostile(kind, grown))
    limits.use(limits.Limits(page_seconds=2, page_memory=128))
    try:
        start = time.monotonic()
        document = pdf.ingest_pdf(_scan_pdf(tmp_path / "x.pdf", 3))
        seconds = time.monotonic() - start
    finally:
        limits.use(limits.Limits())
    over = [n for n in document.notes if n.code == "PAGE_OVER_BUDGET"]
    assert [n.page for n in over] == [2] and [p.number for p in document.pages] == [1, 2, 3]
    assert document.pages[0].width == 100.0 and document.pages[2].width == 100.0  # the other pages were read
    assert ("秒" if kind == "hang" else "MiB") in over[0].message
    assert seconds < 10  # 2 s budget, checked every 0.25 s
    if kind == "memory":
        assert 0 < grown[0] < 512 << 20  # stopped soon after the 128 MiB budget, far below the 2 GiB it wanted


def test_the_budget_reaches_the_json_and_the_exit_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A digital form with a hostile scanned page 2 appended: the form is read, page 2 is the finding."""
    monkeypatch.setattr(pdf, "_ocr_page", _hostile("hang", [0]))
    doc = pymupdf.open(str(ROOT / "golden" / "jinfeng-pdf" / "jinfeng.pdf"))
    doc.insert_pdf(pymupdf.open(str(_scan_pdf(tmp_path / "scan.pdf", 2))), from_page=1, to_page=1, start_at=1)
    source = tmp_path / "in" / "x.pdf"
    source.parent.mkdir()
    doc.save(str(source))
    result = runner.invoke(app, ["extract", str(source), "-o", str(tmp_path / "out"), "--no-llm", "--jobs", "1",
                                 "--max-page-seconds", "1"])
    assert result.exit_code == 1
    data = json.loads((tmp_path / "out" / "x.json").read_text(encoding="utf-8"))
    assert [f["code"] for f in data["findings"]].count("PAGE_OVER_BUDGET") == 1 and data["forms"]


@pytest.mark.parametrize(("option", "value"), [("--max-page-seconds", "0"), ("--max-page-memory", "10")])
def test_a_budget_out_of_range_is_a_usage_error(option: str, value: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["extract", str(tmp_path), "-o", str(tmp_path / "out"), option, value])
    assert result.exit_code == 2 and option in result.output
