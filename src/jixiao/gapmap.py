"""Column mapping: an indicator table whose header the rules cannot map, mapped once by the model.

First the rules enumerate the complete readings that the cells' content types and the table's arithmetic
allow (`jixiao.mapcands`), and the model only picks one of them by the header words (`jixiao.gapchoice`).
When no reading fits, the model sees the header cells and a few sample values per column and answers one
field per column (or none): the reply's schema has one key per column, each an enumeration of the fields
the column's samples can be by content type, and a server that compiles the schema into a grammar
(llama.cpp) lets it write nothing else. Either way the rules then read every row of the table with that
mapping, so each value is read from its own cell and one call serves the whole table. A mapping is refused
and reported when the table it produces breaks the arithmetic (得分 > 分值, Σ得分 ≠ 总分) or cannot be checked
at all; a mapping the arithmetic confirms is stored in the layout memory (`jixiao.layouts`) under
the header's signature, and applied by the rules, with 0 calls, to every later table with it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, create_model, model_validator

from jixiao.domain.columns import SUSPICIOUS, type_cost
from jixiao.gapchoice import choose
from jixiao.gaps import Gap, TableRead, TableReader
from jixiao.layouts import COLUMN_FIELDS, LayoutStore
from jixiao.llm.prompts import chat, render
from jixiao.llm.service import LlmService, Reply
from jixiao.mapcands import Candidate, Check, candidates
from jixiao.models import Document, Finding, Form, Indicator, Provenance

MAPPED_CONFIDENCE = 0.8  # under the flag threshold: a reviewer confirms the first table of a new layout
_SAMPLES = 3
_TOLERANCE = 0.051
_NONE = {"none", "null", "", "无", "-"}
# the choice the model makes for each column: the words forms print (a small model matches 配分 to 分值, not to
# "weight"); the reply's schema lets it write only these, so a reply is always one choice per column
LABELS: dict[str, str] = {
    "level1": "一级指标", "level2": "二级指标", "name": "指标名称", "unit": "计量单位", "operator": "比较符号",
    "target": "目标值", "actual": "完成值", "weight": "分值", "score": "得分", "explanation": "偏差原因",
    "scoring_method": "评分方法", "deviation_pct": "偏离度", "score_coef": "得分系数", "is_core": "核心指标",
    "review_score": "复核得分",
}
SKIP = "不读取"
_FIELD_OF = {label: field for field, label in LABELS.items()}
FIELD_MEANINGS = (
    ("level1", "一级指标，如产出指标、效益指标"), ("level2", "二级指标，如数量指标、质量指标"),
    ("name", "三级指标/指标名称，一句话的指标内容"), ("unit", "计量单位，如%、个、万元"),
    ("operator", "指标性质，只有≥、≤、=、定性这样的符号"), ("target", "年度指标值/目标值/预期值"),
    ("actual", "实际完成值"), ("weight", "分值/权重，数字，各行合计约为100"), ("score", "得分，数字，不大于分值"),
    ("explanation", "偏差原因分析及改进措施/说明"), ("scoring_method", "评分标准/计算方法"),
    ("deviation_pct", "偏离度"), ("score_coef", "得分系数"), ("is_core", "是否核心指标"), ("review_score", "复核得分"),
)


def normalise(columns: list[str | None]) -> list[str | None]:
    """Field names (or labels the model chose) as fields; none/不读取 as None."""
    fields = []
    for column in columns:
        text = None if column is None else str(column).strip()
        fields.append(None if text is None or text.lower() in _NONE or text == SKIP else _FIELD_OF.get(text, text))
    return fields


def mapping_problem(columns: list[str | None], width: int) -> str | None:
    """Why a proposed mapping cannot be used as it is (wrong length, unknown or repeated fields, no name)."""
    fields = normalise(columns)
    if len(fields) != width:
        return f"需要恰好{width}项（每列一项），收到{len(fields)}项"
    unknown = [f for f in fields if f is not None and f not in COLUMN_FIELDS]
    if unknown:
        return f"未知字段：{'、'.join(unknown)}"
    named = [f for f in fields if f]
    if len(named) != len(set(named)):
        twice = sorted({LABELS.get(f, f) for f in named if named.count(f) > 1})
        return f"“{'、'.join(twice)}”用于多列，每项最多一列"
    if "name" not in named:
        return "没有“指标名称”列"
    return None


class ColumnMapping(BaseModel):
    """One choice per column: the field (as its label in LABELS) the column holds, or 不读取.

    The fields are made per table (`mapping_model`): `c0`, `c1`, … aliased by each column's number and header,
    so the key the model writes just before each choice names that column."""

    model_config = ConfigDict(populate_by_name=True)

    def fields(self) -> list[str | None]:
        return normalise([getattr(self, name) for name in type(self).model_fields])

    @model_validator(mode="after")
    def _usable(self, info: ValidationInfo) -> ColumnMapping:
        context = info.context or {}
        if (problem := mapping_problem(self.fields(), len(type(self).model_fields))):
            raise ValueError(problem)
        check = context.get("check")  # the arithmetic of the table this mapping reads (re-asked when it fails)
        if check is not None and (problem := check(self.fields())):
            raise ValueError(f"按此映射读取后{problem}，请重新判断各列")
        return self


def _key(index: int, header: str) -> str:
    return f"第{index + 1}列" if header == f"第{index + 1}列" else f"第{index + 1}列{header[:12]}"


def _plausible(samples: list[str]) -> tuple[str, ...]:
    """The labels of the fields every sample of a column could be (the aligner's content types); a column with no
    sample is not read."""
    if not samples:
        return (SKIP,)
    return (*(LABELS[f] for f in LABELS if all(type_cost(text, f) < SUSPICIOUS for text in samples)), SKIP)


def mapping_model(headers: list[str], samples: list[list[str]] | None = None) -> type[ColumnMapping]:
    """The reply model of one table: a key per column, each an enumerated choice among the labels its samples can be
    (all of LABELS without samples) or 不读取. Sent as the schema, it is the grammar of the reply."""
    options = [_plausible(s) for s in samples] if samples is not None else [(*LABELS.values(), SKIP)] * len(headers)
    columns: dict[str, Any] = {f"c{i}": (Literal[choices], Field(alias=_key(i, h)))
                               for i, (h, choices) in enumerate(zip(headers, options, strict=True))}
    return create_model("ColumnMapping", __base__=ColumnMapping, **columns)


def _samples(gap: Gap) -> list[dict[str, Any]]:
    full = sorted(gap.rows, key=lambda row: -len(row.filled))[:_SAMPLES]
    return [{"key": _key(i, cell.text), "header": cell.text,
             "samples": [c.text for row in full if (c := row.cell_at(cell.index)) is not None and c.text]}
            for i, cell in enumerate(gap.cells)]


def request_mapping(service: LlmService, document: Document, gap: Gap, reader: TableReader) -> tuple[Reply, str]:
    columns = _samples(gap)
    user, sha = render("column_mapping.j2", reason=gap.reason, columns=columns, fields=FIELD_MEANINGS,
                       labels=LABELS, skip=SKIP)
    def check(fields: list[str | None]) -> str | None:
        return read_with(document, gap, fields, reader)[1]

    reply = service.structured(chat(user), mapping_model([c.text for c in gap.cells], [c["samples"] for c in columns]),
                               {"check": check})
    return reply, sha


def arithmetic(form: Form, indicators: list[Indicator]) -> tuple[str | None, str | None]:
    """(why the table is refused, or None; what confirmed it, or None when nothing could be checked)."""
    over = [i.name for i in indicators if i.weight is not None and i.score is not None and i.score > i.weight + _TOLERANCE]
    if over:
        return f"得分大于分值（{'、'.join(over[:3])}）", None
    scores = [i.score for i in indicators if i.score is not None]
    weights = [i.weight for i in indicators if i.weight is not None]
    confirmed = None
    if form.total_score is not None and scores:
        total = sum(scores) + (form.budget_execution.score or 0.0)
        reviewed = [i.review_score for i in indicators if i.review_score is not None]
        matches = abs(total - form.total_score) <= _TOLERANCE or (
            reviewed and abs(sum(reviewed) + (form.budget_execution.score or 0.0) - form.total_score) <= _TOLERANCE)
        if not matches:
            return f"各指标得分之和{total:g}与总分{form.total_score:g}不符", None
        confirmed = "Σ得分=总分"
    if weights:
        expected = form.total_weight if form.total_weight is not None else 100.0
        if abs(sum(weights) + (form.budget_execution.weight or 0.0) - expected) <= _TOLERANCE:
            confirmed = f"{confirmed}，Σ分值={expected:g}" if confirmed else f"Σ分值={expected:g}"
    if not scores and not weights:
        return "映射没有给出分值或得分，无法用算术核对", None
    return None, confirmed


def read_with(document: Document, gap: Gap, fields: list[str | None], reader: TableReader
          ) -> tuple[TableRead, str | None, str | None]:
    """The gap's table read by the rules with `fields`: (what they read, refusal, confirmation)."""
    read = reader(gap, fields, document.forms[gap.form].form_type)
    if not read.indicators:
        return read, "映射后未读出任何指标", None
    return read, *arithmetic(document.forms[gap.form], read.indicators)


def apply_mapping(document: Document, gap: Gap, fields: list[str | None], reader: TableReader, model: str | None,
                  prompt_sha256: str | None) -> tuple[list[Finding], str | None]:
    """Read the gap's table with `fields` into its form (only when the rules read no indicator there).

    Returns the findings and what confirmed the mapping (None: not confirmed, so not remembered)."""
    form = document.forms[gap.form]
    header = ", ".join(f"{c.text}→{f or 'none'}" for c, f in zip(gap.cells, fields, strict=True))
    read, refused, confirmed = read_with(document, gap, fields, reader)
    if refused is not None:
        return [Finding(code="LLM_MAPPING_REFUSED", severity="warning", form=gap.form, path="indicators",
                        message=f"第{gap.line or '?'}行起的指标表：模型给出的列映射（{header}）使{refused}，已拒绝，"
                                "该表仍需人工核对", found=header)], None
    if form.indicators:  # columns of a table the rules read: only the values they left empty
        filled = _merge(form, read, model, prompt_sha256)
        return ([Finding(code="LLM_COLUMNS_MAPPED", severity="info", form=gap.form, path="indicators",
                         message=f"第{gap.line or '?'}行起的指标表有规则无法识别的列，按模型给出的列映射（{header}）"
                                 f"补读{filled}个值，{confirmed or '未能用算术核对'}，请复核", found=header)]
                if filled else []), confirmed
    form.indicators, form.layout = read.indicators, read.layout
    for path, prov in read.provenance.items():
        form.provenance[path] = _as_llm(prov, model, prompt_sha256)
    document.findings = [f for f in document.findings
                         if not (f.form == gap.form and f.code == "ROWS_WITHOUT_HEADER")]
    findings = list(read.findings)
    findings.append(Finding(code="LLM_COLUMNS_MAPPED", severity="info", form=gap.form, path="indicators",
                            message=f"第{gap.line or '?'}行起的指标表按模型给出的列映射读取（{header}），"
                                    f"{confirmed or '未能用算术核对'}，请复核", found=header))
    return findings, confirmed


def _as_llm(prov: Provenance, model: str | None, prompt_sha256: str | None) -> Provenance:
    return prov.model_copy(update={
        "method": "llm", "confidence": min(prov.confidence, MAPPED_CONFIDENCE), "model": model,
        "prompt_sha256": prompt_sha256,
        "note": "column mapped by the LLM layer, value read by the rules from this cell" + (
            f"; {prov.note}" if prov.note else "")})


def _merge(form: Form, read: TableRead, model: str | None, prompt_sha256: str | None) -> int:
    """Fill the fields the rules left empty from the same rows read with the mapping (same row, same name)."""
    filled = 0
    for i, (old, new) in enumerate(zip(form.indicators, read.indicators, strict=False)):
        if old.name != new.name:
            continue
        for field in type(new).model_fields:
            value = getattr(new, field)
            if value in (None, "") or getattr(old, field) not in (None, ""):
                continue  # nothing read, or a value the rules read: it stands
            setattr(old, field, value)
            if (prov := read.provenance.get(f"indicators[{i}].{field}")) is not None:
                form.provenance[f"indicators[{i}].{field}"] = _as_llm(prov, model, prompt_sha256)
            filled += 1
    return filled


def _salvage(raw: str | None, headers: list[str]) -> list[str | None] | None:
    """A reply refused only for its arithmetic, so that the refusal is reported with the mapping it gave."""
    if raw is None:
        return None
    text = raw.strip().strip("`").removeprefix("json").strip()
    try:
        columns = mapping_model(headers).model_validate_json(text).fields()
    except ValueError:
        return None
    return None if mapping_problem(columns, len(headers)) else columns


def checker(document: Document, gap: Gap, reader: TableReader) -> Check:
    def check(fields: list[str | None]) -> tuple[str | None, str | None]:
        return read_with(document, gap, fields, reader)[1:]
    return check


def _unchosen(gap: Gap, found: list[Candidate], why: str) -> Finding:
    readings = "；".join("、".join(f"{c.text}→{f or 'none'}" for c, f in zip(gap.cells, cand.fields, strict=True))
                        for cand in found)
    return Finding(code="LLM_FAILED", severity="warning", form=gap.form, path="indicators",
                   message=f"第{gap.line or '?'}行起的指标表：规则给出{len(found)}种符合算术的列读法，模型未选出一种"
                           f"（{why}），该表仍需人工核对", found=readings[:400])


def fill_tables(document: Document, gaps: list[Gap], service: LlmService, store: LayoutStore | None,
                reader: TableReader) -> tuple[list[Reply], set[int]]:
    """One request per distinct layout among the column gaps; every table of that layout read with the answer.

    Returns the requests and the forms whose table a mapping read (their row-by-row gaps are moot)."""
    replies: list[Reply] = []
    mapped: set[int] = set()
    answered: dict[str, list[str | None]] = {}
    for gap in gaps:
        if gap.signature is not None and gap.signature in answered:
            findings, _ = apply_mapping(document, gap, answered[gap.signature], reader, service.model, None)
            document.findings.extend(findings)
            mapped.add(gap.form)
            continue
        found = candidates(gap, checker(document, gap, reader))
        if found:  # the rules' readings: the model picks one, the same when asked in reverse order
            asked, sha, fields, why = choose(service, gap, found, LABELS, SKIP)
            replies += asked
            if fields is None:
                document.findings.append(_unchosen(gap, found, why or ""))
                continue
        else:  # no reading fits: the model maps the columns, the arithmetic judges it
            reply, sha = request_mapping(service, document, gap, reader)
            replies.append(reply)
            headers = [c.text for c in gap.cells]
            fields = (mapping_model(headers).model_validate(reply.data).fields() if reply.data is not None
                      else _salvage(reply.raw, headers))
        if fields is None:
            document.findings.append(Finding(
                code="LLM_FAILED", severity="warning", form=gap.form, path="indicators",
                message=f"第{gap.line or '?'}行起的指标表：模型未给出可用的列映射（{reply.error or '回复无法解析'}），"
                        "该表仍需人工核对", found=(reply.error or reply.raw or "")[:200]))
            continue
        findings, confirmed = apply_mapping(document, gap, fields, reader, service.model, sha)
        document.findings.extend(findings)
        if not any(f.code == "LLM_MAPPING_REFUSED" for f in findings):
            mapped.add(gap.form)
        if confirmed and gap.signature is not None:
            answered[gap.signature] = fields
            if store is not None:
                store.remember(gap.columns, fields, service.model, confirmed)
    return replies, mapped
