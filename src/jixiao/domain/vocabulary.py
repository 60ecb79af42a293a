"""What printed labels and headers mean, independent of where a template puts them.

Headers are compared after `header_key`: whitespace, markup, trailing colons and unit
suffixes such as (%)/(分)/(A)/（万元） removed. Exact synonyms are tried first, then
meaning rules ("contains 完成值" → actual), so an unseen province's wording still maps.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from jixiao.models import FundKind
from jixiao.values import squash

_SUFFIX = re.compile(r"[(（][^()（）]{0,8}[)）]$")


@lru_cache(maxsize=8192)
def header_key(text: str) -> str:
    """Canonical form of a header cell: '偏离度（%）' → '偏离度', '<b>项目名称:</b>' → '项目名称'."""
    s = squash(text).rstrip(":：")
    for _ in range(2):
        s = _SUFFIX.sub("", s)
    return s.lstrip("*★").rstrip(":：").translate(_FULL_WIDTH_PARENS)


_FULL_WIDTH_PARENS = str.maketrans("()", "（）")  # '部门(单位)名称' is the listed '部门（单位）名称'

# ---- header block (项目名称 …) -------------------------------------------------------------

HEADER_FIELDS: dict[str, tuple[str, ...]] = {
    "project_name": ("项目名称", "项目全称", "部门名称", "单位名称", "专项名称", "专项资金名称", "资金名称"),
    "project_code": ("项目编码", "项目代码", "项目编号"),
    "department": ("项目主管部门", "主管部门", "主管单位", "预算部门", "部门（单位）名称"),
    "implementing_unit": ("实施单位", "项目实施单位", "预算单位", "执行单位", "项目单位", "资金使用单位", "用款单位",
                          "项目建设单位", "建设单位"),
    "finance_office": ("财政归口处室", "归口处室", "财政归口科室", "归口科室"),
    "contact": ("部门联系人", "联系人", "项目联系人", "项目负责人", "填报人"),
    "phone": ("联系电话", "电话", "联系方式"),
    "total_score": ("自评总分", "自评得分"),
    "year": ("年度", "评价年度", "预算年度", "自评年度", "项目年度", "所属年度"),
}
WEAK_HEADER_LABELS = {"填报单位": "implementing_unit"}  # the filer is most often, not always, the 实施单位
# printed in header blocks, no field of the contract: such a label ends the value before it, its own value is not read
OTHER_HEADER_LABELS = frozenset({"手机", "移动电话", "地址", "通讯地址", "单位地址", "邮编", "邮政编码", "传真", "电子邮箱",
                                 "邮箱", "项目类别", "项目属性", "评价机构", "填报日期", "评价方式",
                                 "中央主管部门"})  # a 转移支付 form's ministry: the 主管部门 is the local one


@lru_cache(maxsize=8192)
def header_field(text: str) -> str | None:
    """The form-header field a label cell names, or None. Tolerates a truncated start
    ('政归口处室' is the tail of '财政归口处室')."""
    key = header_key(text)
    if not key or len(key) > 12 or key in OTHER_HEADER_LABELS:
        return None
    for field, labels in HEADER_FIELDS.items():
        if key in labels:
            return field
    if (parts := _compound(key)) is not None:  # '预算部门、单位名称': the first name says what the value is
        return parts[0]
    for field, labels in HEADER_FIELDS.items():
        if len(key) >= 4 and any(label.endswith(key) for label in labels):
            return field
    for field, labels in HEADER_FIELDS.items():  # a prefix before a known label: '项目主管单位', '预算部门、单位名称'
        if any(len(label) >= 4 and key.endswith(label) for label in labels):
            return field
    for field, labels in HEADER_FIELDS.items():  # a short tail after one: '主管部门及代码', '项目名称（全称）'
        if any(len(label) >= 4 and key.startswith(label) and 0 < len(key) - len(label) <= 3
               and not re.search("[:：]", key[len(label):]) for label in labels):
            return field
    return WEAK_HEADER_LABELS.get(key)


_EXACT_HEADER_LABELS = {label: field for field, labels in HEADER_FIELDS.items() for label in labels}
_LIST_SEPARATOR = re.compile("[、/／]|或|及")


def _compound(key: str) -> tuple[str, ...] | None:
    """The fields of a label that lists several names, each a known label ('预算部门、单位名称',
    '主管部门/实施单位'), else None."""
    parts = [p for p in _LIST_SEPARATOR.split(key)]
    if len(parts) < 2 or any(p not in _EXACT_HEADER_LABELS for p in parts):
        return None
    return tuple(_EXACT_HEADER_LABELS[p] for p in parts)


def exact_header_label(text: str) -> str | None:
    """The field of `text` when it is a header label exactly as printed on forms (a known label, or a list of
    them such as '预算部门、单位名称'), else None: unlike `header_field`, no tail or head of a longer word."""
    key = header_key(text)
    if key in _EXACT_HEADER_LABELS:
        return _EXACT_HEADER_LABELS[key]
    if key in WEAK_HEADER_LABELS:
        return WEAK_HEADER_LABELS[key]
    parts = _compound(key)
    return parts[0] if parts else None


def other_label_at_end(word: str) -> int | None:
    """Start of the longest label of `OTHER_HEADER_LABELS` that ends `word` ('0960-1234手机' → 9), or None."""
    return next((start for start in range(len(word) - 1) if header_key(word[start:]) in OTHER_HEADER_LABELS), None)


_GLUED_LABELS = tuple(sorted({*(k for k in _EXACT_HEADER_LABELS if len(k) >= 2 and k != "年度"), *OTHER_HEADER_LABELS},
                             key=len, reverse=True))


def labels_in(text: str) -> list[tuple[int, int, str | None]]:
    """(start, end, field or None for an unlisted label) of every printed header label inside `text`, longest
    first at each position ('联系人张伟电话0960…手机139…': 联系人, 电话, 手机). 年度 is left out: '2023年度' is
    part of a name more often than a label."""
    out: list[tuple[int, int, str | None]] = []
    i = 0
    while i < len(text):
        word = next((w for w in _GLUED_LABELS if text.startswith(w, i)), None)
        if word is None:
            i += 1
            continue
        out.append((i, i + len(word), _EXACT_HEADER_LABELS.get(word)))
        i += len(word)
    return out


def label_at_end(word: str) -> tuple[int, str] | None:
    """(start, field) of the longest header label that ends `word` ('刘洋联系电话' → 联系电话, not 电话;
    '…项目预算部门、单位名称' → the whole list), or None."""
    for start in range(0, max(0, len(word) - 1)):
        if field := exact_header_label(word[start:]):
            return start, field
    return None


# ---- funds table ----------------------------------------------------------------------------

def _one_off(a: str, b: str) -> bool:
    """Same length, at most one character different (an OCR misread such as 权童 for 权重)."""
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) <= 1


def _near(rest: str, word: str) -> bool:
    """An OCR misread (权童) or a cut last character (执行率权) of `word`."""
    return _one_off(rest, word) or (len(rest) == len(word) - 1 and word.startswith(rest))


def _fund_column(key: str) -> str | None:
    if "执行率" in key and (rest := key.replace("执行率", "")) and rest not in ("(%)", "%"):
        if any(_near(rest, w) for w in ("权重", "分值")) and rest not in "得分":  # 执行率分: 分值 or 得分?
            return "weight"
        if _near(rest, "得分") and rest not in "权重分值":
            return "score"
    if "年初" in key and ("预算" in key or "金额" in key):
        return "initial_budget"
    if ("全年" in key or "调整" in key) and "预算" in key:
        return "adjusted_budget"
    if "执行数" in key or key in ("执行金额", "实际支出", "全年支出数", "支出数", "实际支出数", "决算数"):
        return "executed"
    if key in ("预算数", "预算", "预算金额", "预算安排数", "预算总额", "调整后预算", "调整后预算数"):
        return "adjusted_budget"
    # an investment project's block (政府投资项目): 年初计划投资 | 调整后计划投资 | 实际完成投资 | 完成率
    if "计划投资" in key:
        return "adjusted_budget" if ("调整" in key or "全年" in key) else "initial_budget"
    if key in ("实际完成投资", "完成投资", "实际投资"):
        return "executed"
    if key in ("完成率", "投资完成率"):
        return "rate"
    if "执行率" in key and ("得分" in key):
        return "score"
    if "执行率" in key and ("权重" in key or "分值" in key):
        return "weight"
    if "执行率" in key:
        return "rate"
    if key in ("分值", "分数", "权重", "满分"):
        return "weight"
    if key in ("得分", "自评得分", "评分"):
        return "score"
    return None


@lru_cache(maxsize=8192)
def fund_column(text: str) -> str | None:
    """Field of a funds-table header cell (年初预算数 → initial_budget …). A parenthesised explanation
    after the name does not change its meaning: 全年预算数（A）（上年结转+年初预算+…） is 全年预算数."""
    key = header_key(text)
    main = re.split(r"[(（]", key, maxsplit=1)[0]
    return (_fund_column(main) if len(main) >= 2 else None) or _fund_column(key)


FUND_KINDS: tuple[tuple[str, FundKind], ...] = (
    ("上年结转", "carryover"), ("结转", "carryover"),
    ("一般公共预算", "general_budget"),
    ("财政拨款", "fiscal"), ("财政资金", "fiscal"), ("当年财政", "fiscal"),
    ("中央补助", "fiscal"), ("中央资金", "fiscal"), ("中央财政", "fiscal"), ("省级补助", "fiscal"), ("省级资金", "fiscal"),
    ("市级资金", "fiscal"), ("县级资金", "fiscal"), ("本级资金", "fiscal"), ("财政补助", "fiscal"),
    ("市县资金", "fiscal"), ("市县财政", "fiscal"), ("省财政", "fiscal"), ("省级财政", "fiscal"),
    ("预算内投资", "fiscal"), ("专项债", "other"), ("自筹", "other"), ("投资总额", "total"),
    ("上级补助", "fiscal"), ("财政预算资金", "fiscal"), ("本级财政", "fiscal"),
    ("其他资金", "other"), ("其他", "other"), ("政府性基金", "other"), ("自有资金", "other"),
    ("总金额", "total"), ("资金总额", "total"), ("总额", "total"), ("合计", "total"),
)


@lru_cache(maxsize=8192)
def fund_kind(label: str) -> FundKind | None:
    key = squash(label)
    for word, kind in FUND_KINDS:
        if word in key:
            return kind
    return None


# ---- goals ----------------------------------------------------------------------------------

@lru_cache(maxsize=8192)
def goal_column(text: str) -> str | None:
    """Field of a goals header cell: 年初绩效目标/预期目标 → initial, 全年（调整）绩效目标 → adjusted,
    全年目标实际完成情况/实际完成情况 → actual."""
    key = header_key(text)
    if "完成情况" in key or key in ("实际完成", "目标完成情况"):
        return "actual"
    if ("调整" in key or key.startswith("全年")) and "目标" in key:
        return "adjusted"
    if key in ("年初绩效目标", "预期目标", "年初目标", "绩效目标", "年度目标", "年度绩效目标"):
        return "initial"
    if "目标" in key and ("年初" in key or "设定" in key or "预期" in key or key.endswith("年度目标")):
        return "initial"  # 年初设定目标, 项目年度目标, 预期绩效目标
    return None


GOALS_LABELS = ("年度总体目标", "年度总目标", "总体目标", "绩效目标", "当年绩效目标")

# ---- indicator table -----------------------------------------------------------------------

_IndicatorRule = tuple[Callable[[str], bool], str]

_INDICATOR_RULES: tuple[_IndicatorRule, ...] = (
    (lambda k: "一级" in k or k in ("指标类型", "指标类别", "指标分类"), "level1"),
    (lambda k: "二级" in k, "level2"),
    (lambda k: "三级" in k or k in ("指标名称", "指标内容", "绩效指标名称", "具体指标"), "name"),
    (lambda k: "计算方法" in k or "计分方法" in k or "评分方法" in k or "评分标准" in k or "评分规则" in k
     or "计分标准" in k or k == "评价标准", "scoring_method"),
    (lambda k: "单位" in k and "实施" not in k, "unit"),
    (lambda k: "性质" in k or "方向" in k or k == "运算符", "operator"),
    (lambda k: "偏离" in k and "原因" not in k, "deviation_pct"),  # 偏离原因及改进措施 is the explanation
    (lambda k: "系数" in k, "score_coef"),
    (lambda k: "核心" in k, "is_core"),
    # '年度绩效指标完成情况' is the block's own label (its first cell, spanning the rows), not a column
    (lambda k: "完成值" in k or "实际值" in k or ("完成情况" in k and "绩效指标" not in k) or k == "实际完成",
     "actual"),
    (lambda k: "指标值" in k or "目标值" in k or k in ("计划值", "预期值", "年度目标"), "target"),
    (lambda k: "复核" in k, "review_score"),
    (lambda k: "权重" in k or "分值" in k or k in ("分数", "满分", "标准分"), "weight"),
    (lambda k: "得分" in k or k in ("自评分", "评分"), "score"),
    (lambda k: "原因" in k or "说明" in k or "备注" in k or "改进措施" in k, "explanation"),
)


@lru_cache(maxsize=4096)
def indicator_column(text: str) -> str | None:
    """Field of an indicator-table header cell, by meaning (see module doc)."""
    key = header_key(text)
    if not key or len(key) > 16:
        return None
    for matches, field in _INDICATOR_RULES:
        if matches(key):
            return field
    return None


# ---- indicator levels -------------------------------------------------------------------------

LEVEL1_TERMS = frozenset({"产出", "效益", "满意度", "成本", "产出指标", "效益指标", "满意度指标", "成本指标",
                          "产出类指标", "效益类指标", "满意度类指标", "成本类指标", "管理类指标", "管理指标"})
LEVEL2_TERMS = frozenset({
    "数量", "质量", "时效", "成本", "经济效益", "社会效益", "生态效益", "可持续影响",
    "服务对象满意度", "满意度", "经济成本", "社会成本", "生态环境成本", "社会公众满意度",
    "可持续发展", "环境效益",
})


_POINTS = re.compile(r"[(（]\s*\d+(?:\.\d+)?\s*分\s*[)）]$")


@lru_cache(maxsize=8192)
def level_key(text: str) -> str:
    """'产出指标（60分）' → '产出': the level word without 指标 and without the points printed after it."""
    s = _POINTS.sub("", squash(text))
    return s[:-2] if s.endswith("指标") else s


def level_name(text: str) -> str:
    """A level label as stored: line breaks of merged cells and the points printed after it removed
    ('产出指标（60分）' → '产出指标'; the points are the sum of its indicators' 分值)."""
    return _POINTS.sub("", squash(text))


_LEVEL1_KEYS = frozenset(level_key(t) for t in LEVEL1_TERMS)
LEVEL1_FIRST = frozenset({"满意度"})  # both levels' word; at a row's start it is the 一级 label


@lru_cache(maxsize=8192)
def is_level1(text: str) -> bool:
    return level_key(text) in _LEVEL1_KEYS


@lru_cache(maxsize=8192)
def is_level2(text: str) -> bool:
    return level_key(text) in LEVEL2_TERMS


UNIT_WORDS = frozenset({
    "个", "%", "％", "人", "人次", "次", "期", "件", "名", "场", "场次", "分", "无", "元", "万元", "天", "日",
    "月", "年", "台", "套", "项", "户", "家", "所", "座", "条", "份", "册", "本", "部", "辆", "处", "平方米",
    "亩", "公里", "千米", "米", "吨", "小时", "课时", "批", "篇", "期次", "起", "宗", "万人次", "学时",
})

# a remark printed under the table (`注：…`, `备注：1.…`, `填表说明：…`): one cell, no values of the form
NOTE_START = re.compile(r"^(?:注|备注|附注|说明|填表说明|填报说明)\s*\d?\s*[：:]")
FILLER_WORDS = frozenset({"无", "/", "-", "—", "——", "不涉及", "不适用", "／"})
_NUMBERED = re.compile(r"^指标\s*\d+\s*[：:]?\s*")
_ELLIPSIS = re.compile(r"^[.。…·．、]+$")


@lru_cache(maxsize=8192)
def is_placeholder(text: str) -> bool:
    """A cell a template prints to be filled in and the unit left empty: a filler word, an ellipsis ('……'),
    or a bare number label ('指标2：', '指标1：/')."""
    rest = _NUMBERED.sub("", squash(text))
    return not rest or rest in FILLER_WORDS or _ELLIPSIS.match(rest) is not None

TOTAL_LABELS = frozenset({"总分", "合计", "总计", "合计得分", "总得分"})
NOTE_LABELS = frozenset({"说明", "情况说明", "偏差说明", "偏差原因说明", "问题说明"})
GRADE_LABELS = frozenset({"评分等级", "评价等级", "等级", "自评等级", "绩效等级"})

# labels of a whole block (a merged cell left of a table, or a line above it): not a column
BLOCK_LABELS = frozenset({"资金情况", "绩效目标", "绩效指标", "项目资金", "年度绩效指标", "年度绩效目标", "年度总体目标",
                          "预算执行情况", "资金执行情况", "项目资金情况"})

# header words as printed, for cutting a header row whose cells were glued together ('一级指标二级指标…')
HEADER_WORDS = (
    "一级指标", "二级指标", "三级指标", "指标类型", "指标名称", "绩效指标", "年度指标值", "指标值", "预期指标值",
    "实际完成值", "全年完成值", "全年实际值", "实际值", "分值", "得分", "权重", "指标权重", "指标得分", "自评分", "复核分",
    "偏离度", "得分系数", "是否核心指标", "说明", "计量单位", "度量单位", "指标性质", "得分计算方法", "评价标准", "评分标准",
    "偏差原因分析及改进措施", "未完成原因分析", "偏差原因分析", "备注", "项目资金", "资金来源", "年初预算数", "全年预算数",
    "全年（调整）预算数", "全年(调整)预算数", "全年执行数", "预算数", "执行数", "执行率", "年度总体目标", "预期目标",
    "实际完成情况", "年初绩效目标", "全年（调整）绩效目标", "全年目标实际完成情况", "序号",
)  # no '执行率得分': glued, '执行率' and '得分' are two columns more often than one
