"""Prompt templates (jixiao/prompts/, or $JIXIAO_PROMPTS_DIR first), rendered by the one template loader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jixiao.templating import render_with_sha, template_dirs


def prompt_dirs() -> list[Path]:
    return template_dirs("prompts")


def render(template: str, /, **variables: Any) -> tuple[str, str]:
    """(rendered text, sha256 of the template source). A missing variable raises."""
    return render_with_sha("prompts", template, **variables)


def chat(user: str, system_template: str = "system.j2") -> list[dict[str, str]]:
    """The two messages of one request: the rendered system prompt, then the user's."""
    system, _ = render(system_template)
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]
