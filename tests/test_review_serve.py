"""`jixiao review serve`: the review page's decisions reach the JSON exactly as `review import` does (same
function: hash check, re-check, journal), a stale page or a foreign request is refused, the reports follow."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.models import Document
from jixiao.outputs.schema import DRAFT_HEADER
from jixiao.review.importer import shown_text
from jixiao.review.server import make_server
from tests.conftest import SEEDS

runner = CliRunner()
COLUMN = {name: k + 1 for k, name in enumerate(DRAFT_HEADER)}
EDITED = "经核实，设备使用准确率未达标系季度巡检延误所致，已调整巡检计划。"


@contextmanager
def serving(folder: Path) -> Iterator[ThreadingHTTPServer]:
    server = make_server(folder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def post(server: ThreadingHTTPServer, path: str, body: object, headers: dict[str, str] | None = None
         ) -> tuple[int, dict[str, object]]:
    port = server.server_address[1]
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode("utf-8"),
                                     method="POST", headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture(scope="module")
def run_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("serve") / "out"
    result = runner.invoke(app, ["run", str(SEEDS["pujin"]), str(SEEDS["yuzhong"]), "-o", str(out), "-q"])
    assert result.exit_code in (0, 1), result.output
    return out


def _decisions(doc: Document) -> list[tuple[int, str, str]]:
    forms = [k for k, d in enumerate(doc.drafts) if d.form is not None]
    return [(forms[0], "采纳", ""), (forms[1], "修改", EDITED), (forms[2], "退回", "")]


def test_page_decisions_and_review_import_give_identical_json(run_out: Path, tmp_path: Path) -> None:
    stem = SEEDS["pujin"].stem
    by_book, by_page = Path(shutil.copytree(run_out, tmp_path / "book")), Path(shutil.copytree(run_out, tmp_path / "page"))
    doc = Document.model_validate_json((run_out / f"{stem}.json").read_bytes())
    decisions = _decisions(doc)

    book = load_workbook(by_book / "review.xlsx")
    ws = book["草稿"]
    rows = {row[0].value: row[0].row for row in ws.iter_rows(min_row=2)}
    for index, decision, text in decisions:
        ws.cell(row=rows[f"{stem}#{index}"], column=COLUMN["审核结论"], value=decision)
        if text:
            ws.cell(row=rows[f"{stem}#{index}"], column=COLUMN["修改后文本"], value=text)
    book.save(by_book / "review.xlsx")
    result = runner.invoke(app, ["review", "import", str(by_book / "review.xlsx")])
    assert result.exit_code == 0 and "1 accepted, 1 edited, 1 rejected" in result.output, result.output

    with serving(by_page) as server:
        sha = hashlib.sha256((by_page / f"{stem}.json").read_bytes()).hexdigest()
        for index, decision, text in decisions:
            current = Document.model_validate_json((by_page / f"{stem}.json").read_bytes())
            status, answer = post(server, f"/review/{stem}/decide", {"sha256": sha, "decisions": [
                {"index": index, "decision": decision, "text": text, "shown": shown_text(current.drafts[index])}]})
            assert status == 200, answer
            sha = str(answer["sha256"])
    for name in sorted(p.name for p in by_book.glob("*.json")):
        assert (by_book / name).read_bytes() == (by_page / name).read_bytes(), name
    decided = Document.model_validate_json((by_page / f"{stem}.json").read_bytes()).drafts
    assert [decided[i].status for i, _, _ in decisions] == ["accepted", "edited", "rejected"]
    assert decided[decisions[1][0]].text == EDITED and all(decided[i].decided_by == "human" for i, _, _ in decisions)
    # the reports followed both ways: the edited text is in the form's Word report and its page
    form = decided[decisions[1][0]].form
    assert form is not None
    for folder in (by_book, by_page):
        with zipfile.ZipFile(folder / f"{stem}-{form + 1}.docx") as z:
            assert EDITED in z.read("word/document.xml").decode("utf-8"), folder
        assert EDITED in (folder / f"{stem}.html").read_text(encoding="utf-8")


def test_serve_refuses_a_missing_folder(tmp_path: Path) -> None:
    result = runner.invoke(app, ["review", "serve", str(tmp_path / "nope")])
    assert result.exit_code == 1 and "no such folder" in result.output


def test_a_stale_page_or_a_foreign_request_changes_nothing(run_out: Path, tmp_path: Path) -> None:
    folder = Path(shutil.copytree(run_out, tmp_path / "out"))
    stem = SEEDS["pujin"].stem
    target = folder / f"{stem}.json"
    before = target.read_bytes()
    doc = Document.model_validate_json(before)
    index = _decisions(doc)[0][0]
    body = {"sha256": "0" * 64, "decisions": [{"index": index, "decision": "采纳", "shown": shown_text(doc.drafts[index])}]}
    with serving(folder) as server:
        status, answer = post(server, f"/review/{stem}/decide", body)
        assert status == 409 and "has changed since this page was made" in str(answer["error"])
        body["sha256"] = hashlib.sha256(before).hexdigest()
        assert post(server, f"/review/{stem}/decide", body, {"Origin": "http://evil.example"})[0] == 403
        assert post(server, f"/review/{stem}/decide", body, {"Host": "evil.example"})[0] == 403
        assert post(server, f"/review/{stem}/decide", body, {"Content-Type": "text/plain"})[0] == 403
        assert post(server, "/review/..%2Fx/decide", body)[0] == 409
        bad = {**body, "decisions": [{"index": index, "decision": "修改", "text": " "}]}
        assert post(server, f"/review/{stem}/decide", bad)[0] == 409
        port = server.server_address[1]
        for path in ("/.jixiao.lock", "/../etc/passwd", "/review/nope"):
            with pytest.raises(urllib.error.HTTPError):
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as response:
            page = response.read().decode("utf-8")
        assert f'href="/review/{stem}#form-0"' in page
    assert target.read_bytes() == before
