"""Prompt templates: jinja2 files in prompts/, rendered with StrictUndefined.

Search order: $JIXIAO_PROMPTS_DIR (a bureau's own wording), the package's `jixiao/prompts`
(installed wheel), the repository's `prompts/` (editable install).
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined


def prompt_dirs() -> list[Path]:
    dirs: list[Path] = []
    if override := os.environ.get("JIXIAO_PROMPTS_DIR"):
        dirs.append(Path(override))
    package = Path(__file__).resolve().parent.parent / "prompts"
    repo = Path(__file__).resolve().parents[3] / "prompts"
    dirs += [d for d in (package, repo) if d.is_dir()]
    return dirs


@lru_cache(maxsize=8)
def _environment(dirs: tuple[Path, ...]) -> Environment:
    return Environment(loader=FileSystemLoader([str(d) for d in dirs]), undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, autoescape=False)


def render(template: str, **variables: Any) -> tuple[str, str]:
    """(rendered text, sha256 of the template source). A missing variable raises."""
    env = _environment(tuple(prompt_dirs()))
    source, _, _ = env.loader.get_source(env, template)  # type: ignore[union-attr]
    text = env.get_template(template).render(**variables)
    return text, hashlib.sha256(source.encode("utf-8")).hexdigest()
