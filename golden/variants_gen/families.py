"""Layout families: how provinces, departments and funds lay out the same self-evaluation.

Each family is a `Spec` modelled on a published template's arrangement (the wording of labels,
which blocks exist, where the year and the points sit, which columns the indicator table has);
`make_form` draws its content. Family names say what the arrangement is modelled on.
"""

from __future__ import annotations

import random
from dataclasses import replace

from variants_gen.build import Spec
from variants_gen.table import TextStyle

THREE = ("level1", "level2", "name", "target", "actual", "weight", "score", "expl")


def _families() -> dict[str, Spec]:
    f: dict[str, Spec] = {}
    # 财预〔2020〕10号 附件1: title, （2023年度）, 项目资金（万元） spanning its header and value rows
    f["national"] = Spec("national", text=TextStyle(split_span_labels=True))
    # 四川: 指标性质 and 度量单位 columns, bare numbers as targets, 评分等级
    f["sichuan"] = Spec("sichuan", year_mode="spaced", columns=("level1", "level2", "name", "op", "unit", "target",
                        "actual", "weight", "score", "expl"), col_labels={"unit": "度量单位"}, target_style="columns",
                        grade=True)
    # 湖北: 预算执行 20 分, the block title carries the unit and the points, (A)/(B)/(B/A), 得分（20分*执行率）
    f["hubei"] = Spec("hubei", year_mode="title", header="outside", funds="block", fund_kinds=("total", "fiscal", "other"),
                      exec_weight=20.0, goals="rows", ind_label=False, total_label="合计",
                      col_labels={"target": "年度指标值", "actual": "全年实际值"})
    # 北京: labels above their values, 得分计算方法, level names repeated on every row, 执行率 as a bare number
    f["beijing"] = Spec("beijing", header="above", header_rows=[["project_name", "project_code", "department",
                        "implementing_unit"]], rate="num", columns=("level1", "level2", "name", "target", "actual",
                        "weight", "score", "method", "expl"), hierarchy="repeat", grade=True)
    # 重庆: label/value pairs several per row, 资金情况, 偏离度/得分系数/是否核心指标, 自评总分 in the header
    f["chongqing"] = Spec("chongqing", title="二级项目绩效自评表", year_mode="title",
                          header_rows=[["project_name", "project_code", "total_score"],
                                       ["department", "finance_office", "contact", "phone"]],
                          labels={"department": "项目主管部门", "contact": "部门联系人"}, funds="chongqing",
                          fund_kinds=("total", "fiscal", "general_budget"), rate="num", goals="three",
                          columns=("name", "unit", "op", "target", "actual", "dev", "coef", "weight", "score", "core",
                                   "expl"),
                          col_labels={"name": "指标名称", "target": "指标值", "actual": "全年完成值", "weight": "指标权重",
                                      "score": "指标得分", "expl": "说明"},
                          hierarchy="none", ind_label=False, target_style="columns", total="header")
    # 上海: 财政项目支出绩效自评表, =100.00(%) targets, 评分等级
    f["shanghai"] = Spec("shanghai", title="财政项目支出绩效自评表", year_mode="spaced", rate="num", rate_all_rows=True,
                         ind_label=False, target_style="paren", grade=True, score_style="fixed", money="plain")
    # 衔接资金: 分值 as the first column, 指标值(A)/实际完成值(B), 自评分 + 复核分, 得分计算方法
    f["xianjie"] = Spec("xianjie", title="衔接资金项目绩效自评表", year_mode="title", header="inline",
                        header_rows=[["project_name", "project_code"], ["department", "implementing_unit"]],
                        funds="simple", fund_kinds=("total", "fiscal", "other"), goals="rows",
                        columns=("weight", "level1", "level2", "name", "target", "actual", "score", "review", "method",
                                 "expl"),
                        col_labels={"weight": "分值(分)", "target": "指标值(A)", "actual": "实际完成值(B)",
                                    "score": "自评分",
                                    "expl": "未完成原因分析"},
                        hierarchy="repeat", ind_label=False, total_label="合计")
    # 中央部门: 主管部门及代码, 无 filler rows for unused 二级指标
    f["central"] = Spec("central", labels={"department": "主管部门及代码"}, filler=True,
                        text=TextStyle(split_span_labels=True, keep_covered=False))
    # 部门整体: 部门（单位）名称, funds by 收入性质 and 支出性质, a long table continued on a new page
    f["department"] = Spec("department", title="部门整体支出绩效自评表", header_rows=[["department"]],
                           labels={"department": "部门（单位）名称"}, funds="split", department_form=True,
                           page_break=True)
    # 云南: one level (一级指标 only), 评价标准, only 预算数/执行数, 执行率 as a ratio, 年度：2023
    f["yunnan"] = Spec("yunnan", year_mode="field", funds="simple", fund_kinds=("total", "fiscal", "other"),
                       rate="ratio", header_rows=[["project_name"], ["department", "implementing_unit"]],
                       labels={"implementing_unit": "项目单位"},
                       columns=("level1", "name", "op", "target", "unit", "weight", "actual", "score", "method"),
                       col_labels={"name": "指标名称", "method": "评价标准", "weight": "指标权重", "actual": "全年完成值"},
                       target_style="columns", ind_label=False, total_label="合计")
    # 湖南: 产出指标（50分） level names, 执行率 on every fund row, a totals row with 100 and no score
    f["hunan"] = Spec("hunan", labels={"implementing_unit": "预算单位"}, rate_all_rows=True, hierarchy="points",
                      total="row_empty")
    # 山西: 填报单位（盖章） above the table, 年度：2023, 预算执行 block with 得分（10分*执行率）
    f["shanxi"] = Spec("shanxi", year_mode="field", header="outside",
                       header_rows=[["implementing_unit"], ["project_name", "department"]],
                       labels={"implementing_unit": "填报单位（盖章）"}, funds="block",
                       fund_kinds=("total", "fiscal", "other"), ind_label=False, hierarchy="repeat")
    # 安徽: 项目实施单位, 分值 before the targets, 执行率 as a whole percent
    f["anhui"] = Spec("anhui", labels={"implementing_unit": "项目实施单位"}, rate="int",
                      columns=("level1", "level2", "name", "weight", "target", "actual", "score", "expl"),
                      col_labels={"target": "预期指标值", "actual": "实际完成值"})
    # 宁夏 转移支付: no 执行率 points, amounts printed with 万元, indicator points add up to 100
    f["ningxia"] = Spec("ningxia", year_mode="spaced", money="suffix", exec_weight=None, filler=True,
                        text=TextStyle(split_span_labels=True, markdown_title=True))
    # 重庆 (区县 workbook): 指标类型 + 评价标准, 全年预算数(A)/全年执行数(B), 执行率 as 0.88
    f["chongqing_typed"] = Spec("chongqing_typed", year_mode="title", funds="block",
                                fund_kinds=("total", "fiscal", "other"), rate="ratio", goals="rows",
                                columns=("level1", "name", "op", "target", "unit", "weight", "actual", "score", "method"),
                                col_labels={"level1": "指标类型", "name": "指标名称", "target": "指标值",
                                            "weight": "指标权重",
                                            "actual": "全年完成值", "score": "得分", "method": "评价标准"},
                                target_style="columns", ind_label=False, total_label="合计")
    # 河北: every header pair in one row, 预算部门、单位名称, 计量单位 column with ≥95 targets, 执行率 on each row
    f["hebei"] = Spec("hebei", year_mode="title", header="inline",
                      header_rows=[["project_name", "department", "contact", "phone"]],
                      labels={"department": "预算部门、单位名称", "contact": "项目负责人"}, rate_all_rows=True,
                      columns=("level1", "level2", "name", "unit", "target", "actual", "weight", "score", "expl"),
                      col_labels={"expl": "未完成原因分析及改进措施"}, target_style="unitcol", ind_label=False,
                      eq_prefix=True)
    # 江苏 (江苏省财政厅 绩评基表-1, 一、项目基本情况): label left of value, 项目实施单位, 联系人/电话/手机 in one row,
    # 地址/邮编 in another — labels the contract has no field for. Only that header block was found in the stored
    # corpus; the tables below it are the national arrangement.
    f["jiangsu"] = Spec("jiangsu", header_rows=[["project_name"], ["implementing_unit", "department"],
                                                 ["contact", "phone", "mobile"], ["address", "postcode"]],
                        labels={"implementing_unit": "项目实施单位", "department": "项目主管部门", "phone": "电话"})
    # 广东 (a county 项目支出绩效自评报告 cover): 评价年度：2022 and 预算部门单位（公章）：… printed above the table.
    # Only those lines were found in the stored corpus; the table is the national arrangement.
    f["guangdong"] = Spec("guangdong", year_mode="field", header="outside",
                          header_rows=[["project_name"], ["department"]],
                          labels={"year": "评价年度", "department": "预算部门单位（公章）"})
    return f


FAMILIES = _families()


def spec_for(family: str, rng: random.Random) -> Spec:
    """The family's spec with the exporter's habits varied per form (covered fields kept or not, trimming)."""
    base = FAMILIES[family]
    text = replace(base.text, keep_covered=rng.random() < 0.6 if family != "central" else False, trim=rng.random() < 0.7)
    money = base.money
    if money == "plain":
        money = rng.choice(["plain", "plain", "trim"])
    return replace(base, text=text, money=money)

