"""Write the Word report templates (docxtpl: a .docx whose text holds jinja2 tags) into
src/jixiao/outputs/templates/: form_report.docx (one 自评报告 per form) and batch_report.docx (the batch).

A bureau replaces them with its house templates by copying these files into $JIXIAO_TEMPLATES_DIR/outputs/ and
editing them in Word: keep the tags ({{r …}} for the texts, {%tr for … %} rows for the tables).
Run: .venv/bin/python scripts/make_word_templates.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

TARGET = Path(__file__).resolve().parent.parent / "src" / "jixiao" / "outputs" / "templates"
FONT = "宋体"
HEAD_FONT = "黑体"


def _base() -> Document:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin = section.bottom_margin = Cm(2.2)
    for name in ("Normal", "Table Grid"):
        style = doc.styles[name]
        style.font.name = FONT
        style.font.size = Pt(11 if name == "Normal" else 9)
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    for level in (1, 2):
        style = doc.styles[f"Heading {level}"]
        style.font.name = HEAD_FONT
        style.font.size = Pt(14 if level == 1 else 12)
        style.font.bold = True
        style.font.color.rgb = None
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), HEAD_FONT)
    return doc


def _title(doc: Document, text: str, sub: str) -> None:
    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = head.add_run(text)
    run.font.size, run.font.bold, run.font.name = Pt(18), True, HEAD_FONT
    run.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), HEAD_FONT)
    line = doc.add_paragraph(sub)
    line.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _paragraphs(doc: Document, items: str) -> None:
    """One paragraph per item of `items` (a list of rich texts)."""
    doc.add_paragraph(f"{{%p for text in {items} %}}")
    doc.add_paragraph("{{r text }}").paragraph_format.first_line_indent = Pt(22)
    doc.add_paragraph("{%p endfor %}")


def _table(doc: Document, header: list[str], rows: str, cells: list[str], widths: list[float]) -> None:
    """A table: its header row, then one row per item of `rows` (docxtpl {%tr %} rows)."""
    table = doc.add_table(rows=4, cols=len(header))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    head = table.rows[0]._tr.get_or_add_trPr()
    head.append(OxmlElement("w:tblHeader"))  # the header row repeats on every page
    for k, name in enumerate(header):
        table.columns[k].width = Cm(widths[k])
        table.cell(0, k).text = name
        table.cell(0, k).paragraphs[0].runs[0].font.bold = True
        shade = OxmlElement("w:shd")
        shade.set(qn("w:val"), "clear")
        shade.set(qn("w:fill"), "DDEBF7")
        table.cell(0, k)._tc.get_or_add_tcPr().append(shade)
        table.cell(2, k).text = "{{ row.%s }}" % cells[k]
        for r in range(4):
            table.cell(r, k).width = Cm(widths[k])
    table.cell(1, 0).text = f"{{%tr for row in {rows} %}}"
    table.cell(3, 0).text = "{%tr endfor %}"
    doc.add_paragraph()


def form_template() -> Document:
    doc = _base()
    _title(doc, "{{ project }}绩效自评报告", "{{ subtitle }}")
    doc.add_heading("一、项目基本情况", level=1)
    _table(doc, ["项目", "内容"], "basics", ["name", "value"], [4.0, 12.6])
    _paragraphs(doc, "section.basics")
    doc.add_heading("二、资金使用情况", level=1)
    _table(doc, ["资金名称", "年初预算数", "全年预算数", "全年执行数", "执行率(%)"], "funds",
           ["label", "initial", "adjusted", "executed", "rate"], [4.6, 3.0, 3.0, 3.0, 3.0])
    doc.add_paragraph("{{ execution_line }}")
    _paragraphs(doc, "section.funds")
    doc.add_heading("三、绩效目标完成情况", level=1)
    doc.add_paragraph("{{ score_line }}")
    _table(doc, ["序号", "指标类别", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "完成情况"],
           "indicators", ["number", "category", "name", "target", "actual", "weight", "score", "status"],
           [1.0, 2.6, 4.6, 2.3, 2.3, 1.2, 1.2, 1.6])
    _paragraphs(doc, "section.goals")
    doc.add_heading("四、存在问题及原因", level=1)
    _paragraphs(doc, "section.problems")
    doc.add_paragraph("{%p for item in reasons %}")
    doc.add_paragraph("{{r item }}").paragraph_format.first_line_indent = Pt(22)
    doc.add_paragraph("{%p endfor %}")
    doc.add_heading("五、改进措施", level=1)
    _paragraphs(doc, "section.measures")
    doc.add_heading("附表 自评表", level=1)
    doc.add_paragraph("{{ appendix_title }}")
    _table(doc, ["项目", "填报内容", "审核发现"], "appendix", ["name", "value", "note"], [5.4, 6.2, 5.0])
    doc.add_paragraph("{{ footer }}")
    return doc


def batch_template() -> Document:
    doc = _base()
    doc.sections[0].orientation = WD_ORIENT.LANDSCAPE
    doc.sections[0].page_width, doc.sections[0].page_height = Cm(29.7), Cm(21.0)
    _title(doc, "{{ title }}", "{{ subtitle }}")
    doc.add_heading("一、总体情况", level=1)
    _table(doc, ["项目", "数值"], "totals", ["name", "value"], [8.0, 8.0])
    doc.add_heading("二、评分等级分布", level=1)
    _table(doc, ["评分等级", "表数"], "grades", ["name", "value"], [8.0, 8.0])
    doc.add_heading("三、各表情况", level=1)
    _table(doc, ["序号", "项目名称", "主管部门", "自评总分", "评分等级", "执行率(%)", "错误", "警告", "未说明偏差的指标"],
           "forms", ["number", "project", "department", "score", "grade", "rate", "errors", "warnings", "short"],
           [1.0, 6.0, 4.0, 1.8, 1.8, 2.0, 1.2, 1.2, 6.0])
    doc.add_heading("四、需重点关注的问题", level=1)
    _table(doc, ["问题类型", "级别", "涉及表数", "示例"], "top", ["name", "severity", "count", "example"],
           [4.0, 1.6, 2.0, 17.0])
    doc.add_heading("五、批次汇总（草稿）", level=1)
    _paragraphs(doc, "summary")
    doc.add_paragraph("{{ footer }}")
    return doc


def main() -> int:
    TARGET.mkdir(parents=True, exist_ok=True)
    form_template().save(str(TARGET / "form_report.docx"))
    batch_template().save(str(TARGET / "batch_report.docx"))
    print(f"wrote {TARGET / 'form_report.docx'} and {TARGET / 'batch_report.docx'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
