"""Gaps: what the rule parser could not settle, handed to the LLM layer as narrow requests."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from jixiao.layout import Cell


class Gap(BaseModel):
    kind: Literal["indicator_row", "header"]
    form: int
    indicator: int | None = Field(None, description="indicator to complete, or the position to insert at")
    insert: bool = Field(False, description="True: the row produced no indicator; insert one")
    columns: list[str] = Field(default_factory=list, description="the table's header cells, for context")
    cells: list[Cell] = Field(description="the cells of the section, numbered by their position in this list")
    page: int = 1
    line: int | None = None
    reason: str
