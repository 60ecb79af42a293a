"""The dashboard and the review page in a real headless browser (Playwright driving Debian's Chromium).

Skipped, with the reason, when /usr/bin/chromium is missing: `make browser` installs it (CI does)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jixiao.cli import app
from tests.conftest import GOLDEN
from tests.test_review_serve import serving

CHROMIUM = Path(os.environ.get("JIXIAO_CHROMIUM", "/usr/bin/chromium"))
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = os.environ.get("JIXIAO_SCREENSHOTS")  # a folder to keep the screenshots in, for a person to look at
runner = CliRunner()

pytestmark = pytest.mark.skipif(not CHROMIUM.is_file(), reason=f"browser tests need Chromium at {CHROMIUM}: "
                                "run `make browser` (apt-get install -y chromium) or set JIXIAO_CHROMIUM")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def run_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "out"
    inputs = [GOLDEN / "jinfeng-pdf" / "jinfeng.pdf", GOLDEN / "pujin-text" / "002_01c3afafab9c22d7.txt"]
    result = runner.invoke(app, ["run", *map(str, inputs), "-o", str(out), "-q"])
    assert result.exit_code in (0, 1), result.output
    return out


def _shot(page: object, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / name))  # type: ignore[attr-defined]


def test_dashboard_lists_every_form_and_filters_in_the_browser(browser: object, run_out: Path) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto((run_out / "index.html").as_uri())
    rows = page.locator("tr.form")
    forms = sum(len(json.loads(p.read_bytes())["forms"]) for p in run_out.glob("*.json") if p.name != "batch_summary.json")
    assert rows.count() == forms and page.locator("svg rect").count() >= 3
    problems = page.locator('tr.form[data-problem="1"]').count()
    assert 0 < problems < forms
    page.check("#only-problems")
    assert page.locator("tr.form:visible").count() == problems
    page.uncheck("#only-problems")
    department = page.locator("#department option").nth(1).get_attribute("value")
    page.select_option("#department", department)
    visible = page.locator("tr.form:visible")
    assert 0 < visible.count() < forms
    assert all(visible.nth(k).get_attribute("data-department") == department for k in range(visible.count()))
    assert page.locator("#shown").inner_text() == f"显示 {visible.count()} / {forms} 张表"
    page.select_option("#department", "")
    _shot(page, "dashboard.png")
    assert all(url.startswith("file://") for url in requests)  # nothing fetched from a network
    page.close()


def test_review_page_click_a_field_see_its_box_then_accept_edit_reject(browser: object, run_out: Path,
                                                                      tmp_path: Path) -> None:
    folder = Path(shutil.copytree(run_out, tmp_path / "out"))
    stem = "jinfeng"
    with serving(folder) as server:
        page = browser.new_page(viewport={"width": 1500, "height": 1000})  # type: ignore[attr-defined]
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
        page.locator(f'a.review[href^="/review/{stem}"]').first.click()
        page.wait_for_selector(".page img")
        field = page.locator("tr.field[data-bbox]:not([data-bbox=''])").first
        field.click()
        box = page.locator(".page .box:visible")
        assert box.count() == 1
        size = box.bounding_box()
        assert size is not None and size["width"] > 3 and size["height"] > 3
        assert "selected" in (field.get_attribute("class") or "")
        _shot(page, "review-field.png")

        decide = page.locator(".decide")
        assert decide.count() >= 3
        decide.nth(0).locator("button[data-decision='采纳']").click()
        page.wait_for_selector(".decide >> nth=0 >> .outcome.done")
        decide.nth(1).locator("textarea.edit").fill("经核实，偏差系年中任务调整所致。")
        decide.nth(1).locator("button[data-decision='修改']").click()
        page.wait_for_selector(".decide >> nth=1 >> .outcome.done")
        decide.nth(2).locator("button[data-decision='退回']").click()
        page.wait_for_selector(".decide >> nth=2 >> .outcome.done")
        assert [decide.nth(k).locator(".outcome").inner_text().split("；")[0] for k in range(3)] == [
            "已采纳（人工）", "已修改（人工）", "已退回（人工）"]
        assert page.locator(".draft .state").nth(0).inner_text() == "已采纳（人工）"
        assert page.locator(".draft .text").nth(1).inner_text() == "经核实，偏差系年中任务调整所致。"
        decide.nth(1).scroll_into_view_if_needed()
        _shot(page, "review-decided.png")
        page.close()
    drafts = json.loads((folder / f"{stem}.json").read_text(encoding="utf-8"))["drafts"]
    indexes = [int(i) for i in (decide_indexes(folder, stem))]
    decided = [drafts[i] for i in indexes[:3]]
    assert [(d["status"], d["decided_by"]) for d in decided] == [("accepted", "human"), ("edited", "human"),
                                                                 ("rejected", "human")]
    assert decided[1]["text"] == "经核实，偏差系年中任务调整所致。"


def decide_indexes(folder: Path, stem: str) -> list[int]:
    """The drafts of the page's forms, in page order (form by form)."""
    doc = json.loads((folder / f"{stem}.json").read_text(encoding="utf-8"))
    return [k for form in range(len(doc["forms"])) for k, d in enumerate(doc["drafts"]) if d["form"] == form]
