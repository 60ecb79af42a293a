"""The one template loader: prompts, draft templates, the HTML report, the Markdown summary and the Word reports.

Templates ship inside the package, each group beside the code that uses it:

- `prompts`            jixiao/prompts/            override: $JIXIAO_PROMPTS_DIR (a bureau's own prompt wording)
- `drafts`             jixiao/drafts/templates/   override: $JIXIAO_TEMPLATES_DIR/drafts
- `outputs`            jixiao/outputs/templates/  override: $JIXIAO_TEMPLATES_DIR/outputs
                       (text templates, and the Word templates form_report.docx / batch_report.docx)

An override folder is searched first, template by template. Every environment uses StrictUndefined
(a missing variable raises) and escapes HTML in templates whose name contains `.html`.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from jixiao.domain.codes import label
from jixiao.domain.format import fmt, plain

Group = Literal["prompts", "drafts", "outputs"]
_PACKAGE = Path(__file__).resolve().parent
_FOLDERS: dict[str, Path] = {"prompts": _PACKAGE / "prompts", "drafts": _PACKAGE / "drafts" / "templates",
                             "outputs": _PACKAGE / "outputs" / "templates"}


def template_dirs(group: Group) -> list[Path]:
    """Where templates of `group` are looked up, first match wins."""
    dirs: list[Path] = []
    if group == "prompts":
        if override := os.environ.get("JIXIAO_PROMPTS_DIR"):
            dirs.append(Path(override))
    elif override := os.environ.get("JIXIAO_TEMPLATES_DIR"):
        dirs.append(Path(override) / group)
    return [*[d for d in dirs if d.is_dir()], _FOLDERS[group]]


def _escaped(name: str | None) -> bool:
    return name is not None and ".html" in name


@lru_cache(maxsize=16)
def _environment(dirs: tuple[Path, ...], variant: str) -> Environment:
    env = Environment(loader=FileSystemLoader([str(d) for d in dirs]), undefined=StrictUndefined,
                      autoescape=_escaped, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["num"] = lambda v: "—" if v is None else fmt(v)
    env.filters["amount"] = lambda v: "—" if v is None else fmt(v, 6)
    env.filters["plain"] = plain
    env.filters["label"] = label
    return env


def environment(group: Group, variant: str = "") -> Environment:
    """The environment of a template group; a `variant` gets an environment of its own (e.g. Markdown, whose
    finalize makes form text inert)."""
    return _environment(tuple(template_dirs(group)), variant)


def template_file(group: Group, name: str) -> Path:
    """The file of a binary template (a Word .docx holding jinja2 tags), override folder first."""
    for folder in template_dirs(group):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"template {name} not found in {', '.join(map(str, template_dirs(group)))}")


class _CompiledOnce(Environment):
    """`from_string` compiles each distinct source once (docxtpl renders a template's XML parts from strings)."""

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Any:
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        key = hashlib.sha256(source.encode("utf-8")).hexdigest()
        cache: dict[str, Any] = self.__dict__.setdefault("_compiled", {})
        if key not in cache:
            if len(cache) > 64:
                cache.clear()
            cache[key] = super().from_string(source)
        return cache[key]


@lru_cache(maxsize=4)
def _markup_environment(dirs: tuple[Path, ...]) -> Environment:
    env = _CompiledOnce(undefined=StrictUndefined, autoescape=True)
    env.filters["num"] = lambda v: "—" if v is None else fmt(v)
    env.filters["plain"] = plain
    env.filters["label"] = label
    return env


def markup_environment(group: Group) -> Environment:
    """An environment for templates that are markup themselves (the XML inside a Word template): every value is
    escaped, a missing variable raises; no whitespace trimming (it would change the document's text)."""
    return _markup_environment(tuple(template_dirs(group)))


def render(group: Group, name: str, /, **variables: Any) -> str:
    """The rendered template; a missing variable raises."""
    return environment(group).get_template(name).render(**variables)


def render_with_sha(group: Group, name: str, /, **variables: Any) -> tuple[str, str]:
    """(rendered text, sha256 of the template source): provenance of an LLM value names the prompt it came from."""
    env = environment(group)
    source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
    return env.get_template(name).render(**variables), hashlib.sha256(source.encode("utf-8")).hexdigest()
