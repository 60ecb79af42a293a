"""Goals, indicator table and totals of a form (the second half of `build.Builder`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from jixiao.models import Goals, Indicator
from variants_gen import printing as pr
from variants_gen.content import SemIndicator

if TYPE_CHECKING:
    from jixiao.models import Form
    from variants_gen.build import Spec
    from variants_gen.content import SemForm
    from variants_gen.table import Sheet

VOID_LEVEL2 = {"产出指标": ["数量指标", "质量指标", "时效指标", "成本指标"],
               "效益指标": ["经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"],
               "满意度指标": ["服务对象满意度指标"]}


def _runs(values: list[str]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for i, v in enumerate(values):
        if runs and values[runs[-1][0]] == v:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((i, 1))
    return runs


class BodyMixin:
    spec: Spec
    sem: SemForm
    sheet: Sheet
    form: Form
    n: int

    def goals(self) -> None:
        spec, sheet, sem, n = self.spec, self.sheet, self.sem, self.n
        if spec.goals == "none":
            return
        if spec.goals == "national":
            half = (n - 2) // 2
            sheet.add(0, "年度总体目标", 2, rowspan=2, head=True)
            sheet.row((2, "预期目标", half), (2 + half, "实际完成情况", n - 2 - half), head=True)
            sheet.row((2, sem.goal_initial, half), (2 + half, sem.goal_actual, n - 2 - half))
            self.form.goals = Goals(initial=sem.goal_initial, actual=sem.goal_actual)
        elif spec.goals == "three":
            a, b = n // 3, n // 3
            sheet.row((0, "绩效目标", n), head=True)
            sheet.row((0, "年初绩效目标", a), (a, "全年（调整）绩效目标", b), (a + b, "全年目标实际完成情况", n - a - b),
                      head=True)
            sheet.row((0, sem.goal_initial, a), (a, sem.goal_adjusted, b), (a + b, sem.goal_actual, n - a - b))
            self.form.goals = Goals(initial=sem.goal_initial, adjusted=sem.goal_adjusted or None, actual=sem.goal_actual)
        else:  # rows: label left of the text
            sheet.row((0, "年度绩效目标", 2), (2, sem.goal_initial, n - 2))
            sheet.row((0, "目标实际完成情况", 2), (2, sem.goal_actual, n - 2))
            self.form.goals = Goals(initial=sem.goal_initial, actual=sem.goal_actual)

    # ------------------------------------------------------------ indicators
    def _level1_text(self, level1: str) -> str:
        if self.spec.hierarchy != "points":
            return level1
        total = sum(i.weight for i in self.sem.indicators if i.level1 == level1)
        return f"{level1}（{pr.trim(total)}分）"

    def _rows(self) -> list[SemIndicator | tuple[str, str]]:
        """Indicators in table order; with `filler`, 无 rows for the 二级指标 a national form lists but this one lacks."""
        inds = self.sem.indicators
        if not self.spec.filler:
            return list(inds)
        rows: list[SemIndicator | tuple[str, str]] = []
        for level1, level2s in VOID_LEVEL2.items():
            for level2 in level2s:
                these = [i for i in inds if i.level1 == level1 and i.level2 == level2]
                rows += these or [(level1, level2)]
        return rows

    def indicators(self) -> None:
        spec, sheet = self.spec, self.sheet
        cols = list(spec.columns)
        labels = {**_col_labels(), **spec.col_labels}
        offset = 1 if spec.ind_label else 0
        pad = self.n - offset - len(cols)  # extra grid columns go to the last indicator column
        rows = self._rows()
        if spec.ind_label:
            sheet.add(0, "绩效指标", 1, rowspan=1 + len(rows), head=True)
        sheet.row(*[(offset + k, labels[c], 1 + (pad if k == len(cols) - 1 else 0)) for k, c in enumerate(cols)],
                  head=True)
        first = sheet.rows
        merged = spec.hierarchy in ("merged", "points")
        l1 = [r.level1 if isinstance(r, SemIndicator) else r[0] for r in rows]
        l2 = [f"{a}/{r.level2 if isinstance(r, SemIndicator) else r[1]}" for a, r in zip(l1, rows, strict=True)]
        starts1 = dict(_runs(l1)) if merged else {i: 1 for i in range(len(rows))}
        starts2 = dict(_runs(l2)) if merged else {i: 1 for i in range(len(rows))}
        if spec.page_break and len(rows) > 4:
            sheet.breaks.append(first + len(rows) - 3)
        for i, row in enumerate(rows):
            texts = self._indicator_cells(row, cols)
            for k, c in enumerate(cols):
                span = 1 + (pad if k == len(cols) - 1 else 0)
                if c == "level1" and merged:
                    if i in starts1:
                        sheet.add(offset + k, texts[c], span, rowspan=starts1[i]).role = c
                elif c == "level2" and merged:
                    if i in starts2:
                        sheet.add(offset + k, texts[c], span, rowspan=starts2[i]).role = c
                else:
                    sheet.add(offset + k, texts[c], span).role = c if isinstance(row, SemIndicator) else ""
            sheet.next_row()

    def _indicator_cells(self, row: SemIndicator | tuple[str, str], cols: list[str]) -> dict[str, str]:
        spec = self.spec
        if not isinstance(row, SemIndicator):
            texts = {c: "无" for c in cols}
            texts["level1"], texts["level2"] = self._level1_text(row[0]), row[1]
            return texts
        ind = row
        p = pr.print_indicator(ind, spec.target_style, spec.eq_prefix)
        wt, wv = pr.score(ind.weight)
        st, sv = pr.score(ind.score)
        texts = {"level1": self._level1_text(ind.level1), "level2": ind.level2, "name": ind.name, "op": p.op_cell,
                 "unit": p.unit_cell, "target": p.target, "actual": p.actual, "weight": wt, "score": st,
                 "expl": ind.explanation, "review": "", "method": "", "dev": "", "coef": "", "core": ""}
        exp = Indicator(name=ind.name, target=p.target, actual=p.actual, target_value=p.target_value,
                        actual_value=p.actual_value, weight=wv, score=sv,
                        explanation=ind.explanation if "expl" in cols else "")
        if "level1" in cols:
            exp.level1 = ind.level1
        if "level2" in cols:
            exp.level2 = ind.level2
        has_unit_col, has_op_col = "unit" in cols, "op" in cols
        exp.unit = p.unit if (has_unit_col or spec.target_style in ("suffix", "paren")) else None
        if has_unit_col and not p.unit_cell:
            exp.unit = None
        exp.operator = p.operator if (has_op_col or spec.target_style != "columns") else None  # type: ignore[assignment]
        if "review" in cols:
            rt, rv = pr.score(ind.review if ind.review is not None else ind.score)
            texts["review"], exp.review_score = rt, rv
        if "method" in cols:
            from variants_gen.pools import METHODS
            texts["method"] = exp.scoring_method = METHODS[ind.op]
        if "dev" in cols:
            dev = ind.deviation
            texts["dev"] = pr.trim(dev) if dev is not None else ""
            exp.deviation_pct = float(texts["dev"]) if texts["dev"] else None
        if "coef" in cols:
            texts["coef"] = pr.trim(ind.coef)
            exp.score_coef = float(texts["coef"])
        if "core" in cols:
            texts["core"] = "是" if ind.is_core else "否"
            exp.is_core = ind.is_core
        self.form.indicators.append(exp)
        return texts

    # ------------------------------------------------------------ totals
    def totals(self) -> None:
        spec, sheet = self.spec, self.sheet
        cols = list(spec.columns)
        offset = 1 if spec.ind_label else 0
        if spec.total in ("row", "row_empty") and "weight" in cols and "score" in cols:
            w_at, s_at = offset + cols.index("weight"), offset + cols.index("score")
            first = min(w_at, s_at)
            cells: list[tuple[int, str] | tuple[int, str, int]] = [(0, spec.total_label, first)] if first else []
            weight_total = sum(i.weight for i in self.sem.indicators) + (spec.exec_weight or 0)
            wt, wv = pr.score(weight_total)
            self.form.total_weight = wv
            st = ""
            if spec.total == "row":
                st, self.form.total_score = pr.score(self.sem.total_score, spec.score_style)
            cells += [(w_at, wt), (s_at, st)]
            if not first:
                rest = [c for c in range(self.n) if c not in (w_at, s_at)]
                cells.append((rest[0], spec.total_label))
            sheet.row(*sorted(cells, key=lambda c: c[0]))
            sheet.cells[-1].seal = True
            for cell in sheet.cells[-len(cells):]:
                cell.role = {w_at: "total_weight", s_at: "total_score"}.get(cell.col, "")
        if spec.grade:
            sheet.row((0, "评分等级", 2), (2, self.sem.grade, self.n - 2))
            self.form.grade = self.sem.grade


def _col_labels() -> dict[str, str]:
    from variants_gen.build import DEFAULT_COLS
    return DEFAULT_COLS
