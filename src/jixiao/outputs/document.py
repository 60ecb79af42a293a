"""The JSON and the Markdown summary of a document (written by `jixiao.atomic`). Inputs are never modified."""

from __future__ import annotations

import re
from pathlib import Path

from jixiao.models import Document
from jixiao.outputs.jsonfile import dump
from jixiao.templating import environment

_env = environment("outputs", variant="markdown")  # its own environment: the finalize below is Markdown's
_env.filters["cell"] = lambda v: "" if v is None else str(v).replace("\r", " ").replace("\n", " ")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}#|!~])")


def markdown_text(value: object) -> str:
    """Form text as inert Markdown: no HTML tags, links, emphasis or table breaks of its own."""
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


_env.finalize = lambda v: "" if v is None else markdown_text(v)


def document_json(document: Document) -> str:
    """The document as its JSON file holds it (`outputs.jsonfile`: one list item a line, defaults left out)."""
    return dump(document).decode("utf-8")


def document_bytes(document: Document) -> bytes:
    """`document_json` as UTF-8 bytes, without the str (4 bytes a character for CJK text) in between."""
    return dump(document)


def summary_markdown(document: Document, omitted: int = 0) -> str:
    """A reviewer's one-page summary of a document (`omitted`: forms of a long input left out, said at the top)."""
    return _env.get_template("summary.md.j2").render(doc=document, name=Path(document.source.path).name,
                                                      omitted=omitted)


def output_stem(input_path: Path, taken: set[str]) -> str:
    """`<input stem>` without control characters or a leading dot, made unique within a batch."""
    base = re.sub(r"[\x00-\x1f\x7f]", "_", input_path.stem)
    base = "_" + base[1:] if base.startswith(".") else base
    stem, n = base, 2
    while stem in taken:
        stem, n = f"{base}-{n}", n + 1
    taken.add(stem)
    return stem


__all__ = ["document_bytes", "document_json", "markdown_text", "output_stem", "summary_markdown"]
