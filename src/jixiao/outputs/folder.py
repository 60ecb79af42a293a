"""The output folder: one writer at a time, documents confined to it, all-or-nothing multi-file updates.

- `output_lock`: an fcntl lock on `.jixiao.lock` holding the writer's pid; a second writer is refused
  with a message naming the first.
- `member`: the document a workbook names by stem, refused when it would resolve outside the folder.
- `commit` / `recover`: every changed file is staged beside its target, a journal listing them is
  written atomically, then the files are renamed into place and the journal removed. A crash before
  the journal leaves nothing applied (the next command deletes the staged files); a crash after it
  is replayed by the next command, so an update is applied completely or not at all.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from pydantic import BaseModel, ValidationError

from jixiao.atomic import file_mode, remove_temporaries, write_atomic
from jixiao.errors import InputError
from jixiao.testhook import hook

LOCK_FILE = ".jixiao.lock"
JOURNAL_FILE = ".jixiao-journal.json"
STAGE_PREFIX = ".jixiao-staged-"
_UNSAFE_STEM = re.compile(r"[/\\\x00-\x1f\x7f]")


class FolderError(InputError):
    """The output folder is busy, or an update cannot be applied; one line, nothing changed."""


class JournalEntry(BaseModel):
    target: str
    staged: str
    sha256: str


class Journal(BaseModel):
    """An update in flight: the staged files and what they replace; `note` is for the replaying command."""

    entries: list[JournalEntry]
    note: str = ""


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def output_lock(folder: Path) -> Iterator[None]:
    """Hold the folder's writer lock (created with the folder) for the duration of the block."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_FILE
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise FolderError(f"{folder}: another jixiao process (pid {other}) is writing to this output folder; "
                              "wait for it to finish or choose another --out") from None
        try:  # the previous holder removes the file on release: lock the file that is there now
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        hook("locked")
        yield
    finally:
        path.unlink(missing_ok=True)
        os.close(fd)


def member(folder: Path, stem: str) -> Path:
    """`<folder>/<stem>.json`, or FolderError when the stem is a path or the file resolves elsewhere."""
    path = folder / f"{stem}.json"
    if (not stem or stem in (".", "..") or stem.startswith(".") or _UNSAFE_STEM.search(stem)
            or path.is_symlink() or path.resolve().parent != folder.resolve()):
        raise FolderError(f"“{stem!r}” is not a document of {folder} (a path, .., a symlink or a hidden name): "
                          "refused, nothing was changed")
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


Content = str | Callable[[IO[bytes]], None]  # a file's text, or what writes its bytes (a document streamed)


def commit(folder: Path, changes: list[tuple[Path, Content]], note: str = "") -> None:
    """Replace every (target, content) of the folder together: all applied, or (after a crash) none or all."""
    token = secrets.token_hex(4)
    entries = []
    for n, (target, content) in enumerate(changes):
        staged = folder / f"{STAGE_PREFIX}{token}-{n}.tmp"
        fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, file_mode(target))
        with os.fdopen(fd, "wb") as handle:
            if isinstance(content, str):
                handle.write(content.encode("utf-8"))
            else:
                content(handle)
            handle.flush()
            os.fsync(handle.fileno())
        entries.append(JournalEntry(target=target.name, staged=staged.name, sha256=_sha256(staged)))
        hook("commit-staged")
    write_atomic(folder / JOURNAL_FILE, Journal(entries=entries, note=note).model_dump_json(indent=2) + "\n")
    _fsync_dir(folder)
    hook("commit-journal")
    _replay(folder, entries)


def _replay(folder: Path, entries: list[JournalEntry]) -> None:
    for entry in entries:
        staged, target = folder / entry.staged, member(folder, entry.target.removesuffix(".json"))
        if staged.exists():
            os.replace(staged, target)
        elif not target.is_file() or _sha256(target) != entry.sha256:
            raise FolderError(f"{folder}: an interrupted update cannot be completed: {entry.target} was changed "
                              f"meanwhile; the journal {JOURNAL_FILE} is kept for inspection")
        hook("commit-replaced")
    _fsync_dir(folder)
    (folder / JOURNAL_FILE).unlink(missing_ok=True)
    _fsync_dir(folder)


def recover(folder: Path) -> Journal | None:
    """Finish or undo what a crashed command left in the folder; the replayed journal, if any."""
    if not folder.is_dir():
        return None
    journal: Journal | None = None
    path = folder / JOURNAL_FILE
    if path.exists():
        try:
            journal = Journal.model_validate_json(path.read_bytes())
        except (ValidationError, ValueError) as exc:
            raise FolderError(f"{path}: unreadable update journal ({str(exc).splitlines()[0]}); "
                              "nothing was changed") from None
        _replay(folder, journal.entries)
    for leftover in folder.glob(f"{STAGE_PREFIX}*"):
        with contextlib.suppress(OSError):
            leftover.unlink()
    remove_temporaries(folder)
    return journal
