"""Drafts, their number check, the review workbook and its round trip."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from jixiao.checks import RuleProfile
from jixiao.cli import app
from jixiao.drafts import LlmDrafter, TemplateDrafter, draft_document
from jixiao.drafts.facts import form_facts
from jixiao.drafts.grounding import ungrounded
from jixiao.llm.client import InstructorService
from jixiao.llm.config import LlmConfig
from jixiao.models import Document
from jixiao.outputs.html import report_html
from tests.conftest import SEEDS
from tests.fake_openai import FakeOpenAI, Step

runner = CliRunner()


def test_every_short_indicator_without_explanation_gets_a_grounded_template_draft(
        seeds: dict[str, Document], profile: RuleProfile) -> None:
    shorts = drafted = 0
    for document in seeds.values():
        doc = draft_document(document, profile, TemplateDrafter())
        wanted = {(f.form, int(f.path.split("[")[1].split("]")[0])) for f in doc.findings
                  if f.code == "SHORT_WITHOUT_EXPLANATION" and f.path}
        got = {(d.form, d.indicator) for d in doc.drafts if d.kind == "deviation_reason"}
        assert wanted <= got
        shorts += len(wanted)
        drafted += len(got)
        assert sum(d.kind == "form_summary" for d in doc.drafts) == len(doc.forms)
        assert all(d.grounded and not d.ungrounded_numbers for d in doc.drafts), [
            (d.kind, d.ungrounded_numbers) for d in doc.drafts if not d.grounded]
        assert all("【待补充：具体原因】" in d.text for d in doc.drafts if d.kind == "deviation_reason")
    assert shorts == 15 and drafted == 16  # + 金凤 资金成本, whose explanation was copied from another row


def test_a_number_the_form_does_not_support_is_listed(seeds: dict[str, Document], profile: RuleProfile) -> None:
    allowed = form_facts(seeds["jinfeng"], 0, profile).allowed
    assert ungrounded("预算执行率87%，执行数180.97万元，较年初减少26.72万元", allowed) == []
    assert ungrounded("因人员流失43人，执行率仅为87%，节约资金55.5万元", allowed) == ["43", "55.5"]


def test_llm_draft_with_an_invented_number_is_flagged(fake: FakeOpenAI, tmp_path: Path,
                                                     seeds: dict[str, Document], profile: RuleProfile) -> None:
    invented = "疫情期间有1234名人员离岗"  # a cause the form does not give, with a number it does not hold
    fake.default = Step(content=json.dumps({"cause": "无", "measure": "无", "text": f"绩效目标基本完成，因{invented}。"},
                                           ensure_ascii=False))
    service = InstructorService(LlmConfig(base_url=fake.base_url, model="fake-model", mode="md_json", timeout_s=5,
                                          max_retries=1, cache_dir=tmp_path / "cache"))
    doc = draft_document(seeds["yuzhong"], profile, LlmDrafter(service))
    summary = next(d for d in doc.drafts if d.kind == "form_summary")  # free prose: checked after the fact
    assert summary.method == "llm" and summary.model == "fake-model" and summary.prompt_sha256
    assert invented in summary.text
    assert not summary.grounded and summary.ungrounded_numbers == ["1234"]
    assert summary.ungrounded_claims == [f"绩效目标基本完成，因{invented}"]
    assert all(d.grounded for d in doc.drafts if d.kind == "deviation_reason")  # slots: nothing invented to check
    assert "无依据的数字：1234" in report_html(doc, with_pictures=False)


def _decide(book: Path, decisions: dict[int, tuple[str, str]]) -> None:
    """Edit the 草稿 sheet as a reviewer would: row number → (审核结论, 修改后文本)."""
    wb = load_workbook(book)
    ws = wb["草稿"]
    header = [c.value for c in ws[1]]
    for row, (decision, text) in decisions.items():
        ws.cell(row=row, column=header.index("审核结论") + 1, value=decision)
        ws.cell(row=row, column=header.index("修改后文本") + 1, value=text or None)
    wb.save(book)


def test_review_round_trip(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(SEEDS["yuzhong"]), str(SEEDS["pujin"]), "-o", str(out)])
    assert result.exit_code == 0, result.output
    book = out / "review.xlsx"
    names = {p.name for p in out.iterdir()}
    assert {"review.xlsx", "batch_summary.json", "001_13b36e46f43ca26e.html", "002_01c3afafab9c22d7.html"} <= names
    wb = load_workbook(book)
    assert wb.sheetnames[:4] == ["表单", "指标", "问题", "草稿"] and wb["校验"].sheet_state == "hidden"
    drafts = wb["草稿"]
    assert drafts.freeze_panes == "F2" and drafts.auto_filter.ref  # 编号…草稿内容 stay in view
    assert any("采纳,修改,退回" in (v.formula1 or "") for v in drafts.data_validations.dataValidation)
    ids = [r[0] for r in drafts.iter_rows(min_row=2, values_only=True)]
    edited = "经核实，承办会议次数增加系临时任务所致。改进措施：【待补充：改进措施】。"
    _decide(book, {2: ("采纳", ""), 3: ("修改", edited), 4: ("退回", "")})
    result = runner.invoke(app, ["review", "import", str(book)])
    assert result.exit_code == 0, result.output
    assert "1 accepted, 1 edited, 1 rejected" in result.output
    doc = Document.model_validate_json((out / "001_13b36e46f43ca26e.json").read_bytes())
    by_id = {f"001_13b36e46f43ca26e#{k}": d for k, d in enumerate(doc.drafts)}
    accepted, changed, rejected = (by_id[i] for i in ids[:3])
    assert (accepted.status, changed.status, rejected.status) == ("accepted", "edited", "rejected")
    assert all(d.decided_by == "human" for d in (accepted, changed, rejected))
    assert changed.text == edited and changed.original_text and changed.original_text != edited
    assert doc.findings  # the checks ran again
    # the same workbook again: the JSON it was made from has changed → refused, nothing written
    before = (out / "001_13b36e46f43ca26e.json").read_bytes()
    again = runner.invoke(app, ["review", "import", str(book)])
    assert again.exit_code == 1 and "has changed since this workbook was made" in again.output
    assert (out / "001_13b36e46f43ca26e.json").read_bytes() == before


def test_tampered_and_foreign_workbooks_are_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert runner.invoke(app, ["run", str(SEEDS["qijiang"]), "-o", str(out)]).exit_code == 0
    book = out / "review.xlsx"
    json_path = out / "000_23ab6bb0c7ba0c16.json"
    pristine = json_path.read_text(encoding="utf-8")
    json_path.write_text(pristine.replace("杨雨晴", "某人"), encoding="utf-8")
    result = runner.invoke(app, ["review", "import", str(book)])
    assert result.exit_code == 1 and "000_23ab6bb0c7ba0c16.json has changed" in result.output
    json_path.write_text(pristine, encoding="utf-8")
    foreign = tmp_path / "foreign.xlsx"
    wb = Workbook()
    wb.active.append(["编号", "审核结论"])  # type: ignore[union-attr]
    wb.save(foreign)
    result = runner.invoke(app, ["review", "import", str(foreign)])
    assert result.exit_code == 1 and "not a jixiao review workbook" in result.output
    elsewhere = tmp_path / "moved"
    elsewhere.mkdir()
    shutil.copy(book, elsewhere / "review.xlsx")
    result = runner.invoke(app, ["review", "import", str(elsewhere / "review.xlsx")])
    assert result.exit_code == 1 and "missing" in result.output
    _decide(book, {2: ("修改", "")})
    result = runner.invoke(app, ["review", "import", str(book)])
    assert result.exit_code == 1 and "修改后文本 is empty" in result.output
    assert json_path.read_text(encoding="utf-8") == pristine


def test_draft_command_redrafts_and_keeps_decisions(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert runner.invoke(app, ["run", str(SEEDS["yuzhong"]), "-o", str(out)]).exit_code == 0
    path = out / "001_13b36e46f43ca26e.json"
    doc = Document.model_validate_json(path.read_bytes())
    decided = doc.drafts[0].model_copy(update={"status": "accepted", "decided_by": "human", "text": "人工定稿。"})
    path.write_text(doc.model_copy(update={"drafts": [decided, *doc.drafts[1:]]}).model_dump_json(), encoding="utf-8")
    result = runner.invoke(app, ["draft", str(path), "--no-llm"])
    assert result.exit_code == 0, result.output
    again = Document.model_validate_json(path.read_bytes())
    assert len(again.drafts) == len(doc.drafts) and "人工定稿。" in [d.text for d in again.drafts]


def test_drafts_and_report_state_amounts_with_every_printed_digit(seeds: dict[str, Document],
                                                                  profile: RuleProfile) -> None:
    doc = draft_document(seeds["jinfeng"], profile, TemplateDrafter())
    summary = next(d for d in doc.drafts if d.kind == "form_summary" and d.form == 0)
    assert "年初预算207.6892万元" in summary.text and "全年执行180.97212万元" in summary.text
    assert "<td>180.97212</td>" in report_html(doc, with_pictures=False)
