"""Test-only pause and crash points, so tests can stop a run where a real crash could.

Off unless JIXIAO_TEST_HOOK is set: `point:pause=SECONDS`, `point:kill` (SIGKILL, as `kill -9` would)
or `point#N:kill` (the Nth time the point is reached), several separated by commas. Never set it in
production; it exists so that the all-or-nothing guarantees have tests that can fail.
"""

from __future__ import annotations

import os
import signal
import time

ENV = "JIXIAO_TEST_HOOK"
_seen: dict[str, int] = {}


def hook(point: str) -> None:
    spec = os.environ.get(ENV)
    if not spec:
        return
    _seen[point] = _seen.get(point, 0) + 1
    for item in spec.split(","):
        name, _, action = item.strip().partition(":")
        where, _, nth = name.partition("#")
        if where != point or (nth and int(nth) != _seen[point]):
            continue
        if action == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        elif action.startswith("pause="):
            time.sleep(float(action.removeprefix("pause=")))
