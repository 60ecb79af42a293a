"""Gaps: what the rule parser could not settle, handed to the LLM layer as narrow requests.

Kinds: `indicator_row` (a row the rules could not split), `header` (the header block), `funds`
(the funds block: the total row and 执行率/分值/得分), `total` (the 总分 row: 总分值 and 总得分) and
`columns` (a whole indicator table whose header the rules cannot map: the model maps each column to a
field, the rules read every row).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, Field

from jixiao.layout import Cell, Row
from jixiao.models import Finding, Indicator, Provenance


class Gap(BaseModel):
    kind: Literal["indicator_row", "header", "funds", "columns", "total"]
    form: int
    indicator: int | None = Field(None, description="indicator to complete, or the position to insert at")
    insert: bool = Field(False, description="True: the row produced no indicator; insert one")
    columns: list[str] = Field(default_factory=list, description="the table's header cells, for context")
    cells: list[Cell] = Field(description="the cells of the section, numbered by their position in this list")
    rows: list[Row] = Field(default_factory=list, description="columns: every data row of the table")
    header_row: Row | None = Field(None, description="columns: the printed header row, if there is one")
    signature: str | None = Field(None, description="columns: the layout signature of the header (layout memory)")
    page: int = 1
    line: int | None = None
    reason: str


class TableRead(BaseModel):
    """What the rules read from a `columns` gap's rows under one column mapping (parse.learned.read_table)."""

    indicators: list[Indicator]
    layout: str | None = None
    provenance: dict[str, Provenance] = Field(default_factory=dict)
    findings: list[Finding] = Field(default_factory=list)


# the rules' table reader, handed to the LLM layer by the pipeline: (gap, field per column, form type) → what it read
TableReader = Callable[[Gap, list[str | None], str], TableRead]
