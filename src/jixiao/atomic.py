"""The one atomic writer: every output is written to a temporary file beside its target and renamed into place,
so a crash leaves the old file or the new one, never half of one. Files follow the user's umask."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from jixiao.testhook import hook

TEMP_PREFIX = ".jixiao-tmp-"  # short: any target name fits; a later command sweeps leftovers (folder.py),
#                              and a pool whose workers were killed mid-write (pool.py)
_umask: int | None = None


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


@contextmanager
def atomic_target(path: Path, suffix: str = ".tmp") -> Iterator[Path]:
    """A temporary path to write `path`'s new content to (by a library that saves to a path); renamed on success."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=suffix, dir=path.parent)
    try:
        os.fchmod(fd, file_mode(path))
        os.close(fd)
        yield Path(tmp)
        hook("atomic-written")
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write text (UTF-8, \\n line ends) or bytes atomically."""
    with atomic_target(path) as tmp:
        if isinstance(text, bytes):
            tmp.write_bytes(text)
        else:
            tmp.write_text(text, encoding="utf-8", newline="\n")


def remove_temporaries(folder: Path) -> None:
    """Delete the temporary files a killed writer left in `folder` (call only while nothing writes there)."""
    for leftover in folder.glob(f"{TEMP_PREFIX}*"):
        with contextlib.suppress(OSError):
            leftover.unlink()
