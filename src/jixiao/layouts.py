"""Layout memory: column mappings the LLM produced and the checks confirmed, reused by the rules.

A learned layout is data, never code: the normalised header cells of an indicator table (its
signature) and, per header cell, the schema field the column holds (or none). The rules apply a
stored mapping to every later table with that signature, in this batch and in later runs, without
asking a model. The store is one JSON file under the cache folder, validated on load; a corrupt or
foreign file is ignored with a warning (never a crash) and replaced by the next confirmed mapping.
`jixiao layouts list|export|import` shares it between machines.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, model_validator

from jixiao.atomic import write_atomic
from jixiao.domain.vocabulary import header_key

ColumnField = Literal["level1", "level2", "name", "unit", "operator", "target", "actual", "weight", "score",
                      "explanation", "scoring_method", "deviation_pct", "score_coef", "is_core", "review_score"]
COLUMN_FIELDS: tuple[str, ...] = ColumnField.__args__  # type: ignore[attr-defined]
STORE_NAME = "layouts.json"


def signature(header: list[str]) -> str:
    """The layout's signature: sha256 of its normalised header cells, in order (16 hex digits)."""
    keys = "|".join(header_key(text) for text in header)
    return hashlib.sha256(keys.encode("utf-8")).hexdigest()[:16]


class LearnedLayout(BaseModel):
    """One learned indicator-table layout."""

    signature: str = Field(pattern=r"^[0-9a-f]{16}$")
    header: list[str] = Field(min_length=1, max_length=40, description="the header cells as printed (表头)")
    fields: list[ColumnField | None] = Field(description="the schema field of each header cell; null: not read")
    model: str | None = Field(None, description="the model that proposed the mapping")
    learned: str = Field(description="when the checks confirmed it (UTC, ISO 8601)")
    confirmed_by: str = Field(description="the arithmetic that confirmed it, e.g. Σ得分=总分")

    @model_validator(mode="after")
    def _consistent(self) -> LearnedLayout:
        if len(self.fields) != len(self.header):
            raise ValueError("fields and header differ in length")
        if signature(self.header) != self.signature:
            raise ValueError("signature does not match the header cells")
        named = [f for f in self.fields if f]
        if "name" not in named or len(named) != len(set(named)):
            raise ValueError("a mapping needs the 指标名称 column and each field at most once")
        return self


class LayoutFile(BaseModel):
    """The store's file (and the export format)."""

    format: Literal["jixiao-layouts"] = "jixiao-layouts"
    version: Literal[1] = 1
    layouts: list[LearnedLayout] = Field(default_factory=list)


def default_store_path() -> Path:
    """`layouts.json` in the cache folder (JIXIAO_CACHE_DIR, else ~/.cache/jixiao)."""
    cache = os.environ.get("JIXIAO_CACHE_DIR")
    if cache:
        return Path(cache) / STORE_NAME
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "jixiao" / STORE_NAME


def read_layout_file(path: Path) -> LayoutFile:
    """A layouts file, validated; ValueError naming the file and the cause."""
    try:
        return LayoutFile.model_validate_json(path.read_bytes())
    except OSError as exc:
        raise ValueError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "file"
        raise ValueError(f"{path}: not a jixiao layouts file ({where}: {first['msg']})") from exc


class LayoutStore:
    """The learned layouts under the cache folder; read fresh on each load (shared by processes)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_store_path()

    def load(self) -> dict[str, LearnedLayout]:
        """signature → layout; an absent store is empty, a corrupt one is ignored with a warning."""
        if not self.path.exists():
            return {}
        try:
            return {layout.signature: layout for layout in read_layout_file(self.path).layouts}
        except ValueError as exc:
            warnings.warn(f"jixiao: layout store ignored: {exc}", stacklevel=2)
            return {}

    def _write(self, layouts: dict[str, LearnedLayout]) -> None:
        data = LayoutFile(layouts=sorted(layouts.values(), key=lambda item: item.learned))
        write_atomic(self.path, json.dumps(data.model_dump(mode="json"), ensure_ascii=False, indent=1) + "\n")

    def remember(self, header: list[str], fields: list[str | None], model: str | None, confirmed_by: str) -> None:
        """Store a confirmed mapping (an existing one for the same signature is kept)."""
        layouts = self.load()
        sig = signature(header)
        if sig in layouts:
            return
        layouts[sig] = LearnedLayout.model_validate({
            "signature": sig, "header": header, "fields": fields, "model": model,
            "learned": datetime.now(UTC).isoformat(timespec="seconds"), "confirmed_by": confirmed_by})
        self._write(layouts)

    def import_file(self, path: Path) -> int:
        """Add the layouts of an exported file (validated first); returns how many were new."""
        incoming = read_layout_file(path).layouts
        layouts = self.load()
        new = [item for item in incoming if item.signature not in layouts]
        layouts.update({item.signature: item for item in new})
        self._write(layouts)
        return len(new)

    def export_file(self, path: Path) -> int:
        layouts = self.load()
        data = LayoutFile(layouts=sorted(layouts.values(), key=lambda item: item.learned))
        write_atomic(path, json.dumps(data.model_dump(mode="json"), ensure_ascii=False, indent=1) + "\n")
        return len(layouts)
