"""Input limits (docs/cli.md): what one input may hold before it is refused with a one-line error naming the limit.

Set by `--max-pages`, `--max-pixels`, `--max-cells`, `--max-forms`, `--max-page-seconds`, `--max-page-memory` or
JIXIAO_MAX_PAGES / _PIXELS / _CELLS / _FORMS / _PAGE_SECONDS / _PAGE_MEMORY,
checked when the command starts (exit 2 naming the setting). The run's limits travel in `RunOptions`; the stage
that reads an input (ingest, the pipeline) asks `current()`, which `use` sets for the input being read.
"""

from __future__ import annotations

import os
from contextvars import ContextVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

ENV = {"max_pages": "JIXIAO_MAX_PAGES", "max_pixels": "JIXIAO_MAX_PIXELS", "max_cells": "JIXIAO_MAX_CELLS",
       "max_forms": "JIXIAO_MAX_FORMS", "page_seconds": "JIXIAO_MAX_PAGE_SECONDS",
       "page_memory": "JIXIAO_MAX_PAGE_MEMORY"}
OPTION = {"max_pages": "--max-pages", "max_pixels": "--max-pixels", "max_cells": "--max-cells",
          "max_forms": "--max-forms", "page_seconds": "--max-page-seconds", "page_memory": "--max-page-memory"}


class Limits(BaseModel):
    """What one input may hold."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_pages: int = Field(500, ge=1, description="pages of a PDF, frames of an image")
    max_pixels: int = Field(60_000_000, ge=1_000_000, description="pixels of a page or frame (~A2 at 300 dpi)")
    max_cells: int = Field(200_000, ge=1_000, description="cells of a workbook's sheets")
    max_forms: int = Field(100_000, ge=1, description="forms of one input (a text dump of many forms)")
    page_seconds: int = Field(120, ge=1, description="seconds one PDF page or image frame may take to read (render, "
                              "OCR); past it the page is left unread with an error finding")
    page_memory: int = Field(2048, ge=64, description="MiB the worker's memory may grow while it reads one page")


class LimitError(ValueError):
    """A limit setting that is not valid; the message names it."""


def limits_from(options: dict[str, int | None]) -> Limits:
    """The limits of the command line (`options`: a value per field, None when not given), else the environment,
    else the defaults. Raises `LimitError` naming the setting."""
    values: dict[str, int] = {}
    for field, env in ENV.items():
        given = options.get(field)
        name = OPTION[field]
        if given is None and os.environ.get(env, "").strip():
            name = env
            try:
                given = int(os.environ[env].replace("_", ""))
            except ValueError:
                raise LimitError(f"{env}={os.environ[env]!r} is not a whole number") from None
        if given is not None:
            values[field] = given
            try:
                Limits(**{field: given})
            except ValidationError as exc:
                raise LimitError(f"{name}={given}: {exc.errors()[0]['msg']}") from None
    return Limits(**values)


_current: ContextVar[Limits] = ContextVar("jixiao_limits", default=Limits())  # noqa: B039  frozen


def current() -> Limits:
    """The limits of the input being read."""
    return _current.get()


def use(limits: Limits) -> None:
    """Make `limits` the current ones (for this thread or task, and what it starts)."""
    _current.set(limits)


__all__ = ["ENV", "OPTION", "LimitError", "Limits", "current", "limits_from", "use"]
