"""The text review in the outputs: drafts keep the unit's text, the workbook and report show the quote."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from jixiao.checks import RuleProfile
from jixiao.cli import app
from jixiao.drafts import TemplateDrafter, draft_document
from jixiao.models import Document
from jixiao.report import report_html
from tests.conftest import GOLDEN, SEEDS


def test_a_draft_keeps_the_units_text_and_adds_placeholders(seeds: dict[str, Document], profile: RuleProfile) -> None:
    doc = draft_document(seeds["jinfeng"], profile, TemplateDrafter())
    copied = next(d for d in doc.drafts if (d.kind, d.form, d.indicator) == ("deviation_reason", 0, 3))
    assert "单位原填：“疫情结束后，解聘2名疫情防控人员”" in copied.text and "【待补充：具体原因】" in copied.text
    assert copied.grounded
    # an explanation that gives a cause is not redrafted
    assert not any((d.kind, d.form, d.indicator) == ("deviation_reason", 0, 0) for d in doc.drafts)


def test_remedy_only_draft_asks_for_the_cause_only(profile: RuleProfile) -> None:
    from jixiao.pipeline import extract

    doc = draft_document(extract(GOLDEN / "review-labels" / "laojiu" / "laojiu.txt", profile), profile,
                         TemplateDrafter())
    remedy = next(d for d in doc.drafts if (d.kind, d.indicator) == ("deviation_reason", 2))
    assert "单位原填：“加强技术指导，加大宣传力度”" in remedy.text
    assert "【待补充：具体原因】" in remedy.text and "【待补充：改进措施】" not in remedy.text


def test_workbook_and_report_show_the_quote(tmp_path: Path, seeds: dict[str, Document]) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(SEEDS["jinfeng"]), str(SEEDS["pujin"]), "-o", str(out), "--no-llm"])
    assert result.exit_code in (0, 1), result.output
    sheet = load_workbook(out / "review.xlsx")["问题"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c.value for c in r), strict=True)) for r in sheet.iter_rows(min_row=2)]
    copied = next(r for r in rows if r["代码"] == "EXPLANATION_OTHER_INDICATOR")
    assert copied["原文"] == "疫情结束后，解聘2名疫情防控人员" and copied["类别"] == "偏差原因与本指标无关"
    assert copied["判断方式"] == "规则"
    book = load_workbook(out / "review.xlsx")
    assert not [c.coordinate for ws in book.worksheets for r in ws.iter_rows() for c in r if c.data_type == "f"]
    html = report_html(seeds["jinfeng"], with_pictures=False)
    assert "原文：“疫情结束后，解聘2名疫情防控人员”" in html and "偏差原因与本指标无关" in html
