"""Pass: a 一级指标 carried down into a row whose 二级指标 belongs to another 一级.

A merged 一级指标 cell prints its text once, in the middle of its rows (a spreadsheet exported to PDF) or on the
next page when a page break cuts it: the rows above that text carry the previous 一级 down (`社会效益指标` under
产出指标). The 二级 names say which 一级 they belong to (数量/质量/时效 → 产出, 经济/社会/生态效益 and 可持续影响 →
效益, 服务对象满意度 → 满意度), so a carried-down 一级 that contradicts its row's 二级 takes the 一级 printed for
that family elsewhere in the table, flagged; so does a 一级 that is no level name at all (the block's label
`绩效指标`, printed in the middle of its merged cell, read in the 一级 column). 成本指标 belongs to 产出 in one
template and is a 一级 of its own in another: never decided.
"""

from __future__ import annotations

from jixiao.domain import vocabulary as vocab
from jixiao.models import Form
from jixiao.parse.indicators import CARRIED
from jixiao.parse.record import Recorder
from jixiao.parse.segment import FormSection

FAMILY = {"数量": "产出", "质量": "产出", "时效": "产出",
          "经济效益": "效益", "社会效益": "效益", "生态效益": "效益", "可持续影响": "效益", "环境效益": "效益",
          "可持续发展": "效益", "服务对象满意度": "满意度", "社会公众满意度": "满意度"}
RECONCILED_CONFIDENCE = 0.7


def reconcile_levels(section: FormSection, form: Form, rec: Recorder) -> None:
    printed: dict[str, tuple[str, str]] = {}  # family → (一级 as printed, the path it was read at)
    for n, indicator in enumerate(form.indicators):
        source = rec.provenance.get(f"indicators[{n}].level1")
        if indicator.level1 and source is not None and source.note != CARRIED:
            printed.setdefault(vocab.level_key(indicator.level1), (indicator.level1, f"indicators[{n}].level1"))
    for n, indicator in enumerate(form.indicators):
        path = f"indicators[{n}].level1"
        source = rec.provenance.get(path)
        family = FAMILY.get(vocab.level_key(indicator.level2 or ""))
        if family is None or family not in printed or (indicator.level1 and (
                vocab.level_key(indicator.level1) == family or source is None
                or (source.note != CARRIED and vocab.is_level1(indicator.level1)))):
            continue  # agrees, or was printed in this very row: the form says so
        level1, read_at = printed[family]
        indicator.level1 = level1
        rec.provenance[path] = rec.provenance[read_at].model_copy(update={
            "confidence": RECONCILED_CONFIDENCE,
            "note": f"二级指标“{indicator.level2}”属于{level1}：合并单元格的文字印在别的行（或下一页），据此归入"})
