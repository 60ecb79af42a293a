"""Writing results: atomic JSON, the Markdown summary. Inputs are never modified."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from jixiao.checks.base import fmt
from jixiao.models import Document

_env = Environment(loader=PackageLoader("jixiao", "templates"), undefined=StrictUndefined,
                   trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, autoescape=False)
_env.filters["num"] = lambda v: "—" if v is None else fmt(v)
_env.filters["amount"] = lambda v: "—" if v is None else fmt(v, 6)
_env.filters["cell"] = lambda v: "" if v is None else str(v).replace("\r", " ").replace("\n", " ")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}#|!~])")
TEMP_PREFIX = ".jixiao-tmp-"
_umask: int | None = None


def markdown_text(value: object) -> str:
    """Form text as inert Markdown: no HTML tags, links, emphasis or table breaks of its own."""
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


_env.finalize = lambda v: "" if v is None else markdown_text(v)


def file_mode(path: Path) -> int:
    """The mode a rewritten file keeps, or the user's umask applied to 0666 for a new one."""
    global _umask
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        pass
    if _umask is None:
        _umask = os.umask(0o022)
        os.umask(_umask)
    return 0o666 & ~_umask


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write via a temporary file in the same folder and rename: a crash leaves the old file or none."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=path.parent)  # short: any name fits
    try:
        os.fchmod(fd, file_mode(path))
        with os.fdopen(fd, "wb") as handle:
            handle.write(text if isinstance(text, bytes) else text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def document_json(document: Document) -> str:
    return document.model_dump_json(indent=2) + "\n"


def document_bytes(document: Document) -> bytes:
    """`document_json` as UTF-8 bytes, without the str (4 bytes a character for CJK text) in between."""
    return document.__pydantic_serializer__.to_json(document, indent=2) + b"\n"


def summary_markdown(document: Document) -> str:
    """A reviewer's one-page summary of a document."""
    return _env.get_template("summary.md.j2").render(doc=document, name=Path(document.source.path).name)


def output_stem(input_path: Path, taken: set[str]) -> str:
    """`<input stem>` without control characters or a leading dot, made unique within a batch."""
    base = re.sub(r"[\x00-\x1f\x7f]", "_", input_path.stem)
    base = "_" + base[1:] if base.startswith(".") else base
    stem, n = base, 2
    while stem in taken:
        stem, n = f"{base}-{n}", n + 1
    taken.add(stem)
    return stem
