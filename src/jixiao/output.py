"""Writing results: atomic JSON, the Markdown summary. Inputs are never modified."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from jixiao.models import Document
from jixiao.templating import environment

_env = environment("outputs")
_env.filters["cell"] = lambda v: "" if v is None else str(v).replace("|", "\\|").replace("\n", " ")


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder and rename: a crash leaves the old file or none."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def document_json(document: Document) -> str:
    return document.model_dump_json(indent=2) + "\n"


def summary_markdown(document: Document) -> str:
    """A reviewer's one-page summary of a document."""
    return _env.get_template("summary.md.j2").render(doc=document, name=Path(document.source.path).name)


def output_stem(input_path: Path, taken: set[str]) -> str:
    """`<input stem>`, made unique within a batch when two inputs share a stem."""
    stem, n = input_path.stem, 2
    while stem in taken:
        stem, n = f"{input_path.stem}-{n}", n + 1
    taken.add(stem)
    return stem
