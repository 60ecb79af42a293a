"""Rule profiles: the thresholds of docs/checks.md as configuration, one TOML file per region.

A profile may `extends` another; tables are merged key by key. Built-in profiles ship in
`jixiao/profiles/`; a path to a .toml file works too.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tolerance(_Strict):
    money: float
    percent: float
    score: float


class BudgetRules(_Strict):
    execution_weight: float
    low_rate_threshold: float | None = None


class WeightRules(_Strict):
    total: float
    split: dict[str, float]


class DeviationRules(_Strict):
    threshold: float
    source: str = Field(pattern="^(printed|computed)$")


class QualitativeRules(_Strict):
    achieved: tuple[float, float]
    partial: tuple[float, float]
    not_achieved: tuple[float, float]
    achieved_words: list[str]
    partial_words: list[str]
    not_achieved_words: list[str]


class ContentRules(_Strict):
    template_text: list[str]


class RuleProfile(_Strict):
    name: str
    description: str = ""
    extends: str | None = None
    tolerance: Tolerance
    budget: BudgetRules
    weights: WeightRules
    deviation: DeviationRules
    qualitative: QualitativeRules
    grades: dict[str, float]
    content: ContentRules

    def grade_for(self, score: float) -> str:
        """评分等级 for a total score."""
        for grade, lower in sorted(self.grades.items(), key=lambda kv: -kv[1]):
            if score >= lower:
                return grade
        return min(self.grades.items(), key=lambda kv: kv[1])[0]


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and key != "split":
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def builtin_profiles() -> list[str]:
    folder = resources.files("jixiao") / "profiles"
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


def _read(name_or_path: str) -> dict[str, Any]:
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.exists():
        return tomllib.loads(path.read_text(encoding="utf-8"))
    resource = resources.files("jixiao") / "profiles" / f"{name_or_path}.toml"
    if not resource.is_file():
        raise ValueError(f"unknown rule profile {name_or_path!r}; built-in: {', '.join(builtin_profiles())}")
    return tomllib.loads(resource.read_text(encoding="utf-8"))


def load_profile(name_or_path: str = "national") -> RuleProfile:
    """Load a built-in profile by name, or a TOML file by path, resolving `extends`."""
    data = _read(name_or_path)
    seen = {data.get("name")}
    while parent := data.get("extends"):
        if parent in seen:
            raise ValueError(f"rule profile {name_or_path!r}: circular extends")
        seen.add(parent)
        base = _read(parent)
        data = _merge(base, {k: v for k, v in data.items() if k != "extends"}) | {"extends": base.get("extends")}
    return RuleProfile.model_validate(data)
