"""The Word deliverables (docxtpl): a 绩效自评报告 per form and the batch report, rendered from the .docx templates
the one template loader finds (a bureau's own in $JIXIAO_TEMPLATES_DIR/outputs/ first).

Texts are the drafts (a pending one marked 【待审核】, an ungrounded one 【需核实…】, a rejected one replaced by a
【待补充…】 placeholder; placeholders highlighted); tables are the checked values of the Document and the
assessments the checks recorded. Form text is escaped into plain runs: it never becomes a Word field, a hyperlink
or a template tag. The only module that imports python-docx/docxtpl outside jixiao.ingest.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

from docxtpl import DocxTemplate, RichText
from jinja2 import TemplateError, TemplateSyntaxError
from markupsafe import Markup, escape

from jixiao.atomic import atomic_target
from jixiao.domain.codes import label
from jixiao.domain.format import fmt, plain
from jixiao.models import Document, Draft, Form
from jixiao.outputs.html import field_rows
from jixiao.outputs.overview import NOT_READ, overview, report_name, top_codes
from jixiao.outputs.schema import ASSESSMENT_NAMES, PLACEHOLDER, SEVERITY_NAMES
from jixiao.outputs.summary import FormSummary
from jixiao.templating import markup_environment, template_file

FORM_TEMPLATE = "form_report.docx"
BATCH_TEMPLATE = "batch_report.docx"
NO_FUNDS = "（表内未读到资金情况）"
MARK = "FFFF00"  # highlight of placeholders and review marks
# what a Word document's XML cannot hold, and what docxtpl would turn into structure (\t \n \a \f)
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_MARKED = re.compile(r"(【(?:待补充|待审核|需核实)[^】]*】)")
_HEADING = re.compile(r"^[一二三四五六七八九十]+、[^。：:]{0,12}[。：:]\s*")
# a form summary's paragraphs go to the report's sections by what they are about (first match wins)
_SECTIONS = (("problems", ("存在问题", "复核意见", "问题")), ("measures", ("改进措施", "下一步")),
             ("funds", ("资金", "预算", "执行率")), ("goals", ("绩效目标", "指标", "得分", "自评总分")))


def _clean(value: object) -> str:
    """Control characters become spaces: form text makes no tabs, breaks or pages of its own."""
    return _UNSAFE.sub(" ", plain(value))


def _inert(xml: str) -> str:
    """Braces as character references: docxtpl turns "{_{" in its output back into "{{", and a reference is
    not a brace until the XML is parsed, after rendering."""
    return xml.replace("{", "&#123;").replace("}", "&#125;")


def word_text(value: object) -> Markup:
    """Form text as one run's text, escaped (the template's autoescape leaves it as it is)."""
    return Markup(_inert(str(escape(_clean(value)))))


def rich(text: str, marks: Iterable[str] = ()) -> RichText:
    """Text as escaped runs, the review marks first, placeholders and marks highlighted."""
    out = RichText()
    for mark in marks:
        out.add(_clean(mark), highlight=MARK, bold=True)
    for part in _MARKED.split(_clean(text)):
        if part:
            out.add(part, highlight=MARK if _MARKED.fullmatch(part) else None)
    out.xml = _inert(out.xml)
    return out


def draft_marks(draft: Draft) -> list[str]:
    """What a reader must know about a draft before using it."""
    marks = []
    if draft.status == "draft":
        marks.append("【待审核】")
    if not draft.grounded:
        marks.append(f"【需核实：无依据的数字 {'、'.join(draft.ungrounded_numbers)}】")
    return marks


def _section(paragraph: str) -> str:
    for key, words in _SECTIONS:
        if any(word in paragraph[:16] for word in words):
            return key
    return "basics"


def _summary_sections(drafts: list[Draft]) -> dict[str, list[RichText]]:
    """The form summary draft's paragraphs, each in the section it is about."""
    sections: dict[str, list[RichText]] = {"basics": [], "funds": [], "goals": [], "problems": [], "measures": []}
    for draft in (d for d in drafts if d.kind == "form_summary"):
        if draft.status == "rejected":
            sections["basics"].append(rich(f"{PLACEHOLDER}：表单小结草稿已退回，请撰写】"))
            continue
        for paragraph in (p.strip() for p in draft.text.split("\n")):
            if paragraph:
                sections[_section(paragraph)].append(rich(_HEADING.sub("", paragraph), draft_marks(draft)))
    if not sections["measures"]:
        sections["measures"].append(rich(f"{PLACEHOLDER}：改进措施】"))
    return sections


def _indicator_rows(document: Document, index: int, form: Form) -> list[dict[str, str]]:
    judged = {a.indicator: a for a in document.assessments if a.form == index}
    rows = []
    for i, ind in enumerate(form.indicators):
        standing = judged.get(i)
        rows.append({"number": str(i + 1), "category": word_text("·".join(x for x in (ind.level1, ind.level2) if x)),
                     "level1": word_text(ind.level1), "level2": word_text(ind.level2), "name": word_text(ind.name),
                     "target": word_text(ind.target), "actual": word_text(ind.actual),
                     "weight": plain(ind.weight), "score": plain(ind.score),
                     "status": ASSESSMENT_NAMES[standing.status] if standing else ""})
    return rows


def _reasons(document: Document, index: int, form: Form) -> list[RichText]:
    """偏差原因 drafts per indicator, then the form's findings a reviewer must look at."""
    out = []
    for draft in (d for d in document.drafts if d.form == index and d.kind == "deviation_reason"):
        name = form.indicators[draft.indicator].name if draft.indicator is not None else ""
        head = f"{name}：" if name and not draft.text.startswith(name) else ""
        if draft.status == "rejected":
            out.append(rich(f"{head}{PLACEHOLDER}：偏差原因草稿已退回，请撰写】"))
        else:
            out.append(rich(head + " ".join(draft.text.split("\n")), draft_marks(draft)))
    for f in document.findings:
        if (f.form == index or f.form is None) and f.severity != "info":
            out.append(rich(f"审核发现（{SEVERITY_NAMES[f.severity]}·{label(f.code)}）：{f.message}"))
    return out


def _or_unread(value: float | None, unit: str = "") -> str:
    """A printed number, or 未读到 (not printed, or not read: the source says which)."""
    return NOT_READ if value is None else f"{plain(value)}{unit}"


def _counts_line(document: Document, index: int) -> str:
    judged = [a for a in document.assessments if a.form == index]
    parts = [f"{name}{n}项" for status, name in ASSESSMENT_NAMES.items()
             if (n := sum(a.status == status for a in judged))]
    return f"共{len(judged)}项绩效指标" + (f"：{'，'.join(parts)}" if parts else "")


def form_context(document: Document, index: int) -> dict[str, object]:
    """The variables of the form report template."""
    form = document.forms[index]
    notes: dict[str, list[str]] = {}
    for f in document.findings:
        if f.form == index and f.path and f.severity != "info":
            notes.setdefault(f.path, []).append(label(f.code))
    appendix = [{"name": word_text(("执行率" if r.path in ("budget_execution.weight", "budget_execution.score") else "")
                                   + r.label),
                 "value": word_text(r.value), "note": "；".join(notes.get(r.path, []))} for r in field_rows(document, index)]
    goals = form.goals
    basics = [{"name": name, "value": word_text(value)} for name, value in (
        ("项目名称", form.project_name), ("项目编码", form.project_code), ("主管部门", form.department),
        ("实施单位", form.implementing_unit), ("年度", form.year), ("金额单位", form.amount_unit),
        ("年初绩效目标", goals.initial), ("全年绩效目标", goals.adjusted), ("目标实际完成情况", goals.actual))
        if value not in (None, "")]
    be = form.budget_execution
    unit = form.amount_unit or "未注明"
    return {
        "project": word_text(form.project_name or form.title or "（未识别项目名称）"),
        "subtitle": word_text(f"{'部门整体' if form.form_type == 'department' else '项目支出'}绩效自评"
                              f"{f' · {form.year}年度' if form.year else ''} · 金额单位：{unit}"),
        "basics": basics,
        "funds": [{"label": word_text(f.label), "initial": plain(f.initial_budget), "adjusted": plain(f.adjusted_budget),
                   "executed": plain(f.executed), "rate": plain(f.rate)} for f in form.funds] or [
            {"label": NO_FUNDS, "initial": "", "adjusted": "", "executed": "", "rate": ""}],
        "execution_line": f"预算执行率 {_or_unread(be.rate, '%')}，分值 {_or_unread(be.weight)}，"
                          f"得分 {_or_unread(be.score)}。",
        "score_line": word_text(f"自评总分 {_or_unread(form.total_score)}，评分等级 {form.grade or NOT_READ}；"
                                f"{_counts_line(document, index)}。"),
        "indicators": _indicator_rows(document, index, form),
        "section": _summary_sections([d for d in document.drafts if d.form == index]),
        "reasons": _reasons(document, index, form),
        "appendix_title": word_text(form.title or "绩效自评表"),
        "appendix": appendix,
        "footer": word_text(f"本报告由 jixiao 依据 {Path(document.source.path).name} 生成：表中数值为审核后的数据；"
                            "正文取自草稿：标“待审核”者尚未经人工审核，黄底的“待补充”处请填写。"),
    }


class WordTemplateError(OSError):
    """A Word template that cannot be rendered (a bureau's template with a broken or unknown tag): the output
    is not written, and the message names the template."""


def _render(template: str, context: dict[str, object], path: Path) -> None:
    source = template_file("outputs", template)
    try:
        doc = DocxTemplate(str(source))
        doc.render(context, markup_environment("outputs"))
    except TemplateError as exc:
        where = f", line {exc.lineno}" if isinstance(exc, TemplateSyntaxError) else ""
        raise WordTemplateError(f"Word template {source}{where}: {exc.message or type(exc).__name__}") from None
    except (KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise WordTemplateError(f"Word template {source}: not a usable .docx template ({exc})") from None
    with atomic_target(path, ".docx") as tmp:
        doc.save(str(tmp))


def report_names(document: Document, stem: str) -> list[str]:
    """The report file of each form (`summary.report_name`)."""
    return [report_name(stem, k, len(document.forms)) for k in range(len(document.forms))]


def write_form_reports(document: Document, out_dir: Path, stem: str) -> list[Path]:
    """One .docx per form of the document."""
    written = []
    for index, name in enumerate(report_names(document, stem)):
        _render(FORM_TEMPLATE, form_context(document, index), out_dir / name)
        written.append(out_dir / name)
    return written


def batch_context(summaries: Iterable[FormSummary], batch: Draft | None) -> dict[str, object]:
    view = overview(summaries)
    scores = [r.total_score for r in view.rows if r.total_score is not None]
    totals = [("表单数", str(len(view.rows))), ("文件数", str(view.documents)), ("需复核的文件", str(view.partial)),
              ("错误", str(view.errors)), ("警告", str(view.warnings))]
    if scores:
        totals.append(("平均自评总分", fmt(sum(scores) / len(scores))))
    if view.budget_forms:
        totals += [(f"全年预算数合计（万元，{view.budget_forms}张表）", fmt(view.budget, 6)),
                   (f"全年执行数合计（万元，{view.budget_forms}张表）", fmt(view.executed, 6))]
    summary = [rich(f"{PLACEHOLDER}：批次汇总草稿已退回，请撰写】")] if batch and batch.status == "rejected" else [
        rich(p.strip(), draft_marks(batch)) for p in batch.text.split("\n") if p.strip()] if batch else [
        rich(f"{PLACEHOLDER}：批次汇总（没有批次汇总草稿）】")]
    departments = view.departments
    return {
        "title": word_text(f"{departments[0] if len(departments) == 1 else '本批次'}绩效自评审核汇总报告"),
        "subtitle": f"{len(view.rows)}张自评表 · {view.documents}个文件",
        "totals": [{"name": n, "value": v} for n, v in totals],
        "grades": [{"name": word_text(g), "value": str(n)} for g, n in sorted(view.grades.items())],
        "forms": [{"number": str(k), "project": word_text(r.project_name or r.stem), "department": word_text(r.department),
                   "score": plain(r.total_score), "grade": word_text(r.grade), "rate": plain(r.rate),
                   "errors": str(r.errors), "warnings": str(r.warnings), "short": word_text("、".join(r.short))}
                  for k, r in enumerate(view.rows, start=1)],
        "top": [{"name": label(code), "severity": SEVERITY_NAMES.get(view.severity.get(code, ""), ""),
                 "count": str(n), "example": word_text(view.examples.get(code, ""))} for code, n in top_codes(view)],
        "summary": summary,
        "footer": "本报告由 jixiao 生成：表中数值取自各表审核后的数据（预算、执行数合计按万元折算）；"
                  "正文取自批次汇总草稿：标“待审核”者尚未经人工审核。",
    }


def write_batch_report(summaries: Iterable[FormSummary], batch: Draft | None, path: Path) -> Path:
    """The batch report over the summaries (consumed once)."""
    _render(BATCH_TEMPLATE, batch_context(summaries, batch), path)
    return path
