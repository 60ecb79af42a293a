"""The word lists of the text review, read from `review_words.toml` (or $JIXIAO_REVIEW_WORDS)."""

from __future__ import annotations

import os
import re
import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TargetWords(_Strict):
    vague_words: list[str]
    direction_words: list[str]
    standard_words: list[str]
    standard_markers: list[str] = Field(default_factory=list)
    min_restated_length: int


class ActualWords(_Strict):
    qualitative_words: list[str]
    qualitative_patterns: list[str] = Field(default_factory=list)

    def states_no_value(self, actual: str) -> bool:
        return actual in self.qualitative_words or any(re.search(p, actual) for p in self.qualitative_patterns)


class NameWords(_Strict):
    level_words: list[str]
    bare_names: list[str] = Field(default_factory=list, description="level words that are a usual indicator name")
    slot_patterns: list[str]


class Family(_Strict):
    keys: list[str] = Field(description="a word of the indicator's name or 二级指标 that puts it in the family")
    words: list[str] = Field(description="words of an explanation about this family's subject")


class CommonBigrams(_Strict):
    words: list[str]


class ExplanationWords(_Strict):
    placeholders: list[str]
    cause_words: list[str]
    not_cause_words: list[str] = Field(default_factory=list, description="compounds that hold a cause word "
                                       "without giving a cause (受益, 事故)")
    remedy_words: list[str]
    complete_patterns: list[str]
    shortfall_patterns: list[str]
    min_repeat_length: int
    families: dict[str, Family]
    common_bigrams: CommonBigrams


class ReviewWords(_Strict):
    target: TargetWords
    actual: ActualWords
    names: NameWords
    explanation: ExplanationWords

    def slot_name(self, name: str) -> bool:
        return any(re.search(p, name) for p in self.names.slot_patterns)


@lru_cache(maxsize=4)
def _load(path: str | None) -> ReviewWords:
    if path:
        text = Path(path).read_text(encoding="utf-8")
    else:
        text = (resources.files("jixiao") / "checks" / "review_words.toml").read_text(encoding="utf-8")
    return ReviewWords.model_validate(tomllib.loads(text))


def review_words() -> ReviewWords:
    """The built-in lists, or a bureau's own file named by JIXIAO_REVIEW_WORDS."""
    return _load(os.environ.get("JIXIAO_REVIEW_WORDS") or None)
