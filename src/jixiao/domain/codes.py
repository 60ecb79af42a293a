"""Every finding code jixiao emits, with its stage, default severity and Chinese label.

`FindingCode` is a `StrEnum`, so a code compares equal to its string and `Finding.code` stays a
plain string in the JSON. A module that adds codes of its own (e.g. a review of the unit's text)
calls `register(...)` with their `CodeInfo`; unknown codes still work and show as themselves.
The README and docs/checks.md tables are generated from here (`python -m jixiao.domain.codes`)
and a test keeps them equal.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from jixiao.models import Severity


class Stage(StrEnum):
    INGEST = "ingest"  # reading the file (OCR, PDF repair): about the input, not the form
    PARSE = "parse"  # the rule parser could not place something
    LLM = "llm"  # gap-filling
    CHECK = "check"  # the domain rules (docs/checks.md)
    REVIEW = "review"  # judging the unit's own text (added by that stage through `register`)
    BATCH = "batch"  # across the inputs of one folder


class CodeInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    stage: Stage
    severity: Severity
    label: str  # Chinese, for the workbook and the HTML report
    meaning: str  # English, for the docs table


class FindingCode(StrEnum):
    # ingest
    SCAN_TURNED = "SCAN_TURNED"
    SEAL_REMOVED = "SEAL_REMOVED"
    TEXT_LAYER_UNREADABLE = "TEXT_LAYER_UNREADABLE"
    ROW_JOINED_ACROSS_PAGES = "ROW_JOINED_ACROSS_PAGES"
    PDF_REPAIRED = "PDF_REPAIRED"
    PAGE_UNREADABLE = "PAGE_UNREADABLE"
    PAGE_OVER_BUDGET = "PAGE_OVER_BUDGET"
    MIXED_PDF = "MIXED_PDF"
    LOW_CONFIDENCE = "LOW_CONFIDENCE"
    PAGE_BLANK = "PAGE_BLANK"
    CONTENT_NOT_SUFFIX = "CONTENT_NOT_SUFFIX"
    SUFFIX_MISMATCH = "SUFFIX_MISMATCH"
    CONVERTED = "CONVERTED"
    SHEET_SKIPPED = "SHEET_SKIPPED"
    HIDDEN_CELLS_SKIPPED = "HIDDEN_CELLS_SKIPPED"
    CELL_ERROR = "CELL_ERROR"
    FORMULA_NOT_CACHED = "FORMULA_NOT_CACHED"
    EXTERNAL_LINKS = "EXTERNAL_LINKS"
    # parse
    HEADER_UNREADABLE = "HEADER_UNREADABLE"
    NO_FUNDS = "NO_FUNDS"
    NO_INDICATORS = "NO_INDICATORS"
    INDICATOR_TABLE_TRUNCATED = "INDICATOR_TABLE_TRUNCATED"
    INPUT_TRUNCATED = "INPUT_TRUNCATED"
    TEXT_BETWEEN_FORMS = "TEXT_BETWEEN_FORMS"
    ROW_UNALIGNED = "ROW_UNALIGNED"
    CELL_UNPLACED = "CELL_UNPLACED"
    ROW_COLLAPSED = "ROW_COLLAPSED"
    ROW_ALIGNMENT_UNCERTAIN = "ROW_ALIGNMENT_UNCERTAIN"
    ROWS_WITHOUT_HEADER = "ROWS_WITHOUT_HEADER"
    UNKNOWN_COLUMN = "UNKNOWN_COLUMN"
    INDICATOR_HEADER_GUESSED = "INDICATOR_HEADER_GUESSED"
    GOALS_UNSPLIT = "GOALS_UNSPLIT"
    TOTAL_SCORE_CONFLICT = "TOTAL_SCORE_CONFLICT"
    LAYOUT_LEARNED = "LAYOUT_LEARNED"
    # llm
    LLM_FILLED = "LLM_FILLED"
    LLM_VALUE_UNGROUNDED = "LLM_VALUE_UNGROUNDED"
    LLM_FAILED = "LLM_FAILED"
    LLM_COLUMNS_MAPPED = "LLM_COLUMNS_MAPPED"
    LLM_MAPPING_REFUSED = "LLM_MAPPING_REFUSED"
    # checks
    EXEC_RATE_MISMATCH = "EXEC_RATE_MISMATCH"
    EXEC_RATE_ON_INITIAL_BUDGET = "EXEC_RATE_ON_INITIAL_BUDGET"
    FUND_RATE_MISMATCH = "FUND_RATE_MISMATCH"
    FUND_SUM_MISMATCH = "FUND_SUM_MISMATCH"
    EXEC_RATE_OVER_100 = "EXEC_RATE_OVER_100"
    EXEC_RATE_LOW = "EXEC_RATE_LOW"
    EXEC_SCORE_MISMATCH = "EXEC_SCORE_MISMATCH"
    BUDGET_ADJUSTED = "BUDGET_ADJUSTED"
    SCORE_ABOVE_WEIGHT = "SCORE_ABOVE_WEIGHT"
    SCORE_ABOVE_RULE = "SCORE_ABOVE_RULE"
    SCORE_DEDUCTED_THOUGH_MET = "SCORE_DEDUCTED_THOUGH_MET"
    QUALITATIVE_SCORE_OUT_OF_BAND = "QUALITATIVE_SCORE_OUT_OF_BAND"
    DEVIATION_MISMATCH = "DEVIATION_MISMATCH"
    SCORE_COEF_MISMATCH = "SCORE_COEF_MISMATCH"
    SHORT_WITHOUT_EXPLANATION = "SHORT_WITHOUT_EXPLANATION"
    ACTUAL_WRITTEN_AS_TARGET = "ACTUAL_WRITTEN_AS_TARGET"
    UNIT_MISMATCH = "UNIT_MISMATCH"
    VOID_INDICATOR_WITH_POINTS = "VOID_INDICATOR_WITH_POINTS"
    TEMPLATE_TEXT_LEFT = "TEMPLATE_TEXT_LEFT"
    EMPTY_ACTUAL = "EMPTY_ACTUAL"
    EMPTY_SCORE = "EMPTY_SCORE"
    WEIGHT_SUM_MISMATCH = "WEIGHT_SUM_MISMATCH"
    WEIGHT_SPLIT_NONSTANDARD = "WEIGHT_SPLIT_NONSTANDARD"
    SCORE_SUM_MISMATCH = "SCORE_SUM_MISMATCH"
    TOTAL_ZERO_WITH_DETAIL = "TOTAL_ZERO_WITH_DETAIL"
    GRADE_MISMATCH = "GRADE_MISMATCH"
    # batch
    DUPLICATE_FORM = "DUPLICATE_FORM"
    RESUBMITTED_FORM = "RESUBMITTED_FORM"
    DECISIONS_RESET = "DECISIONS_RESET"


_I, _P, _L, _C, _B = Stage.INGEST, Stage.PARSE, Stage.LLM, Stage.CHECK, Stage.BATCH
_TABLE: dict[FindingCode, tuple[Stage, Severity, str, str]] = {
    FindingCode.SCAN_TURNED: (_I, "info", "扫描页已转正", "a scanned page was turned upright before OCR"),
    FindingCode.SEAL_REMOVED: (_I, "info", "已去除印章", "red seal ink was taken out before OCR"),
    FindingCode.TEXT_LAYER_UNREADABLE: (_I, "info", "文字层不可用，已OCR", "a PDF page's text layer was garbage; OCR'd"),
    FindingCode.ROW_JOINED_ACROSS_PAGES: (_I, "info", "跨页续行已合并",
                                          "a table row a page break cut in two was joined; its joined cells are flagged"),
    FindingCode.PDF_REPAIRED: (_I, "warning", "PDF已修复", "a damaged PDF MuPDF could repair"),
    FindingCode.PAGE_UNREADABLE: (_I, "error", "页面无法读取", "a page could not be read at all"),
    FindingCode.PAGE_OVER_BUDGET: (_I, "error", "页面超出读取预算", "a page took longer or grew the memory more than "
                                   "--max-page-seconds / --max-page-memory allow; left unread, the others read"),
    FindingCode.MIXED_PDF: (_I, "info", "PDF含扫描页", "a PDF with both digital and scanned pages"),
    FindingCode.PAGE_BLANK: (_I, "info", "空白页", "a blank page, noted and not OCR'd"),
    FindingCode.CONTENT_NOT_SUFFIX: (_I, "info", "内容与扩展名不符", "the content decided the reader (a .pdf that is "
                                     "text, a .txt that is a PDF)"),
    FindingCode.SUFFIX_MISMATCH: (_I, "info", "Office格式与扩展名不符", "an Office file whose format differs from its "
                                  "suffix; read by its content"),
    FindingCode.CONVERTED: (_I, "info", "已转换格式", "a legacy Office file converted to a copy and read"),
    FindingCode.SHEET_SKIPPED: (_I, "info", "已跳过工作表", "a sheet or document part that is not a 自评 form"),
    FindingCode.HIDDEN_CELLS_SKIPPED: (_I, "info", "隐藏单元格未读取", "hidden rows, columns or sheets are not read"),
    FindingCode.CELL_ERROR: (_I, "warning", "单元格显示错误值", "a cell showing #REF! etc.; not read as a number"),
    FindingCode.FORMULA_NOT_CACHED: (_I, "warning", "公式无计算结果", "a formula saved without its result"),
    FindingCode.EXTERNAL_LINKS: (_I, "warning", "引用外部文件", "values cached from another file"),
    FindingCode.LOW_CONFIDENCE: (_C, "warning", "识别置信度低", "an OCR'd value read with confidence under 0.9"),
    FindingCode.HEADER_UNREADABLE: (_C, "error", "表头无法读取", "no 项目名称: the form's header is missing"),
    FindingCode.NO_FUNDS: (_C, "error", "缺少资金情况", "no 资金 table was read"),
    FindingCode.NO_INDICATORS: (_C, "error", "缺少绩效指标", "no indicator was read"),
    FindingCode.INDICATOR_TABLE_TRUNCATED: (_P, "error", "指标表不完整", "the indicator table stops mid-row at the end of "
                                            "the input"),
    FindingCode.INPUT_TRUNCATED: (_P, "error", "文件被截断", "the input ends inside a value (a number cut after its point)"),
    FindingCode.TEXT_BETWEEN_FORMS: (_P, "info", "表间文字", "text between forms that is not a form (a cover letter), "
                                     "kept with its line range"),
    FindingCode.ROW_UNALIGNED: (_P, "warning", "行无法对齐", "a row the parser could not align (text kept in the finding)"),
    FindingCode.CELL_UNPLACED: (_P, "warning", "单元格无法归位", "a cell the parser could not place"),
    FindingCode.ROW_COLLAPSED: (_P, "warning", "行内分隔丢失", "a row whose separators were lost"),
    FindingCode.ROW_ALIGNMENT_UNCERTAIN: (_P, "warning", "行对齐存疑", "a row aligned at a high cost"),
    FindingCode.ROWS_WITHOUT_HEADER: (_P, "warning", "指标表缺少表头", "indicator rows with no header row"),
    FindingCode.UNKNOWN_COLUMN: (_P, "warning", "无法识别的列", "an indicator-table header the rules cannot map; its "
                                 "column is not read"),
    FindingCode.INDICATOR_HEADER_GUESSED: (_P, "warning", "指标表表头系推断", "an indicator table without a header: "
                                          "its columns inferred from their content"),
    FindingCode.GOALS_UNSPLIT: (_P, "warning", "绩效目标无法分栏", "a 绩效目标 row whose separators were lost; not read"),
    FindingCode.TOTAL_SCORE_CONFLICT: (_P, "warning", "总分前后不一致", "header 自评总分 ≠ the 总分 row"),
    FindingCode.LAYOUT_LEARNED: (_P, "info", "按已学习版式读取", "a table read with a learned layout (layout memory), "
                                 "no model call"),
    FindingCode.LLM_FILLED: (_L, "info", "由模型补全，请确认", "a value filled by the LLM, grounded in its cell"),
    FindingCode.LLM_VALUE_UNGROUNDED: (_L, "warning", "模型给出的值无依据", "an LLM value not found in its cell; dropped"),
    FindingCode.LLM_FAILED: (_L, "warning", "模型调用失败", "the LLM request failed (timeout, HTTP error, bad reply)"),
    FindingCode.LLM_COLUMNS_MAPPED: (_L, "info", "列映射由模型给出，请确认", "a table whose header the rules cannot "
                                     "map, read by the rules with the LLM's column mapping"),
    FindingCode.LLM_MAPPING_REFUSED: (_L, "warning", "模型列映射被拒绝", "an LLM column mapping that breaks the "
                                      "arithmetic (得分 > 分值, Σ得分 ≠ 总分); not used"),
    FindingCode.EXEC_RATE_MISMATCH: (_C, "warning", "执行率计算不符", "printed 执行率 ≠ 全年执行数 / 全年预算数"),
    FindingCode.EXEC_RATE_ON_INITIAL_BUDGET: (_C, "warning", "执行率按年初预算计算", "printed 执行率 was computed on "
                                              "年初预算数 instead of 全年预算数"),
    FindingCode.FUND_RATE_MISMATCH: (_C, "warning", "资金行执行率不符", "a fund row's own printed rate is wrong"),
    FindingCode.FUND_SUM_MISMATCH: (_C, "warning", "资金合计不符",
                                    "年度资金总额 ≠ 财政拨款 + 上年结转 + 其他资金 in one amount column"),
    FindingCode.EXEC_RATE_OVER_100: (_C, "warning", "执行率超过100%", "executed more than the budget"),
    FindingCode.EXEC_RATE_LOW: (_C, "warning", "执行率偏低", "执行率 below the profile's threshold (Sichuan: 90%)"),
    FindingCode.EXEC_SCORE_MISMATCH: (_C, "warning", "执行率得分不符", "执行率得分 ≠ min(执行率, 100%) × 分值, "
                                      "either direction"),
    FindingCode.BUDGET_ADJUSTED: (_C, "info", "预算有调整", "年初 ≠ 全年预算数: the adjustment needs an explanation"),
    FindingCode.SCORE_ABOVE_WEIGHT: (_C, "warning", "得分超过分值", "得分 > 分值"),
    FindingCode.SCORE_ABOVE_RULE: (_C, "warning", "自评偏高", "target missed, score above the proportional rule"),
    FindingCode.SCORE_DEDUCTED_THOUGH_MET: (_C, "warning", "已完成却扣分", "target met, yet points deducted "
                                            "(info when explained)"),
    FindingCode.QUALITATIVE_SCORE_OUT_OF_BAND: (_C, "warning", "定性指标得分超出区间", "定性 score outside the band for "
                                                "达成/部分达成/未达成"),
    FindingCode.DEVIATION_MISMATCH: (_C, "warning", "偏离度不符", "printed 偏离度 ≠ the one computed from target and "
                                     "actual"),
    FindingCode.SCORE_COEF_MISMATCH: (_C, "warning", "得分系数不符", "指标得分 ≠ 指标权重 × 得分系数"),
    FindingCode.SHORT_WITHOUT_EXPLANATION: (_C, "warning", "缺少偏差原因", "missed target, score < weight, or "
                                            "\\|偏离度\\| ≥ 10%, with no 偏差原因分析"),
    FindingCode.ACTUAL_WRITTEN_AS_TARGET: (_C, "warning", "完成值写成目标", "完成值 written like a target (`≥95`)"),
    FindingCode.UNIT_MISMATCH: (_C, "warning", "计量单位不一致", "target and actual in different units "
                                "(`475部` vs `13.965万元`)"),
    FindingCode.VOID_INDICATOR_WITH_POINTS: (_C, "warning", "空指标占分值", "a 无/不涉及 indicator that still carries "
                                             "points"),
    FindingCode.TEMPLATE_TEXT_LEFT: (_C, "warning", "残留模板文字", "a cell still holds template instructions "
                                     "(请填写, 示例 …)"),
    FindingCode.EMPTY_ACTUAL: (_C, "warning", "完成值为空", "完成值 left empty (or not read, on a scan)"),
    FindingCode.EMPTY_SCORE: (_C, "warning", "得分为空", "得分 left empty (or not read, on a scan)"),
    FindingCode.WEIGHT_SUM_MISMATCH: (_C, "warning", "分值合计不符", "Σ 分值 + 执行率分值 ≠ 100 (or the printed total)"),
    FindingCode.WEIGHT_SPLIT_NONSTANDARD: (_C, "info", "分值分配非常规", "产出/效益/满意度 split differs from the "
                                           "profile's"),
    FindingCode.SCORE_SUM_MISMATCH: (_C, "warning", "得分合计不符", "Σ 得分 + 执行率得分 ≠ 自评总分 (a total equal to the "
                                     "复核分 sum is accepted)"),
    FindingCode.TOTAL_ZERO_WITH_DETAIL: (_C, "warning", "总分为0但有明细", "total 0 while the rows carry scores"),
    FindingCode.GRADE_MISMATCH: (_C, "warning", "评分等级不符", "评分等级 disagrees with the score (≥90 优, ≥80 良, ≥60 中, "
                                 "else 差)"),
    FindingCode.DUPLICATE_FORM: (_B, "warning", "重复提交", "the same form (same content, e.g. as text and as PDF) "
                                 "appears twice in the folder"),
    FindingCode.RESUBMITTED_FORM: (_B, "warning", "同一项目多次提交", "two forms of one project (code or name, year) "
                                   "with different content: a resubmission"),
    FindingCode.DECISIONS_RESET: (_B, "warning", "输入已变更，审核结论已重置", "a re-run found this input changed: the "
                                  "reviewer's decisions on its drafts were reset"),
}

_REGISTRY: dict[str, CodeInfo] = {
    code: CodeInfo(stage=stage, severity=severity, label=label, meaning=meaning)
    for code, (stage, severity, label, meaning) in _TABLE.items()
}


def register(code: str, info: CodeInfo) -> None:
    """Add a code defined elsewhere (a later stage's own codes); re-registering the same info is harmless."""
    known = _REGISTRY.get(code)
    if known is not None and known != info:
        raise ValueError(f"finding code {code} is already registered differently")
    _REGISTRY[code] = info


def info(code: str) -> CodeInfo | None:
    return _REGISTRY.get(code)


def label(code: str) -> str:
    """The Chinese label of a code, or the code itself when it is unknown."""
    known = _REGISTRY.get(code)
    return known.label if known else code


def codes_of(*stages: Stage) -> frozenset[str]:
    return frozenset(code for code, meta in _REGISTRY.items() if meta.stage in stages)


def all_codes() -> dict[str, CodeInfo]:
    return dict(_REGISTRY)


def kept_on_recheck() -> frozenset[str]:
    """Codes raised outside the checks (reading the input, gap-filling, the batch): a re-check keeps them."""
    return codes_of(Stage.INGEST, Stage.PARSE, Stage.LLM, Stage.BATCH)


# ingest notes about the form's own data (a #REF! cell, a formula never calculated, values cached from another file)
FORM_DATA_CODES = frozenset({FindingCode.CELL_ERROR, FindingCode.FORMULA_NOT_CACHED, FindingCode.EXTERNAL_LINKS})


def reading_codes() -> frozenset[str]:
    """Findings about how the input was read, not about the form (the same form as text has none)."""
    return (codes_of(Stage.INGEST) - FORM_DATA_CODES) | {FindingCode.LOW_CONFIDENCE}


def markdown_table() -> str:
    """The docs table: code, stage, severity, label, meaning (README and docs/checks.md hold this text). The text
    review's codes, registered when that stage is imported, have their own table beside it in the README."""
    lines = ["| code | stage | severity | 中文 | what it means |", "|---|---|---|---|---|"]
    for code, meta in ((c, m) for c, m in _REGISTRY.items() if m.stage != Stage.REVIEW):
        severity = "warning / info" if code == FindingCode.SCORE_DEDUCTED_THOUGH_MET else meta.severity
        lines.append(f"| `{code}` | {meta.stage} | {severity} | {meta.label} | {meta.meaning} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
