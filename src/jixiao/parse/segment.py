"""Split a document's rows into forms, and each form's rows into its regions.

A form starts at a title row (…绩效自评表) or, without one, at a header block (项目名称) that
follows a finished form. Inside a form, header rows of the funds, goals and indicator tables
switch the region; 总分/评分等级 rows close the indicator table.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

from jixiao.domain import vocabulary as vocab
from jixiao.layout import Cell, Row
from jixiao.parse.resplit import expand
from jixiao.values import parse_number, squash

Region = Literal["header", "funds", "goals", "indicators", "totals", "aside"]

# 绩效自评表, 绩效目标自评表, 绩效目标完成情况自评表, 绩效自评价表, 绩效自评报表, 绩效评价表, 绩效评价指标表
_TITLE = re.compile(r"(绩效(?:目标)?(?:完成情况)?自评(?:价|报)?表|绩效评价(?:指标)?表)(?:[(（]\d{4}年度?[)）])?$")
_YEAR = re.compile(r"(20\d{2})\s*年")
YEAR_ONLY = re.compile(r"^[(（]?\s*(20\d{2})\s*年度?\s*[)）]?$")


class FormSection(BaseModel):
    """The rows of one form, sorted into regions; headers kept apart from data."""

    title: Row | None = None
    year_row: Row | None = None
    header: list[Row] = Field(default_factory=list)
    funds_header: Row | None = None
    funds_title: Row | None = Field(None, description="block label above the funds table: 预算执行情况（万元）（20分）")
    last_label: Row | None = None
    funds: list[Row] = Field(default_factory=list)
    goals_header: Row | None = None
    goals: list[Row] = Field(default_factory=list)
    goal_rows: list[Row] = Field(default_factory=list, description="'年度绩效目标 | text' rows: label left of its text")
    indicator_header: Row | None = None
    indicators: list[Row] = Field(default_factory=list)
    totals: list[Row] = Field(default_factory=list)
    orphans: list[Row] = Field(default_factory=list, description="table rows with no table header above them")
    unmapped_header: Row | None = Field(None, description="the header row above the orphans that the rules cannot map "
                                        "(set aside by parse.learned)")
    known_headers: list[tuple[str, ...]] = Field(default_factory=list,
                                                 description="indicator headers of the document's forms")
    region: Region = "header"
    ended_in_indicators: bool = False
    other: bool = Field(False, description="another form's rows (a 申报表 or 监控表 page): not read")

    @property
    def started(self) -> bool:
        return bool(self.title or self.header or self.funds_header or self.indicator_header)

    @property
    def is_form(self) -> bool:
        """A title, a labelled header block or a table: loose prose alone is not a form."""
        return bool(self.title or self.funds_header or self.indicator_header
                    or any(has_header_label(row) for row in self.header))


def is_title(row: Row) -> bool:
    filled = row.filled
    return len(filled) == 1 and bool(_TITLE.search(squash(filled[0].text)))


# the title of another form a budget system prints beside the 自评表 (a workbook exported page by page)
_OTHER_TITLE = re.compile(r"(绩效目标(?:申报|执行监控|监控|批复|审核)?表|执行监控表|申报表|批复表|填报说明)"
                          r"(?:[(（]\d{4}年度?[)）])?$")


def is_other_title(row: Row) -> bool:
    """The title of a 申报表, 监控表 or 填报说明 page: not a self-evaluation form."""
    filled = row.filled
    text = squash(filled[0].text) if len(filled) == 1 else ""
    return bool(_OTHER_TITLE.search(text)) and not _TITLE.search(text)  # '自评表填报说明' too


def year_of(text: str) -> int | None:
    match = _YEAR.search(text)
    return int(match.group(1)) if match else None


def _is_year_row(row: Row) -> bool:
    filled = row.filled
    return len(filled) == 1 and bool(YEAR_ONLY.match(squash(filled[0].text)))


def is_funds_header(row: Row) -> bool:
    fields = {vocab.fund_column(c.text) for c in row.filled}
    return len(fields & {"initial_budget", "adjusted_budget", "executed"}) >= 2


def is_goals_header(row: Row) -> bool:
    fields = [vocab.goal_column(c.text) for c in row.filled]
    found = {f for f in fields if f}
    if len(found) >= 2:
        return True
    has_label = any(vocab.header_key(c.text) in vocab.GOALS_LABELS for c in row.filled)
    return has_label and len(found) == 1


_GOAL_LABELS = ("年度绩效目标", "目标实际完成情况", "年初绩效目标", "全年绩效目标", "实际完成情况", "年度总体目标",
                "总体目标", "绩效目标", "预期目标")


def goal_row_parts(row: Row) -> tuple[str, Cell] | None:
    """A goal written as a label and its text on one row ('目标实际完成情况 | 目标1已完成…'): (label, text
    cell). Also when the borders between them were lost ('年度绩效目标 目标1…', '年度绩效目标目标1…')."""
    filled = row.filled
    if len(filled) == 2:
        label, text = filled[0].text, filled[1]
    elif len(filled) == 1:
        cell = filled[0]
        head = next((w for w in _GOAL_LABELS if squash(cell.text).startswith(w)), None)
        if head is None:
            return None
        rest = cell.text[len(head):].strip() if cell.text.startswith(head) else cell.text.split(" ", 1)[-1]
        label, text = head, cell.model_copy(update={"text": rest, "raw": rest,
                                                     "confidence": min(cell.confidence, 0.8)})
    else:
        return None
    if len(text.text) < 6 or vocab.goal_column(text.text):
        return None
    if vocab.goal_column(label) or vocab.header_key(label) in vocab.GOALS_LABELS:
        return label, text
    return None


def is_goal_row(row: Row) -> bool:
    return goal_row_parts(row) is not None


def is_indicator_header(row: Row) -> bool:
    fields = {vocab.indicator_column(c.text) for c in row.filled}
    has_name = bool(fields & {"name", "level1", "level2"})
    has_values = bool(fields & {"target", "actual", "weight", "score"})
    return has_name and has_values and len(fields - {None}) >= 3


def _looks_like_table_row(row: Row) -> bool:
    """Several cells with numbers, 一级/二级指标 labels or 无 fillers: a data row, not goal text."""
    filled = row.filled
    if len(filled) < 4:
        return False
    numbers = sum(parse_number(c.text) is not None for c in filled)
    fillers = sum(c.text in vocab.FILLER_WORDS for c in filled)
    levels = any(vocab.is_level1(c.text) or vocab.is_level2(c.text) for c in filled)
    return numbers >= 2 or fillers >= 2 or levels


_GLUED_LABEL = re.compile(r"^(?:\d+(?:\.\d+)?)?(" + "|".join(sorted(vocab.TOTAL_LABELS | vocab.GRADE_LABELS, key=len,
                                                                     reverse=True)) + r")(?=\d)")


def _first_key(row: Row) -> str:
    """The first text cell's header key (a 分值-first table prints '100 | 合计'); for a spaced row whose
    borders were lost, its first word's."""
    filled = row.filled
    if len(filled) > 1 and parse_number(filled[0].text) is not None and parse_number(filled[1].text) is None:
        filled = filled[1:]
    if not filled:
        return ""
    key = vocab.header_key(filled[0].text)
    if glued := _GLUED_LABEL.match(key):  # '100合计91.17': a 分值-first total row with every space lost
        return glued.group(1)
    if " " in filled[0].text and key not in vocab.TOTAL_LABELS | vocab.GRADE_LABELS:
        words = filled[0].text.split(" ")
        first = next((w for w in words[:2] if parse_number(w) is None), words[0])
        return vocab.header_key(first)
    return key


def is_total_row(row: Row) -> bool:
    return _first_key(row) in vocab.TOTAL_LABELS


def is_grade_row(row: Row) -> bool:
    return _first_key(row) in vocab.GRADE_LABELS


def is_note_row(row: Row) -> bool:
    """A form-level 说明 row below the indicator table: the label, then its text."""
    return len(row.filled) >= 2 and _first_key(row) in vocab.NOTE_LABELS


def is_footnote(row: Row) -> bool:
    """A remark under the table (`注：各单位对…负责`, `填表说明：1.…`) in one cell: not a row of the table."""
    filled = row.filled
    return len(filled) == 1 and vocab.NOTE_START.match(filled[0].text) is not None


def _header_fields(row: Row) -> set[str]:
    return {f for c in row.filled if (f := vocab.header_field(c.text.split("：")[0].split(":")[0].split(" ")[0]))}


def has_header_label(row: Row) -> bool:
    return bool(_header_fields(row))


# who signed or whom to call: printed under the table as often as in the header (`项目负责人：周建平 财务负责人：…`,
# `填报人： 联系电话：`); such a footer belongs to the form above it and starts no new one
_FOOTER_FIELDS = frozenset({"contact", "phone", "finance_office"})


def is_footer(row: Row) -> bool:
    fields = _header_fields(row)
    return bool(fields) and fields <= _FOOTER_FIELDS


def _starts_form(row: Row) -> bool:
    """A row of header pairs after a form's tables that begins the next form: it names a project or a department.
    Not a signature line ('项目单位（盖章）：  评价人：  日期：')."""
    return bool(_header_fields(row) & {"project_name", "project_code", "department"}) and \
        not any("盖章" in cell.text for cell in row.filled)


SECTION_LABELS = vocab.BLOCK_LABELS


def is_section_label(row: Row) -> bool:
    filled = row.filled
    return len(filled) == 1 and vocab.header_key(filled[0].text) in SECTION_LABELS


def _is_fund_row(row: Row) -> bool:
    """A funds-table row: a fund label ('合计', '其中：财政拨款') followed by numbers."""
    filled = row.filled
    return (len(filled) >= 2 and any(vocab.fund_kind(c.text) is not None for c in filled[:2])
            and any(parse_number(c.text) is not None for c in filled[1:]))


def _is_indicator_row(row: Row) -> bool:
    """A row of the indicator table found under another table (its own header lost)."""
    filled = row.filled
    levels = any(vocab.is_level1(c.text) or vocab.is_level2(c.text) for c in filled[:3])
    return levels and len(filled) >= 4 and not _is_fund_row(row)


# the header of a table the form prints beside its contract: a 部门整体 form's 年度主要任务 (任务名称 | 主要内容 | 预算数 |
# 执行数 | 完成情况) has budget columns, but its rows are tasks, not sources of money
_ASIDE_WORDS = frozenset({"任务名称", "主要任务", "年度主要任务", "主要内容", "工作内容", "重点工作", "工作任务"})


def is_aside_header(row: Row) -> bool:
    return any(vocab.header_key(c.text) in _ASIDE_WORDS for c in row.filled) and is_funds_header(row)


def _route(section: FormSection, row: Row) -> None:
    if is_section_label(row):
        section.last_label = row
        return
    if is_aside_header(row):
        section.region = "aside"
        return
    if is_funds_header(row):
        section.funds_header, section.region = row, "funds"
        section.funds_title = section.last_label
    elif section.region == "funds" and _is_fund_row(row):
        section.funds.append(row)  # '合计' here is the funds total, not the form's 总分
    elif section.region == "funds" and (section.orphans or _is_indicator_row(row)) and not (
            is_total_row(row) or is_grade_row(row)):
        section.orphans.append(row)
    elif is_goals_header(row):
        section.goals_header, section.region = row, "goals"
    elif section.region != "indicators" and section.goals_header is None and is_goal_row(row):
        section.goal_rows.append(row)
        section.region = "goals"
    elif is_indicator_header(row):
        section.indicator_header, section.region = row, "indicators"
    elif section.region == "totals" and is_footer(row):
        section.header.append(row)  # read with the header's pairs
    elif is_total_row(row) or is_grade_row(row) or (
            (is_note_row(row) or is_footnote(row)) and section.region in ("indicators", "totals")):
        section.totals.append(row)
        section.region = "totals"
    elif section.region == "aside":
        pass  # a row of the tasks table: not read
    elif section.region == "header":
        section.header.append(row)
    elif section.region == "funds":
        section.funds.append(row)
    elif section.region == "goals":
        if section.orphans or _looks_like_table_row(row):
            section.orphans.append(row)  # e.g. indicator rows whose header row was lost
        else:
            section.goals.append(row)
    elif section.region == "indicators":
        section.indicators.append(row)
    else:
        section.totals.append(row)


def segment(rows: list[Row]) -> list[FormSection]:
    """Cut the rows into forms and route every row of a form to its region."""
    return segment_all(rows)[0]


def segment_all(rows: list[Row]) -> tuple[list[FormSection], list[Row]]:
    """The forms, and the titles of the other forms skipped (a 申报表 or 监控表 page beside the 自评表: its rows
    are read into a section of their own that is dropped)."""
    sections: list[FormSection] = []
    others: list[Row] = []
    current = FormSection()
    for row in (part for original in rows for part in expand(original)):
        if not row.filled:
            continue
        if is_other_title(row):
            if current.started:
                sections.append(current)
            current = FormSection(title=row, other=True)
            others.append(row)
            continue
        finished = current.indicator_header is not None or current.funds_header is not None
        if is_title(row) or (finished and _starts_form(row) and current.region in ("indicators", "totals")):
            if current.started:
                sections.append(current)
            current = FormSection()
            if is_title(row):
                current.title = row
                continue
        if current.year_row is None and not current.header and _is_year_row(row):
            current.year_row = row
            continue
        _route(current, row)
    if current.started:
        sections.append(current)
    sections = [s for s in sections if s.is_form and not s.other]
    headers = list(dict.fromkeys(tuple(c.text for c in s.indicator_header.filled)
                                 for s in sections if s.indicator_header is not None))
    for section in sections:
        section.ended_in_indicators = section.region == "indicators"
        section.known_headers = headers
    return sections, others
