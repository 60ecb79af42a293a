"""`--jobs N`: inputs processed in worker processes, outcomes handed back in input order.

Each worker streams its input through the stages into a copy of the run's writer (every file written
atomically, as a serial run writes it) and hands back the outcome and what the writer kept (the review pack's
summaries), which the parent takes in input order: a pooled run writes the serial run's files, byte for byte,
and logs in the same order. A worker that dies (SIGKILL, the out-of-memory killer) breaks the pool: the inputs
it had started are re-run one at a time in a fresh worker, so only the input that kills its worker again is
reported failed, and the others go on in a new pool. Workers are recycled after `RECYCLE_AFTER` inputs (memory
a library keeps is given back), run the OCR models on one thread each, and share one LLM request gate (a
semaphore of `JIXIAO_LLM_CONCURRENCY` across all workers) and the LLM reply cache (one file per reply, written
atomically: safe across processes).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Generator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import suppress
from multiprocessing.sharedctypes import SynchronizedArray
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from jixiao.atomic import remove_temporaries
from jixiao.checks import RuleProfile
from jixiao.layouts import LayoutStore
from jixiao.limits import Limits
from jixiao.llm.config import LlmConfig
from jixiao.pipeline import Outcome, RunOptions
from jixiao.testhook import hook

RECYCLE_AFTER = 50  # inputs per worker before it is replaced
WINDOW = 2  # inputs submitted ahead per worker (bounds the outcomes held in memory)
_WAITING, _STARTED, _DONE = 0, 1, 2
_ENV_PREFIXES = ("JIXIAO_", "XDG_CACHE_HOME")


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


class WorkerSetup(BaseModel):
    """What a worker needs to rebuild the run's `RunOptions` (no live objects: it is pickled)."""

    model_config = ConfigDict(frozen=True)

    profile: RuleProfile | None
    llm: LlmConfig | None
    concurrency: int
    draft: bool
    limits: Limits = Field(default_factory=Limits)
    layouts: str | None = Field(None, description="the layout store's file (learned layouts apply in every worker)")
    env: dict[str, str] = {}  # the run's JIXIAO_* settings (a forkserver keeps the environment it started with)


def worker_setup(options: RunOptions) -> WorkerSetup | None:
    """The setup of `options`, or None when its LLM service cannot be rebuilt in another process."""
    config = getattr(options.llm, "config", None)
    if options.llm is not None and not isinstance(config, LlmConfig):
        return None
    return WorkerSetup(profile=options.profile, llm=config, concurrency=options.concurrency, draft=options.draft,
                       limits=options.limits, layouts=None if options.layouts is None else str(options.layouts.path),
                       env={k: v for k, v in os.environ.items() if k.startswith(_ENV_PREFIXES)})


def worker_options(setup: WorkerSetup, gate: Any) -> RunOptions:
    """`RunOptions` rebuilt in a worker; its LLM requests pass `gate`, shared by every worker."""
    service = None
    if setup.llm is not None:
        from jixiao.llm.client import InstructorService

        service = InstructorService(setup.llm)
        if gate is not None:
            service.gate = gate
    return RunOptions(profile=setup.profile, llm=service, concurrency=setup.concurrency, draft=setup.draft,
                      limits=setup.limits, layouts=None if setup.layouts is None else LayoutStore(Path(setup.layouts)))


_options: RunOptions | None = None
_state: Any = None


def _die_with_parent() -> None:
    """Linux: this worker gets SIGKILL when the process that started it ends (a killed run leaves no orphans)."""
    with suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def apply_env(setup: WorkerSetup) -> None:
    """The run's JIXIAO_* settings in this worker's environment, and no others."""
    for name in [k for k in os.environ if k.startswith(_ENV_PREFIXES)]:
        del os.environ[name]
    os.environ.update(setup.env)


def _start_worker(setup: WorkerSetup, gate: Any, state: SynchronizedArray[int]) -> None:
    global _options, _state
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    apply_env(setup)
    _options = worker_options(setup, gate)
    _state = state


Handle = Callable[[Path, str, Path, RunOptions, Any], Outcome]  # batch.handle: read, stream, write one input


def _work(index: int, path: str, stem: str, out_dir: str, writer: Any, handle: Handle) -> tuple[Outcome, Any]:
    assert _options is not None and _state is not None
    _state[index] = _STARTED
    hook(f"worker-{Path(path).name}")
    outcome = handle(Path(path), stem, Path(out_dir), _options, writer)
    _state[index] = _DONE
    return outcome, writer


def _absorb(writer: Any, used: Any) -> None:
    """What a worker's copy of the writer kept (RunWriter: summaries for the pack), taken into the run's writer."""
    merge = getattr(writer, "merge", None)
    if callable(merge):
        merge(used)


def _died(path: Path) -> Outcome:
    return Outcome(path=str(path), error=f"{path}: the worker process reading it died (killed, or out of memory); "
                                         "not processed")


def _forget_inherited_forkserver() -> None:
    """After os.fork: the parent's forkserver is not this process's child; start an own one when needed."""
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    for name in ("_forkserver_pid", "_forkserver_address", "_forkserver_alive_fd"):
        if server is not None and hasattr(server, name):
            setattr(server, name, None)


os.register_at_fork(after_in_child=_forget_inherited_forkserver)


class _Pool:
    """One batch's worker processes; replaced when a worker dies."""

    def __init__(self, items: list[tuple[Path, str]], setup: WorkerSetup, jobs: int, out_dir: Path, writer: Any,
                 handle: Handle) -> None:
        self.items, self.setup, self.jobs = items, setup, jobs
        self.task = (str(out_dir), writer, handle)
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload(["jixiao.pipeline"])  # workers start from a warm interpreter
        self.state: SynchronizedArray[int] = self.context.Array("b", len(items), lock=False)
        self.todo: deque[int] = deque(range(len(items)))
        self.running: dict[int, Future[tuple[Outcome, Any]]] = {}
        self.ready: dict[int, tuple[Outcome, Any]] = {}
        self.executor = self._executor(jobs)

    def _executor(self, workers: int) -> ProcessPoolExecutor:
        gate = self.context.BoundedSemaphore(self.setup.llm.concurrency if self.setup.llm else 1)
        return ProcessPoolExecutor(max_workers=workers, mp_context=self.context, max_tasks_per_child=RECYCLE_AFTER,
                                   initializer=_start_worker, initargs=(self.setup, gate, self.state))

    def _submit(self) -> None:
        while self.todo and len(self.running) + len(self.ready) < self.jobs * WINDOW:
            index = self.todo[0]
            self.running[index] = self._submit_one(self.executor, index)  # raises when broken
            self.todo.popleft()

    def _submit_one(self, executor: ProcessPoolExecutor, index: int) -> Future[tuple[Outcome, Any]]:
        path, stem = self.items[index]
        return executor.submit(_work, index, str(path), stem, *self.task)

    def outcome(self, index: int) -> tuple[Outcome, Any]:
        while index not in self.ready:
            try:
                self._submit()
                outcome = self.running[index].result()
            except BrokenProcessPool:
                self._recover()
                continue
            del self.running[index]
            self.ready[index] = outcome
        return self.ready.pop(index)

    def _recover(self) -> None:
        """A worker died: keep what finished, isolate what had started, queue the rest again."""
        self.executor.shutdown(wait=True, cancel_futures=True)
        remove_temporaries(Path(self.task[0]))  # the broken pool terminated the other workers, perhaps mid-write
        suspects: list[int] = []
        again: list[int] = []
        for index, future in sorted(self.running.items()):
            if future.done() and not future.cancelled() and future.exception() is None:
                self.ready[index] = future.result()
            elif self.state[index] == _STARTED:
                suspects.append(index)
            else:
                again.append(index)
        self.running.clear()
        for index in suspects:  # alone in a fresh worker: only the input that kills it again fails
            self.state[index] = _WAITING
            alone = self._executor(1)
            try:
                self.ready[index] = self._submit_one(alone, index).result()
            except BrokenProcessPool:
                self.ready[index] = (_died(self.items[index][0]), None)
            finally:
                alone.shutdown(wait=True)
        self.todo.extendleft(reversed(again))
        self.executor = self._executor(self.jobs)

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


def pooled(items: list[tuple[Path, str]], out_dir: Path, options: RunOptions, writer: Any,
           handle: Handle) -> Generator[Outcome, None, None]:
    """Outcomes of `items` (input, output stem) in input order, each written by `handle` into `writer`: as Ray tasks
    (`options.ray`), or `options.jobs` at once in worker processes (in this process when one job or one input, or
    when the LLM service cannot be rebuilt in a worker)."""
    if options.ray is not None and items:
        from jixiao.cluster import ray_outcomes

        yield from ray_outcomes(items, out_dir, options, writer)
        return
    setup = worker_setup(options) if options.jobs > 1 and len(items) > 1 else None
    if setup is None:
        yield from (handle(path, stem, out_dir, options, writer) for path, stem in items)
        return
    say = getattr(options.llm, "announce_endpoint", None)
    if callable(say):
        say()  # the workers say nothing: the endpoint is named once, here
    pool = _Pool(items, setup, min(options.jobs, len(items)), out_dir, writer, handle)
    try:
        for index in range(len(items)):
            outcome, used = pool.outcome(index)
            if used is not None:
                _absorb(writer, used)
            yield outcome
    finally:
        pool.close()
