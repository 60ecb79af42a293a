"""Hostile and unlucky inputs, the fast cases (the long, seeded run is `make fuzz`): limits without holes,
the content decides the reader, unreadable folder entries, clean streams, safe outputs, restartable runs."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image
from typer.testing import CliRunner

from jixiao.batch import expand_inputs
from jixiao.checks import RuleProfile
from jixiao.cli import app
from jixiao.pipeline import process
from tests.conftest import GOLDEN, SEEDS, forked, reaped

runner = CliRunner()
JIXIAO = str(Path(sys.executable).parent / "jixiao")


def _one_line_error(tmp_path: Path, path: Path, profile: RuleProfile, within: float = 20.0) -> str:
    start = time.monotonic()
    outcome = process(path, profile)
    assert time.monotonic() - start < within
    assert outcome.error is not None and "\n" not in outcome.error and "internal error" not in outcome.error
    return outcome.error


def test_every_frame_of_a_tiff_is_checked_before_decoding(tmp_path: Path, profile: RuleProfile) -> None:
    path = tmp_path / "hidden.tif"
    Image.new("1", (100, 100), 1).save(path, save_all=True, compression="group4",
                                       append_images=[Image.new("1", (9000, 9000), 1)])
    assert path.stat().st_size < 200_000
    assert "frame 2 is 9000×9000 px" in _one_line_error(tmp_path, path, profile, within=5)


def test_frames_per_image_are_limited(tmp_path: Path, profile: RuleProfile) -> None:
    path = tmp_path / "many.tif"
    frames = [Image.new("L", (16, 16), 255) for _ in range(501)]
    frames[0].save(path, save_all=True, append_images=frames[1:])
    assert "501 frames; more than 500" in _one_line_error(tmp_path, path, profile, within=5)


def test_a_decompression_bomb_png_is_refused_from_its_header(tmp_path: Path, profile: RuleProfile) -> None:
    path = tmp_path / "bomb.png"  # 20000×20000 in its header, a few bytes of data: never decoded
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", 20000, 20000, 8, 0, 0, 0, 0))
                     + _chunk(b"IDAT", zlib.compress(b"\x00" * 20001 * 16)) + _chunk(b"IEND", b""))
    assert "20000×20000 px" in _one_line_error(tmp_path, path, profile, within=5)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def test_blank_pages_are_not_ocred(tmp_path: Path, profile: RuleProfile) -> None:
    path = tmp_path / "blank.tif"
    frames = [Image.new("RGB", (1654, 2339), (255, 255, 255)) for _ in range(4)]
    frames[0].save(path, save_all=True, append_images=frames[1:], compression="tiff_deflate")
    assert "no 绩效自评表" in _one_line_error(tmp_path, path, profile, within=8)


def test_the_content_decides_the_reader(tmp_path: Path, profile: RuleProfile) -> None:
    fake_pdf = tmp_path / "really-text.pdf"
    shutil.copy(SEEDS["qijiang"], fake_pdf)
    outcome = process(fake_pdf, profile)
    assert outcome.document is not None and outcome.forms == 3
    assert any(f.code == "CONTENT_NOT_SUFFIX" and ".pdf" in f.message for f in outcome.document.findings)
    pdf_as_txt = tmp_path / "really-pdf.txt"
    shutil.copy(GOLDEN / "jinfeng-pdf" / "jinfeng.pdf", pdf_as_txt)
    outcome = process(pdf_as_txt, profile)
    assert outcome.document is not None and outcome.document.source.kind == "pdf"
    garbage = tmp_path / "garbage.pdf"
    garbage.write_bytes(bytes(range(256)) * 8)
    assert "not a readable PDF" in _one_line_error(tmp_path, garbage, profile)


def test_unreadable_entries_of_a_folder_are_failures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "locked").mkdir()
    shutil.copy(SEEDS["qijiang"], folder / "sub" / "good.txt")
    (folder / "broken.txt").symlink_to(tmp_path / "nowhere.txt")
    (folder / "self.txt").symlink_to(folder / "self.txt")
    (folder / "sub" / "loop").symlink_to(folder)
    real_scandir = os.scandir

    def scandir(path: str | os.PathLike[str]) -> object:
        if Path(path).name == "locked":  # as a non-root user would see a chmod 000 folder
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr("jixiao.batch.os.scandir", scandir)
    files, errors = expand_inputs([folder])
    assert files == [folder / "sub" / "good.txt"]
    joined = "\n".join(errors)
    assert "broken.txt: broken or looping symbolic link" in joined and "self.txt: broken or looping" in joined
    assert "loop: symbolic link loop" in joined and "locked: cannot read folder: Permission denied" in joined
    result = runner.invoke(app, ["extract", str(folder), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1 and "broken or looping" in result.output
    assert (tmp_path / "out" / "good.json").exists()


def test_an_output_folder_inside_the_input_folder_is_not_read(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SEEDS["qijiang"], folder / "a.txt")
    for _ in range(2):
        result = runner.invoke(app, ["run", str(folder), "-o", str(folder / "out")])
        assert result.exit_code == 0, result.output
        assert "1 inputs processed" in result.output


def test_json_stdout_stays_json_with_a_damaged_pdf(tmp_path: Path) -> None:
    data = (GOLDEN / "jinfeng-pdf" / "jinfeng.pdf").read_bytes()
    (tmp_path / "cut.pdf").write_bytes(data[: len(data) * 2 // 3])
    (tmp_path / "flipped.pdf").write_bytes(data.replace(b"obj", b"obk", 5).replace(b"xref", b"xrex"))
    result = subprocess.run([JIXIAO, "extract", str(tmp_path / "cut.pdf"), str(tmp_path / "flipped.pdf"),
                             "-o", str(tmp_path / "out"), "--json"], capture_output=True, text=True, timeout=300)
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and all(json.loads(line)["event"] in ("done", "error") for line in lines), result.stdout
    assert "Traceback" not in result.stderr


def test_outputs_follow_the_umask_and_a_long_stem_fits(tmp_path: Path) -> None:
    stem = "长" * 80 + "x" * 6  # 246 bytes in UTF-8
    assert len(stem.encode()) == 246
    path = tmp_path / f"{stem}.txt"
    shutil.copy(SEEDS["qijiang"], path)
    out = tmp_path / "out"
    old = os.umask(0o022)
    try:
        result = runner.invoke(app, ["run", str(path), "-o", str(out)])
        assert result.exit_code == 0, result.output
        modes = {p.name: p.stat().st_mode & 0o777 for p in out.iterdir()}
        assert set(modes.values()) == {0o644}, modes
        assert runner.invoke(app, ["review", "import", str(out / "review.xlsx")]).exit_code == 0
        assert (out / f"{stem}.json").stat().st_mode & 0o777 == 0o644
    finally:
        os.umask(old)


def _outputs(out: Path) -> dict[str, object]:
    files: dict[str, object] = {p.name: p.read_bytes() for p in out.iterdir() if p.suffix in (".json", ".md", ".html")}
    wb = load_workbook(out / "review.xlsx")
    files["review.xlsx"] = [[c.value for c in row] for ws in wb for row in ws.iter_rows()]
    return files


def test_resume_after_kill_gives_the_uninterrupted_outputs(tmp_path: Path) -> None:
    inputs = [str(SEEDS[k]) for k in ("qijiang", "yuzhong", "pujin")]
    whole = tmp_path / "whole"
    assert runner.invoke(app, ["run", *inputs, "-o", str(whole)]).exit_code == 0
    out = tmp_path / "out"
    # one job: with worker processes the inputs ahead of the killed parent may already be complete (and resumable)
    assert reaped(forked(["run", *inputs, "-o", str(out), "-q", "--jobs", "1"], hook="batch-written#2:kill")) == -9
    assert len(list(out.glob("*.json"))) == 2
    resumed = runner.invoke(app, ["run", *inputs, "-o", str(out), "--resume"])
    assert resumed.exit_code == 0, resumed.output
    assert resumed.output.count("skipped") == 2 and "3 inputs processed" in resumed.output
    assert _outputs(out) == _outputs(whole)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
