"""Content-addressed cache of LLM replies: key = sha256(model, mode, prompt, schema)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from jixiao.atomic import write_atomic


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "jixiao" / "llm"


def cache_key(model: str, mode: str, messages: list[dict[str, str]], schema: dict[str, object]) -> str:
    payload = json.dumps({"model": model, "mode": mode, "messages": messages, "schema": schema},
                         ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class ReplyCache:
    """One JSON file per reply, written atomically; safe to share between processes."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> str | None:
        path = self._path(key)
        try:
            return str(json.loads(path.read_text(encoding="utf-8"))["content"])
        except (OSError, ValueError, KeyError):
            return None

    def put(self, key: str, content: str) -> None:
        write_atomic(self._path(key), json.dumps({"content": content}, ensure_ascii=False))
