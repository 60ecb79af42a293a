"""A time and memory budget per PDF page or image frame (issue 11): a hostile page must not hang or blow up the
worker. `page_budget` watches the page being read (render, OCR, grid) every `TICK` seconds from a SIGALRM timer:
past `Limits.page_seconds`, or once the process's resident memory has grown by more than `Limits.page_memory` MiB
since the page began, it raises `PageOverBudget` in the reading code; the reader leaves that page unread with an
error note and goes on with the next one. Signals reach only the main thread: elsewhere (a thread pool) the budget
is checked when the page ends. A single native call (one MuPDF render, one ONNX run) is interrupted when it returns:
`--max-pixels` bounds what one such call can be given.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from jixiao.limits import current

TICK = 0.25  # seconds between checks
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class PageOverBudget(BaseException):  # not an Exception: a library's `except Exception` must not swallow it
    """The page took longer, or grew the memory more, than its budget; the message says which (in Chinese)."""


def rss_bytes() -> int | None:
    """This process's resident memory now (Linux /proc), or None where it cannot be read."""
    try:
        with open("/proc/self/statm", "rb") as handle:
            return int(handle.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


def _check(start: float, base: int | None) -> None:
    limits = current()
    if time.monotonic() - start > limits.page_seconds:
        raise PageOverBudget(f"读取超过{limits.page_seconds}秒（--max-page-seconds）")
    now = rss_bytes()
    if base is not None and now is not None and now - base > limits.page_memory << 20:
        raise PageOverBudget(f"内存增长超过{limits.page_memory} MiB（--max-page-memory）")


@contextmanager
def page_budget() -> Iterator[None]:
    """Watch the page read inside the block (see the module docstring)."""
    start, base = time.monotonic(), rss_bytes()
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        _check(start, base)
        return

    def tick(_signum: int, _frame: FrameType | None) -> None:
        _check(start, base)

    previous = signal.signal(signal.SIGALRM, tick)
    signal.setitimer(signal.ITIMER_REAL, TICK, TICK)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


__all__ = ["TICK", "PageOverBudget", "page_budget", "rss_bytes"]
