"""Coverage gaps through the real openai + instructor client against the scripted loopback server: column
mapping (a table whose header the rules cannot map), the funds block, the header block, layout memory,
and 偏差原因 drafts that say only what the form says."""

from __future__ import annotations

import json
import random
import re
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jixiao import mapcands
from jixiao.checks import load_profile
from jixiao.cli import app
from jixiao.drafts import LlmDrafter, draft_document
from jixiao.drafts.facts import form_facts
from jixiao.evaluate import compare_forms, expected_from
from jixiao.gapmap import LABELS, SKIP, checker
from jixiao.ingest import ingest
from jixiao.layouts import LayoutStore, signature
from jixiao.llm.client import InstructorService
from jixiao.llm.config import LlmConfig
from jixiao.models import FLAG_CONFIDENCE, Document, SourceInfo
from jixiao.parse import parse
from jixiao.parse.learned import read_table
from jixiao.pipeline import RunOptions, extract
from tests.conftest import GOLDEN, SEEDS
from tests.fake_openai import FakeOpenAI, Step

sys.path.insert(0, str(GOLDEN))

import make_damaged_llm
from variants_gen.render import expected_json, form_for
from variants_gen.table import render_text

DAMAGED = GOLDEN / "damaged-llm"
RIGHT = [None, "level1", "level2", "name", "weight", "target", "actual", "score", "explanation"]  # anhui, unmapped
SWAPPED = [None, "level1", "level2", "name", "score", "target", "actual", "weight", "explanation"]  # 得分 > 分值


def _choices(columns: list[str | None]) -> dict[str, str]:
    """A column-mapping reply: one choice per column, keyed by position (c0, c1, …)."""
    return {f"c{i}": LABELS[c] if c else SKIP for i, c in enumerate(columns)}


def _columns(columns: list[str | None]) -> Step:
    return Step(content=json.dumps(_choices(columns), ensure_ascii=False))


def _pick(letter: str) -> Step:
    """A column-choice reply: the letter of one of the rules' readings (or 都不对)."""
    return Step(content=json.dumps({"答案": letter}, ensure_ascii=False))


def _wrong_total(name: str, folder: Path) -> Path:
    """The case with its 总分 misprinted: no reading of the table fits, so the model maps the columns itself."""
    path, _ = _case(name)
    text = path.read_text(encoding="utf-8").replace("95.89", "93.89")
    out = folder / path.name
    out.write_text(text, encoding="utf-8")
    return out


def _service(fake: FakeOpenAI, tmp_path: Path, retries: int = 1) -> InstructorService:
    return InstructorService(LlmConfig(base_url=fake.base_url, model="fake-model", mode="md_json", timeout_s=5,
                                       max_retries=retries, cache_dir=tmp_path / "cache", judge=False))


def _case(name: str) -> tuple[Path, list[dict[str, object]]]:
    folder = DAMAGED / name
    meta = tomllib.loads((folder / "case.toml").read_text(encoding="utf-8"))
    return folder / meta["input"], json.loads((folder / "expected.json").read_text(encoding="utf-8"))["forms"]


def _accuracy(doc: Document, expected: list[dict[str, object]]) -> float:
    return compare_forms(expected, expected_from(doc)["forms"]).accuracy


def _extract(path: Path, fake: FakeOpenAI, tmp_path: Path, retries: int = 1) -> Document:
    return extract(path, RunOptions(profile=load_profile(), llm=_service(fake, tmp_path, retries),
                                    layouts=LayoutStore(tmp_path / "layouts.json")))


def _undecidable(text: str, forms: list[dict[str, object]]) -> tuple[str, list[dict[str, object]]]:
    """A yunnan form whose 指标性质 is '=' on every row: the scores cannot tell 指标值 from 完成值 any more (the rules
    settle ≥/≤ rows: full marks where the target is reached), so only the header can."""
    text = "\n".join("\t".join("=" if cell in ("≥", "≤") else cell for cell in line.split("\t"))
                     for line in text.split("\n"))
    for form in forms:
        for indicator in form["indicators"]:  # type: ignore[union-attr]
            if indicator.get("operator") in ("≥", "≤"):  # type: ignore[union-attr]
                indicator["operator"] = "="  # type: ignore[index]
    return text, forms


def _yunnan(folder: Path, count: int = 1) -> list[tuple[Path, list[dict[str, object]]]]:
    """yunnan forms with the indicator header in words the rules do not know: 指标值 and 完成值 are plain numbers
    (the operator in a column of its own, '=' on every row), so neither the content nor the scores can tell those
    two columns apart; only the header can."""
    make_damaged_llm.layout_batch(folder, count)
    cases = []
    for case in sorted(folder.iterdir()):
        meta = tomllib.loads((case / "case.toml").read_text(encoding="utf-8"))
        document = json.loads((case / "expected.json").read_text(encoding="utf-8"))
        text, document["forms"] = _undecidable((case / meta["input"]).read_text(encoding="utf-8"), document["forms"])
        (case / meta["input"]).write_text(text, encoding="utf-8")
        (case / "expected.json").write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
        cases.append((case / meta["input"], document["forms"]))
    return cases


def _consistent(path: Path, index: int = 0) -> list[Step]:
    """Two replies that name the same reading (the `index`-th) when it is offered in rank order, then reversed."""
    count = len(_readings(path))
    return [_pick("ABCD"[index]), _pick("ABCD"[count - 1 - index])]


def test_a_table_the_content_and_the_arithmetic_decide_is_read_by_the_rules(fake: FakeOpenAI, tmp_path: Path) -> None:
    path, expected = _case("anhui-00-unmapped")  # 配分 = 实得 on every row; 预期 carries ≥/≤
    rules = extract(path, load_profile())
    assert expected_from(rules)["forms"][0]["indicators"] == expected[0]["indicators"]
    prov = rules.forms[0].provenance["indicators[2].score"]
    assert prov.method == "rule" and prov.confidence < FLAG_CONFIDENCE and prov.source_text == "18"
    assert any(f.code == "INDICATOR_HEADER_GUESSED" and "Σ得分=总分" in f.message for f in rules.findings)
    assert not any(f.code in ("ROWS_WITHOUT_HEADER", "NO_INDICATORS") for f in rules.findings)
    doc = _extract(path, fake, tmp_path)
    assert not fake.requests and doc.llm_usage.calls == 0  # nothing left to ask


def test_tied_readings_are_one_choice_asked_twice(fake: FakeOpenAI, tmp_path: Path) -> None:
    [(path, expected)] = _yunnan(tmp_path / "forms")
    rules = extract(path, load_profile())
    assert not rules.forms[0].indicators and any(f.code == "ROWS_WITHOUT_HEADER" for f in rules.findings)
    fake.script(*_consistent(path))
    doc = _extract(path, fake, tmp_path)
    assert len(fake.requests) == 2 and doc.llm_usage.calls == 2
    first, second = (r["messages"][-1]["content"] for r in fake.requests)
    assert "第4列“预期”，示例：" in first  # header cells and sample values, not the whole form
    lines = {line[:2]: line for line in first.split("\n") if line[:2] in ("A：", "B：", "C：", "D：")}
    assert "第4列“预期”是目标值" in lines["A："] and "第7列“实现”是完成值" in lines["A："]
    assert "第4列“预期”是完成值" in lines["B："] and "第7列“实现”是目标值" in lines["B："]  # what the header decides
    last = [line for line in second.split("\n") if line[:2] in ("A：", "B：", "C：", "D：")][-1]
    assert last[2:] == lines["A："][2:]  # the same readings, in reverse order
    assert expected_from(doc)["forms"][0]["indicators"] == expected[0]["indicators"]
    assert doc.forms[0].goals == rules.forms[0].goals  # the header row is not taken for goal text
    prov = doc.forms[0].provenance["indicators[0].target"]
    assert prov.method == "llm" and prov.confidence < FLAG_CONFIDENCE and prov.model == "fake-model"
    codes = {f.code for f in doc.findings}
    assert "LLM_COLUMNS_MAPPED" in codes and "ROWS_WITHOUT_HEADER" not in codes and "NO_INDICATORS" not in codes
    assert _accuracy(doc, expected) > _accuracy(rules, expected)


def test_answers_that_follow_the_letters_not_the_headers_are_not_used(fake: FakeOpenAI, tmp_path: Path) -> None:
    [(path, _)] = _yunnan(tmp_path / "forms")
    fake.script(_pick("A"), _pick("A"))  # 'A' both times: a different reading each time
    doc = _extract(path, fake, tmp_path)
    assert len(fake.requests) == 2 and not doc.forms[0].indicators
    assert any(f.code == "LLM_FAILED" and "不一致" in f.message for f in doc.findings)
    assert not (tmp_path / "layouts.json").exists()  # never remembered


def test_a_choice_outside_the_readings_is_reasked(fake: FakeOpenAI, tmp_path: Path) -> None:
    [(path, expected)] = _yunnan(tmp_path / "forms")
    fake.script(_pick("E"), *_consistent(path))
    doc = _extract(path, fake, tmp_path)
    assert len(fake.requests) == 3 and doc.llm_usage.calls == 3  # the re-ask counted too
    assert expected_from(doc)["forms"][0]["indicators"] == expected[0]["indicators"]


def test_a_mapping_that_breaks_the_arithmetic_is_reasked(fake: FakeOpenAI, tmp_path: Path) -> None:
    path = _wrong_total("anhui-01-unmapped", tmp_path)  # no reading fits: the model maps the columns
    fake.script(_columns(SWAPPED), _columns(RIGHT))
    doc = _extract(path, fake, tmp_path)
    assert len(fake.requests) == 2 and doc.llm_usage.calls == 2
    assert "第5列配分" in fake.requests[0]["messages"][-1]["content"]  # the open question, not a choice
    assert "得分大于分值" in json.dumps(fake.requests[1]["messages"], ensure_ascii=False)


def test_a_mapping_that_keeps_breaking_the_arithmetic_is_refused_and_reported(fake: FakeOpenAI,
                                                                              tmp_path: Path) -> None:
    path = _wrong_total("anhui-01-unmapped", tmp_path)
    fake.script(_columns(SWAPPED), _columns(SWAPPED))
    doc = _extract(path, fake, tmp_path)
    assert not doc.forms[0].indicators  # nothing read with a refused mapping
    refused = [f for f in doc.findings if f.code == "LLM_MAPPING_REFUSED"]
    assert len(refused) == 1 and "得分大于分值" in refused[0].message and "配分→score" in refused[0].message
    assert any(f.code == "NO_INDICATORS" for f in doc.findings)
    assert not (tmp_path / "layouts.json").exists()  # never remembered


def test_a_sum_that_does_not_match_the_total_is_refused(fake: FakeOpenAI, tmp_path: Path) -> None:
    path = _wrong_total("anhui-01-unmapped", tmp_path)
    wrong = [None, "level1", "level2", "name", "weight", "target", "actual", "none", "explanation"]
    wrong[4], wrong[7] = "score", None  # 配分 read as 得分: Σ得分 90 + 10 ≠ 总分 95.89
    fake.script(_columns(wrong), _columns(wrong))
    doc = _extract(path, fake, tmp_path)
    assert not doc.forms[0].indicators
    assert any(f.code == "LLM_MAPPING_REFUSED" and "与总分" in f.message for f in doc.findings)


def test_a_table_without_header_is_read_by_the_rules_when_the_scores_decide(fake: FakeOpenAI, tmp_path: Path) -> None:
    path, expected = _case("yunnan-00-nohead")  # 指标值 and 完成值 plain numbers; 受益群众人次 69332 < 73674 scores 15.06/16
    readings = _readings(path)
    swapped = [r for r in readings if {"target", "actual"} <= set(r.fields)
               and r.fields.index("target") > r.fields.index("actual")]
    assert swapped and swapped[0].cost == readings[0].cost  # the content alone ties them
    rules = extract(path, load_profile())
    assert expected_from(rules)["forms"][0]["indicators"] == expected[0]["indicators"]
    assert any(f.code == "INDICATOR_HEADER_GUESSED" and "第4列→target" in f.message for f in rules.findings)
    assert _extract(path, fake, tmp_path).llm_usage.calls == 0
    assert not fake.requests and not (tmp_path / "layouts.json").exists()  # no call, nothing to remember


def _batch(folder: Path, count: int) -> dict[str, list[dict[str, object]]]:
    """`count` yunnan forms (different content, one layout) with the header in words the rules do not know."""
    folder.mkdir()
    rng = random.Random("layout-memory")
    truth = {}
    for n in range(count):
        spec, _sem, sheet, form = form_for("yunnan", rng)
        name = f"form-{n:02d}.txt"
        text, truth[name] = _undecidable(make_damaged_llm.unmapped(render_text(sheet, spec.text), rng),
                                         json.loads(expected_json([form]))["forms"])
        (folder / name).write_text(text, encoding="utf-8")
    return truth


def test_layout_memory_twenty_forms_one_call(fake: FakeOpenAI, tmp_path: Path) -> None:
    truth = _batch(tmp_path / "forms", 20)
    first_form = tmp_path / "forms" / "form-00.txt"
    fake.script(*_consistent(first_form))
    env = {"JIXIAO_LLM_BASE_URL": fake.base_url, "JIXIAO_LLM_MODEL": "fake-model", "JIXIAO_LLM_MODE": "md_json",
           "JIXIAO_CACHE_DIR": str(tmp_path / "cache"), "JIXIAO_LLM_JUDGE": "0"}
    result = CliRunner().invoke(app, ["extract", str(tmp_path / "forms"), "-o", str(tmp_path / "out"), "--jobs", "1"],
                                 env=env)  # one at a time: worker processes started together each ask once
    assert result.exit_code in (0, 1), result.output
    assert len(fake.requests) == 2  # form 1 asks (twice); forms 2–20 are read by the rules with the learned layout
    docs = {name: Document.model_validate_json((tmp_path / "out" / name.replace(".txt", ".json")).read_text())
            for name in sorted(truth)}
    calls = [d.llm_usage.calls for d in docs.values()]
    assert calls[0] == 2 and calls[1:] == [0] * 19
    accuracy = [_accuracy(d, truth[name]) for name, d in docs.items()]
    assert accuracy[1:] == [accuracy[0]] * 19 and accuracy[0] == 1.0
    assert all(any(f.code == "LAYOUT_LEARNED" for f in d.findings) for d in list(docs.values())[1:])
    store = json.loads((tmp_path / "cache" / "layouts.json").read_text(encoding="utf-8"))
    assert [item["fields"] for item in store["layouts"]] == [_readings(first_form)[0].fields]
    # a later run, rules only, in worker processes (the default --jobs), reads them too
    again = CliRunner().invoke(app, ["extract", str(tmp_path / "forms"), "-o", str(tmp_path / "again"), "--no-llm"],
                               env={"JIXIAO_CACHE_DIR": str(tmp_path / "cache")})
    assert again.exit_code in (0, 1), again.output
    first = Document.model_validate_json((tmp_path / "again" / "form-00.json").read_text())
    assert _accuracy(first, truth["form-00.txt"]) == 1.0 and first.llm_usage.calls == 0


def test_layouts_cli_list_export_import_and_a_corrupt_store(tmp_path: Path) -> None:
    store = LayoutStore(tmp_path / "a" / "layouts.json")
    header = ["绩效指标", "类别", "子类", "考核内容", "配分", "预期", "实现", "实得", "情况"]
    store.remember(header, RIGHT, "fake-model", "Σ得分=总分")
    runner = CliRunner()
    listed = runner.invoke(app, ["layouts", "list", "--store", str(store.path)])
    assert listed.exit_code == 0 and signature(header) in listed.output and "配分→weight" in listed.output
    exported = tmp_path / "shared.json"
    assert runner.invoke(app, ["layouts", "export", str(exported), "--store", str(store.path)]).exit_code == 0
    other = tmp_path / "b" / "layouts.json"
    imported = runner.invoke(app, ["layouts", "import", str(exported), "--store", str(other)])
    assert imported.exit_code == 0 and "1 new" in imported.output
    assert list(LayoutStore(other).load()) == [signature(header)]
    # data, never code: a file whose mapping does not fit its header is refused with one line
    bad = json.loads(exported.read_text(encoding="utf-8"))
    bad["layouts"][0]["fields"][3] = "__import__('os')"
    exported.write_text(json.dumps(bad), encoding="utf-8")
    refused = runner.invoke(app, ["layouts", "import", str(exported), "--store", str(other)])
    assert refused.exit_code == 1 and "not a jixiao layouts file" in refused.output
    # a corrupt store is ignored with a warning, never a crash
    other.write_text("{not json", encoding="utf-8")
    with pytest.warns(UserWarning, match="layout store ignored"):
        assert LayoutStore(other).load() == {}
    [(path, _)] = _yunnan(tmp_path / "forms")
    with pytest.warns(UserWarning, match="layout store ignored"):
        doc = extract(path, RunOptions(profile=load_profile(), layouts=LayoutStore(other)))
    assert not doc.forms[0].indicators


def test_lost_funds_header_is_a_funds_request(fake: FakeOpenAI, tmp_path: Path) -> None:
    path, expected = _case("shanxi-00-nofunds")
    rules = extract(path, load_profile())
    assert not rules.forms[0].funds
    fake.script(Step(content=json.dumps({"adjusted_budget": "71.5", "executed": "70.52", "rate": "98.63%",
                                         "score": "9.86"})))
    doc = _extract(path, fake, tmp_path)
    form = doc.forms[0]
    assert (form.funds[0].label, form.funds[0].adjusted_budget, form.funds[0].executed) == ("年度资金总额", 71.5, 70.52)
    assert (form.budget_execution.rate, form.budget_execution.score) == (98.63, 9.86)
    assert form.provenance["funds[0].executed"].method == "llm"
    assert _accuracy(doc, expected) > _accuracy(rules, expected)


def test_funds_values_that_break_the_rate_are_refused(fake: FakeOpenAI, tmp_path: Path) -> None:
    path, _ = _case("shanxi-00-nofunds")
    swapped = Step(content=json.dumps({"adjusted_budget": "70.52", "executed": "71.5", "rate": "98.63"}))
    fake.script(swapped, swapped)
    doc = _extract(path, fake, tmp_path)
    assert not doc.forms[0].funds and doc.forms[0].budget_execution.rate is None
    assert any(f.code == "LLM_VALUE_UNGROUNDED" and "执行率" in f.message for f in doc.findings)


def test_missing_department_is_a_header_request(fake: FakeOpenAI, tmp_path: Path) -> None:
    path, expected = _case("hebei-00-nofunds")
    damaged = tmp_path / path.name  # the label and its value run together: the rules read no 主管部门
    damaged.write_text(path.read_text(encoding="utf-8").replace("预算部门、单位名称：白沙县民政局",
                                                                "预算部门、单位名称 白沙县民政局"), encoding="utf-8")
    assert extract(damaged, load_profile()).forms[0].department is None
    fake.default = Step(content=json.dumps({"department": "白沙县民政局"}, ensure_ascii=False))
    doc = _extract(damaged, fake, tmp_path)
    assert doc.forms[0].department == expected[0]["department"]
    assert any("表头缺少：department" in r["messages"][-1]["content"] for r in fake.requests)


def test_drafts_take_causes_only_from_the_form(fake: FakeOpenAI, tmp_path: Path) -> None:
    profile = load_profile()
    doc = extract(SEEDS["jinfeng"], profile)
    invented = "优化分中心平台的硬件配置"  # what the local model wrote for 金凤; the form gives no such measure
    fake.default = Step(content=json.dumps({"cause": invented, "measure": "无", "text": "【待补充：具体原因】"},
                                           ensure_ascii=False))
    drafted = draft_document(doc, profile, LlmDrafter(_service(fake, tmp_path)))
    deviations = [d for d in drafted.drafts if d.kind == "deviation_reason" and d.method == "llm"]
    asked = [i for i in range(len(doc.forms)) if form_facts(doc, i, profile).causes]
    assert deviations and {d.form for d in deviations} <= set(asked)
    for draft in deviations:  # the invented cause is refused: never in the text, named in the review note
        assert invented not in draft.text and "【待补充：具体原因】" in draft.text and draft.grounded
        assert draft.review_note is not None and invented in draft.review_note and "已拒绝" in draft.review_note
    assert all(invented not in d.text for d in drafted.drafts)
    prompt = next(r["messages"][-1]["content"] for r in fake.requests if "填编号" in r["messages"][-1]["content"])
    assert "[1] " in prompt  # the form's passages, numbered: the model points, never writes
    assert drafted.llm_usage.calls == len(fake.requests) == 2 * len(deviations) + len(doc.forms)  # 1 retry each


def test_a_cause_quoted_from_the_form_is_kept_with_its_quote(fake: FakeOpenAI, tmp_path: Path) -> None:
    profile = load_profile()
    doc = extract(SEEDS["jinfeng"], profile)
    facts = form_facts(doc, 4, profile)
    assert facts.causes == [facts.sources[-1]]  # the goals (确保…正常运行) are no cause: never offered
    quote = facts.causes[0]  # the form's own 偏差原因: 因2023年12月合同到期，重新签订合同…
    assert quote.startswith("因2023年12月合同到期")
    fake.default = Step(content=json.dumps({"cause": "1", "measure": "无", "text": "小结"},
                                           ensure_ascii=False))
    drafted = draft_document(doc, profile, LlmDrafter(_service(fake, tmp_path)))
    mine = next(d for d in drafted.drafts if d.kind == "deviation_reason" and d.form == 4)
    assert mine.method == "llm" and mine.grounded and mine.quotes == [quote]
    assert f"扣分原因：原表写明“{quote.rstrip('。')}”" in mine.text  # the passage itself, verbatim


def test_eval_llm_reports_kinds_layout_memory_and_drafts(fake: FakeOpenAI, tmp_path: Path) -> None:

    golden = tmp_path / "golden"
    cases = _yunnan(golden, 3)
    fake.script(*_consistent(cases[0][0]))  # the first form teaches the layout; the drafts answer from the default
    fake.default = Step(content=json.dumps({"cause": "无", "measure": "无"}, ensure_ascii=False))
    env = {"JIXIAO_LLM_BASE_URL": fake.base_url, "JIXIAO_LLM_MODEL": "fake-model", "JIXIAO_LLM_MODE": "md_json",
           "JIXIAO_CACHE_DIR": str(tmp_path / "cache"), "JIXIAO_LLM_JUDGE": "0"}
    result = CliRunner().invoke(app, ["eval", str(golden), "--llm", "--no-baseline", "--drafts"], env=env)
    assert result.exit_code == 0, result.output
    assert "damaged-unmapped rules+llm" in result.output and "s/form" in result.output
    assert "layout memory: 2 forms read with a layout learned earlier in this run, 0 calls for them, accuracy 100.00%" \
        in result.output
    drafts = re.search(r"drafts \(偏差原因, LLM\): (\d+) drafts, numbers grounded in (\d+)/(\d+), 0 with a cause",
                       result.output)
    assert drafts is not None and drafts[1] == drafts[2] == drafts[3] != "0", result.output


def _partly_known(name: str, folder: Path) -> tuple[Path, list[dict[str, object]]]:
    """An anhui form whose header the rules read except 配分 and 实得 (so 分值/得分 are left empty)."""
    path, expected = _case(name)
    known = {"类别": "一级指标", "子类": "二级指标", "考核内容": "三级指标", "预期": "预期指标值", "实现": "实际完成值",
             "情况": "偏差原因分析及改进措施"}
    lines = path.read_text(encoding="utf-8").split("\n")
    lines = ["\t".join(known.get(c, c) for c in line.split("\t")) if "配分" in line else line for line in lines]
    out = folder / path.name
    out.write_text("\n".join(lines), encoding="utf-8")
    return out, expected


def test_columns_the_rules_cannot_map_are_one_request_not_one_per_row(fake: FakeOpenAI, tmp_path: Path) -> None:
    path, expected = _partly_known("anhui-01-unmapped", tmp_path)
    rules = extract(path, load_profile())
    assert rules.forms[0].indicators and all(i.weight is None for i in rules.forms[0].indicators)
    assert any(f.code == "UNKNOWN_COLUMN" for f in rules.findings)
    fake.script(*_consistent(path))
    doc = _extract(path, fake, tmp_path)
    assert len(fake.requests) == 2  # the whole table (asked twice), not a request per row
    assert expected_from(doc)["forms"][0]["indicators"] == expected[0]["indicators"]
    assert doc.forms[0].provenance["indicators[0].name"].method == "rule"  # what the rules read stands
    assert doc.forms[0].provenance["indicators[0].weight"].method == "llm"
    # the next form of that layout: the learned columns, read by the rules, 0 calls
    (tmp_path / "next").mkdir()
    other, truth = _partly_known("anhui-02-unmapped", tmp_path / "next")
    again = _extract(other, fake, tmp_path)
    assert len(fake.requests) == 2 and again.llm_usage.calls == 0
    assert expected_from(again)["forms"][0]["indicators"] == truth[0]["indicators"]
    assert any(f.code == "LAYOUT_LEARNED" for f in again.findings)



def _permuted(folder: Path) -> tuple[Path, list[str | None]]:
    """anhui-01 with other header words and the columns in another order (得分 next to 分值): the same family
    as the golden unmapped case, not the case itself. Returns the file and its right mapping."""
    path, _ = _case("anhui-01-unmapped")
    order = [0, 1, 2, 3, 4, 7, 5, 6, 8]
    words = {"类别": "大类", "子类": "小类", "考核内容": "考评事项", "配分": "赋分", "预期": "拟达", "实现": "已达",
             "实得": "打分", "情况": "附注"}
    lines, inside = [], False
    for line in path.read_text(encoding="utf-8").split("\n"):
        inside = (inside or "配分" in line) and not line.startswith("总分")
        if inside:
            cells = (line.split("\t") + [""] * 9)[:9]
            line = "\t".join(words.get(cells[i], cells[i]) for i in order).rstrip("\t")
        lines.append(line)
    out = folder / "permuted.txt"
    out.write_text("\n".join(lines), encoding="utf-8")
    return out, [RIGHT[i] for i in order]


def _readings(path: Path) -> list[mapcands.Candidate]:
    """The rules' readings of the one column gap of the file's first form."""
    parsed = parse(ingest(path))
    document = Document(source=SourceInfo(path=str(path), sha256="0" * 64, kind="text", pages=1), forms=parsed.forms)
    gap = next(g for g in parsed.gaps if g.kind == "columns")
    return mapcands.candidates(gap, checker(document, gap, read_table))


def test_the_rules_offer_only_readings_the_cells_and_the_arithmetic_allow(tmp_path: Path) -> None:
    permuted, right = _permuted(tmp_path)
    for path, mapping in ((_case("anhui-01-unmapped")[0], RIGHT), (permuted, right)):
        rules = extract(path, load_profile())  # the cheapest reading is the only one of its tier: the rules read it
        assert [i.score for i in rules.forms[0].indicators] == [16, 8.5, 8, 17, 16.39, 10, 10]
        assert any(f.code == "INDICATOR_HEADER_GUESSED" for f in rules.findings)
        readings = _readings(path)
        assert 2 <= len(readings) <= mapcands.MAX_CANDIDATES and readings[0].fields == mapping
        assert all(r.confirmed.startswith("Σ得分=总分") for r in readings)
        swapped = [{"weight": "score", "score": "weight"}.get(f or "", f) for f in mapping]
        assert swapped not in [r.fields for r in readings]  # 得分 > 分值 in some rows: never offered


def test_a_table_whose_readings_the_model_rejects_stays_for_review(fake: FakeOpenAI, tmp_path: Path) -> None:
    [(path, _)] = _yunnan(tmp_path / "forms")
    fake.script(_pick("都不对"))
    doc = _extract(path, fake, tmp_path)
    assert len(fake.requests) == 1 and not doc.forms[0].indicators
    failed = [f for f in doc.findings if f.code == "LLM_FAILED"]
    assert len(failed) == 1 and f"{len(_readings(path))}种符合算术的列读法" in failed[0].message
    assert not (tmp_path / "layouts.json").exists()  # never remembered


def test_the_choice_the_model_makes_is_the_reading_applied(fake: FakeOpenAI, tmp_path: Path) -> None:
    [(path, expected)] = _yunnan(tmp_path / "forms")
    readings = _readings(path)
    letter = next(mapcands_letter for mapcands_letter, r in zip("ABCD", readings, strict=False)
                  if {"target", "actual"} <= set(r.fields)
                  and r.fields.index("target") > r.fields.index("actual"))  # target and actual swapped
    fake.script(*_consistent(path, "ABCD".index(letter)))
    doc = _extract(path, fake, tmp_path)
    first = doc.forms[0].indicators[0]
    assert (first.target, first.actual) == (expected[0]["indicators"][0]["actual"],
                                            expected[0]["indicators"][0]["target"])
    assert _accuracy(doc, expected) < 1.0  # the model's pick, not the rules' first reading, was applied


def test_a_passage_that_states_no_cause_is_never_offered_as_one() -> None:
    profile = load_profile()
    doc = extract(SEEDS["jinfeng"], profile)
    facts = form_facts(doc, 1, profile)
    assert "提升城市管理 管理水平" in facts.sources  # an indicator's 偏差原因 cell that gives a benefit, no cause
    assert facts.causes == []  # so the 偏差原因 slot has nothing to point at: no call, the placeholder stays
    assert form_facts(doc, 4, profile).causes[0].startswith("因2023年12月合同到期")


def test_a_percentage_is_never_taken_for_an_amount_or_a_score(fake: FakeOpenAI, tmp_path: Path) -> None:
    path, _ = _case("hebei-00-nofunds")  # not the shanxi case where the local model did it: the same family
    wrong = Step(content=json.dumps({"initial_budget": "100.00%", "weight": "10", "score": "100.00%"}))
    fake.script(wrong, wrong)
    doc = _extract(path, fake, tmp_path)
    form = doc.forms[0]
    assert all(f.initial_budget != 100.0 for f in form.funds) and form.budget_execution.score != 100.0
    assert any(f.code == "LLM_VALUE_UNGROUNDED" and "是百分数" in f.message for f in doc.findings)
    prompt = fake.requests[0]["messages"][-1]["content"]
    assert "100.00%" in prompt  # the percentage was offered, for the 执行率 only
