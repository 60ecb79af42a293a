"""The document JSON (docs/output.md), written part by part and read back one item at a time.

A file is one JSON object whose list items stand one to a line, so that neither writing nor reading a document of
12,000 forms holds it whole:

    {"source":{…},"status":"partial","profile":"national",
    "forms":[
    {…},
    {…}
    ],
    "findings":[
    …
    ],
    "assessments":[
    ],
    "drafts":[
    …
    ],
    "llm_usage":{…}}

Compact and lossless: values equal to their defaults are left out (pydantic exclude_defaults; `models.Provenance`
defaults to method rule, confidence 1.0), a provenance's source_text when it is the value's own text, and a draft's
facts when they are the previous draft's (`models.SAME_FACTS`). Any reader of `models.Document` reads it;
`iter_items` reads one list lazily; a JSON of another layout (an older version, a hand edit) is read whole.
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal

from pydantic import BaseModel

from jixiao.atomic import TEMP_PREFIX, atomic_target
from jixiao.models import COMPACT, SAME_FACTS, Assessment, Document, Draft, Finding, Form, LlmUsage, SourceInfo

Section = Literal["forms", "findings", "assessments", "drafts"]
SECTIONS: tuple[Section, ...] = ("forms", "findings", "assessments", "drafts")
_MODELS: dict[str, type[BaseModel]] = {"forms": Form, "findings": Finding, "assessments": Assessment, "drafts": Draft}
_HEAD = b'{"source":'
SPOOL_BYTES = 4 << 20  # per list, held in memory before it goes to a temporary file


def item_json(item: BaseModel, context: dict[str, Any] | None = None) -> bytes:
    """One list item as the file writes it: compact, defaults left out (`context`: the document's, whose "rests"
    number the forms' provenance notes across the document; none: the item stands alone)."""
    return item.__pydantic_serializer__.to_json(item, exclude_defaults=True, context=context or COMPACT)


class DocumentWriter:
    """One document's JSON, written as its parts come: each list spooled in memory up to `SPOOL_BYTES`, then to an
    unnamed temporary file in the target's folder (a 12,000-form dump stays on disk), the whole assembled into a
    temporary file and renamed into place by `finish` (a crash leaves the old JSON or none, never half of one).
    Use as a context manager; the spools go with it."""

    def __init__(self, folder: Path, source: SourceInfo, profile: str) -> None:
        self.source, self.profile = source, profile
        self.counts: dict[str, int] = dict.fromkeys(SECTIONS, 0)
        self.severities = {"error": 0, "warning": 0, "info": 0}
        self.usage = LlmUsage()
        self.ungrounded = 0  # drafts with numbers the form does not support
        self._facts: list[str] | None = None
        self._context: dict[str, Any] = {**COMPACT, "rests": []}
        self._spools: dict[str, IO[bytes]] = {  # opening four files per input cost a quarter of the text path's time
            name: tempfile.SpooledTemporaryFile(SPOOL_BYTES, dir=str(folder), prefix=TEMP_PREFIX)  # noqa: SIM115  see __exit__
            for name in SECTIONS}

    def __enter__(self) -> DocumentWriter:
        return self

    def __exit__(self, *_exc: object) -> None:
        for spool in self._spools.values():
            spool.close()

    @property
    def status(self) -> Literal["ok", "partial"]:
        return "partial" if self.severities["error"] or self.severities["warning"] else "ok"

    def add(self, part: Document) -> None:
        """A part's forms, findings, assessments and drafts (form indices already the document's), and its LLM use."""
        for name in SECTIONS:
            for item in getattr(part, name):
                self.item(name, item)
        for key in ("calls", "prompt_tokens", "completion_tokens", "cached_calls"):
            setattr(self.usage, key, getattr(self.usage, key) + getattr(part.llm_usage, key))

    def item(self, name: Section, item: BaseModel) -> None:
        data = item_json(item, self._context)
        if isinstance(item, Finding):
            self.severities[item.severity] += 1
        if isinstance(item, Draft):
            self.ungrounded += not item.grounded
            if self._facts is not None and item.facts and item.facts == self._facts:
                data = item_json(item.model_copy(update={"facts": []}))[:-1] + f',"facts":"{SAME_FACTS}"}}'.encode()
            self._facts = item.facts
        spool = self._spools[name]
        spool.write(b",\n" + data if self.counts[name] else data)
        self.counts[name] += 1

    def write_to(self, out: IO[bytes]) -> None:
        """The whole document: head, every spooled list, LLM use."""
        head = item_json(self.source)
        out.write(_HEAD + head + f',"status":"{self.status}","profile":{json.dumps(self.profile)},\n'.encode())
        for name in SECTIONS:
            out.write(f'"{name}":[\n'.encode())
            spool = self._spools[name]
            spool.flush()
            spool.seek(0)
            shutil.copyfileobj(spool, out, 1 << 20)
            spool.seek(0, io.SEEK_END)
            out.write(b"\n],\n" if self.counts[name] else b"],\n")
        out.write(b'"llm_usage":' + item_json(self.usage) + b"}\n")

    def finish(self, target: Path) -> None:
        """Write the document to `target` atomically."""
        with atomic_target(target) as tmp, tmp.open("wb") as out:
            self.write_to(out)


def dump(document: Document, folder: Path | None = None) -> bytes:
    """A document in memory as the file's bytes."""
    with DocumentWriter(folder or Path(tempfile.gettempdir()), document.source, document.profile) as writer:
        writer.add(document)
        out = io.BytesIO()
        writer.write_to(out)
    text = out.getvalue()
    if writer.status != document.status:  # the document's own status is kept (e.g. one a human set)
        text = text.replace(f'"status":"{writer.status}"'.encode(), f'"status":"{document.status}"'.encode(), 1)
    return text


class Head(BaseModel):
    """What a document JSON says before its lists."""

    source: SourceInfo
    status: Literal["ok", "partial"] = "ok"
    profile: str = "national"


def _streamable(handle: IO[bytes]) -> bytes | None:
    first = handle.readline()
    return first if first.startswith(_HEAD) and first.rstrip().endswith(b",") else None


def read_head(path: Path) -> Head:
    """The source, status and profile of a document JSON (raises OSError or ValueError)."""
    with path.open("rb") as handle:
        first = _streamable(handle)
    if first is not None:
        return Head.model_validate_json(first.rstrip()[:-1] + b"}")
    document = Document.model_validate_json(path.read_bytes())
    return Head(source=document.source, status=document.status, profile=document.profile)


def iter_items(path: Path, name: Section, raw: bool = False) -> Iterator[Any]:
    """The items of one list of a document JSON, one at a time, as models (`raw`: as the JSON's dicts, defaults
    left out; cheaper); raises OSError or ValueError."""
    model = _MODELS[name]
    with path.open("rb") as handle:
        if _streamable(handle) is None:
            document = Document.model_validate_json(path.read_bytes())
            for item in getattr(document, name):
                yield item.model_dump(mode="json") if raw else item
            return
        opening = f'"{name}":['.encode()
        for line in handle:
            if line.rstrip() == opening:
                break
        else:
            raise ValueError(f"{path}: no {name} list")
        facts: Any = []
        context: dict[str, list[Any]] = {"rests": []}  # the forms' provenance notes, numbered across the document
        for line in handle:
            line = line.rstrip()
            if line.startswith(b"]"):
                return
            text = line.removesuffix(b",")
            if name != "drafts" and not raw:
                yield model.model_validate_json(text, context=context)
                continue
            data = json.loads(text)
            if name == "drafts":
                if data.get("facts") == SAME_FACTS:
                    data["facts"] = facts
                facts = data.get("facts", [])
            yield data if raw else model.model_validate(data)
        raise ValueError(f"{path}: the {name} list is not closed")


def read_llm_usage(path: Path) -> LlmUsage:
    with path.open("rb") as handle:
        last = b""
        for line in handle:
            last = line
    if last.startswith(b'"llm_usage":'):
        return LlmUsage.model_validate_json(last.rstrip()[len(b'"llm_usage":'):-1])
    return Document.model_validate_json(path.read_bytes()).llm_usage


__all__ = ["SECTIONS", "DocumentWriter", "Head", "dump", "item_json", "iter_items", "read_head", "read_llm_usage"]
