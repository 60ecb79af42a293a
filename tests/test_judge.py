"""The text review's LLM judge through the real openai + instructor client against the loopback fake."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jixiao.checks import check_document, load_profile
from jixiao.llm.config import LlmConfig
from jixiao.llm.service import InstructorService
from jixiao.models import Document
from jixiao.pipeline import RunOptions, extract
from tests.fake_openai import FakeOpenAI, Step

EXPLANATION = "相关数据以市级平台统计为准"
FORM = "\n".join([
    "## 2023年度二级项目绩效自评表",
    "项目名称:\t数字城管平台运行经费2023\t项目编码:\t50011023T000000000001\t自评总分:\t98.00",
    "### 资金情况",
    "\t年初预算数\t全年（调整）预算数\t全年执行数\t执行率\t执行率权重\t执行率得分",
    "年度总金额\t30.00\t30.00\t30.00\t100\t10.00\t10.00",
    "### 绩效指标",
    "指标名称\t计量单位\t指标性质\t指标值\t全年完成值\t偏离度（%）\t得分系数（%）\t指标权重\t指标得分\t是否核心指标\t说明",
    "案件受理数\t件\t≥\t20000\t21000\t5\t100\t40\t40\t是\t",
    f"案件按期结案率\t%\t≥\t95\t93\t-2.1\t95\t50\t48\t否\t{EXPLANATION}",
]) + "\n"


@pytest.fixture
def form(tmp_path: Path) -> Path:
    path = tmp_path / "form.txt"
    path.write_text(FORM, encoding="utf-8")
    return path


def _service(fake: FakeOpenAI, tmp_path: Path) -> InstructorService:
    return InstructorService(LlmConfig(base_url=fake.base_url, model="fake-model", mode="md_json", timeout_s=5,
                                       max_retries=1, cache_dir=tmp_path / "cache"))


def _judgement(quotes: list[str], gives_cause: bool = False) -> str:
    return json.dumps({"gives_cause": gives_cause, "belongs": True, "contradicts": False, "quotes": quotes,
                       "reason": "只说明了数据口径，没有说明按期结案率未达标的原因"}, ensure_ascii=False)


def _review(doc: Document) -> list[tuple[str, str | None, str]]:
    return [(f.code, f.path, f.method) for f in doc.findings if f.code.startswith(("EXPLANATION", "LLM_"))]


def test_rules_alone_leave_the_row_to_the_judge(form: Path) -> None:
    doc = extract(form, load_profile())
    assert not _review(doc) and doc.llm_usage.calls == 0


def test_a_grounded_judgement_becomes_an_llm_finding(fake: FakeOpenAI, form: Path, tmp_path: Path) -> None:
    fake.script(Step(content=_judgement(["以市级平台统计为准"])))
    doc = extract(form, RunOptions(profile=load_profile(), llm=_service(fake, tmp_path)))
    assert _review(doc) == [("EXPLANATION_NO_CAUSE", "indicators[1].explanation", "llm")]
    finding = next(f for f in doc.findings if f.method == "llm")
    assert finding.quote == "以市级平台统计为准" and finding.severity == "info" and "fake-model" in finding.message
    assert doc.forms[0].indicators[1].explanation == EXPLANATION  # never changes a value
    assert doc.llm_usage.calls == 1 and doc.llm_usage.prompt_tokens == 100
    prompt = fake.requests[0]["messages"][-1]["content"]
    assert EXPLANATION in prompt and "案件受理数" in prompt  # the row, and the other indicators' names
    assert _review(check_document(doc, load_profile())) == _review(doc)  # a re-check keeps the judge's finding
    again = extract(form, RunOptions(profile=load_profile(), llm=_service(fake, tmp_path)))  # cached: no new request
    assert len(fake.requests) == 1 and again.llm_usage.cached_calls == 1 and _review(again) == _review(doc)


@pytest.mark.parametrize("quotes", [[EXPLANATION], []])
def test_an_adequate_explanation_gives_no_finding(fake: FakeOpenAI, form: Path, tmp_path: Path,
                                                  quotes: list[str]) -> None:
    fake.script(Step(content=_judgement(quotes, gives_cause=True)))
    doc = extract(form, RunOptions(profile=load_profile(), llm=_service(fake, tmp_path)))
    assert not _review(doc) and doc.llm_usage.calls == 1


def test_a_problem_without_a_quote_is_refused(fake: FakeOpenAI, form: Path, tmp_path: Path) -> None:
    fake.script(Step(content=_judgement([])), Step(content=_judgement([])))
    doc = extract(form, RunOptions(profile=load_profile(), llm=_service(fake, tmp_path)))
    assert [c for c, _, _ in _review(doc)] == ["LLM_VALUE_UNGROUNDED"]


def test_an_ungrounded_quote_drops_the_judgement(fake: FakeOpenAI, form: Path, tmp_path: Path) -> None:
    invented = _judgement(["系统故障导致结案延误"])  # not in the row: the model made it up
    fake.script(Step(content=invented), Step(content=invented))
    doc = extract(form, RunOptions(profile=load_profile(), llm=_service(fake, tmp_path)))
    assert _review(doc) == [("LLM_VALUE_UNGROUNDED", "indicators[1].explanation", "llm")]
    assert "系统故障导致结案延误" in next(f.message for f in doc.findings if f.code == "LLM_VALUE_UNGROUNDED")
    assert len(fake.requests) == 2 and "逐字照抄" in json.dumps(fake.requests[1]["messages"], ensure_ascii=False)
    assert doc.llm_usage.calls == 2


def test_a_quote_from_another_row_is_refused(fake: FakeOpenAI, form: Path, tmp_path: Path) -> None:
    other_row = _judgement(["案件受理数"])
    fake.script(Step(content=other_row), Step(content=other_row))
    doc = extract(form, RunOptions(profile=load_profile(), llm=_service(fake, tmp_path)))
    assert [c for c, _, _ in _review(doc)] == ["LLM_VALUE_UNGROUNDED"]


@pytest.mark.parametrize("steps", [[Step(status=500), Step(status=500)], [Step(content="好的"), Step(content="不是JSON")]])
def test_a_failure_gives_no_finding_and_is_reported(fake: FakeOpenAI, form: Path, tmp_path: Path,
                                                     steps: list[Step]) -> None:
    fake.script(*steps)
    doc = extract(form, RunOptions(profile=load_profile(), llm=_service(fake, tmp_path)))
    assert _review(doc) == [("LLM_FAILED", "indicators[1].explanation", "llm")]
    assert doc.status == "partial" and doc.forms[0].indicators[1].explanation == EXPLANATION


def test_eval_review_reports_rules_and_rules_plus_llm(fake: FakeOpenAI, tmp_path: Path) -> None:
    import shutil

    from typer.testing import CliRunner

    from jixiao.cli import app
    from tests.conftest import GOLDEN

    labels = tmp_path / "labels"
    for case in ("qingsao", "gongce"):
        shutil.copytree(GOLDEN / "review-labels" / case, labels / case)
    shutil.copy(GOLDEN / "review-labels" / "thresholds.toml", labels)
    fake.default = Step(content=_judgement(["这段话不在任何表里"]))  # every judgement ungrounded → refused
    env = {"JIXIAO_LLM_BASE_URL": fake.base_url, "JIXIAO_LLM_MODEL": "fake-model", "JIXIAO_LLM_MODE": "md_json",
           "JIXIAO_CACHE_DIR": str(tmp_path / "cache")}
    result = CliRunner().invoke(app, ["eval", str(labels), "--llm"], env=env)
    assert result.exit_code == 0, result.output
    assert "rules+llm P" in result.output and "EXPLANATION_CONTRADICTS" in result.output
    assert "0 findings quoting text not in the form" in result.output
    refused = int(result.output.split("calls/form, ")[1].split(" s/form, ")[1].split(" judgements")[0])
    assert refused > 0
    rules_only = CliRunner().invoke(app, ["eval", str(GOLDEN / "review-labels")])
    assert rules_only.exit_code == 0, rules_only.output
    assert "below threshold" not in rules_only.output


@pytest.mark.parametrize(("answer", "code"), [({"belongs": False}, "EXPLANATION_OTHER_INDICATOR"),
                                              ({"gives_cause": True, "contradicts": True}, "EXPLANATION_CONTRADICTS")])
def test_each_kind_of_judgement_has_its_code(fake: FakeOpenAI, form: Path, tmp_path: Path,
                                             answer: dict[str, bool], code: str) -> None:
    reply = json.loads(_judgement(["市级平台统计"])) | answer
    fake.script(Step(content=json.dumps(reply, ensure_ascii=False)))
    doc = extract(form, RunOptions(profile=load_profile(), llm=_service(fake, tmp_path)))
    assert _review(doc) == [(code, "indicators[1].explanation", "llm")]
