"""`--ray auto|ADDRESS`: each input one Ray task (ingest → parse → checks → gap-fill → drafts).

Inputs are read here, on the driver, and sent as bytes (workers need no shared filesystem); each task writes
its bytes to a private temporary folder under the input's own file name, processes it, and hands back the
outcome with the temporary path replaced by the driver's path, so the parent writes the outputs a local run
writes. A task whose worker is lost is retried (`max_retries`); one that still fails is that input's failure.
LLM requests of every task pass one semaphore actor: `JIXIAO_LLM_CONCURRENCY` requests in flight across the
cluster. Ray is optional: `pip install 'jixiao[ray]'`.
"""

from __future__ import annotations

import json
import tempfile
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jixiao.models import Document
from jixiao.output import document_bytes
from jixiao.pipeline import Outcome, RunOptions, process
from jixiao.pool import WorkerSetup, apply_env, worker_options, worker_setup

MAX_RETRIES = 2  # re-runs of a task whose worker process or node was lost
WINDOW = 4  # tasks in flight per CPU of the cluster (bounds the outcomes held on the driver)


class RayUnavailable(Exception):
    """Ray is not installed, or the cluster cannot be reached."""


def ray_module() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise RayUnavailable("--ray needs Ray: pip install 'jixiao[ray]'") from exc
    return ray


class _Gate:
    """A context manager over the cluster's semaphore actor (the `gate` of an LLM service)."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor

    def __enter__(self) -> None:
        ray_module().get(self.actor.acquire.remote())

    def __exit__(self, *_exc: object) -> None:
        self.actor.release.remote()


class _Semaphore:
    """The cluster-wide bound on LLM requests in flight (run as an async Ray actor)."""

    def __init__(self, permits: int) -> None:
        import asyncio

        self.permits = asyncio.Semaphore(permits)

    async def acquire(self) -> None:
        await self.permits.acquire()

    async def release(self) -> None:
        self.permits.release()


_built: dict[str, RunOptions] = {}


def _renamed(outcome: Outcome, temporary: str, original: str) -> Outcome:
    """The outcome as if the input had been read at `original` (the driver's path)."""
    quoted = (json.dumps(temporary)[1:-1].encode(), json.dumps(original)[1:-1].encode())
    document = outcome.document
    if document is not None:
        document = Document.model_validate_json(document_bytes(document).replace(*quoted))
    error = None if outcome.error is None else outcome.error.replace(temporary, original)
    return outcome.model_copy(update={"path": original, "document": document, "error": error})


def run_input(setup: WorkerSetup, gate: Any, name: str, original: str, data: bytes) -> Outcome:
    """One input, in a Ray worker: its bytes written under its own name, processed, paths put back."""
    key = setup.model_dump_json()
    if key not in _built:
        apply_env(setup)
        _built.clear()
        _built[key] = worker_options(setup, _Gate(gate) if gate is not None else None)
    with tempfile.TemporaryDirectory(prefix="jixiao-ray-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        return _renamed(process(path, _built[key]), str(path), original)


def _connect(address: str) -> Any:
    ray = ray_module()
    if not ray.is_initialized():
        try:
            ray.init(address=None if address == "local" else address, log_to_driver=False)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise RayUnavailable(f"--ray {address}: cannot reach the Ray cluster ({str(exc).splitlines()[0]})") \
                from exc
    return ray


def ray_outcomes(files: list[Path], options: RunOptions, address: str) -> Iterator[Outcome]:
    """Outcomes of `files` in input order, each computed by a Ray task."""
    setup = worker_setup(options)
    if setup is None:
        raise RayUnavailable("--ray: this LLM service cannot be rebuilt on the workers")
    try:
        ray = _connect(address)
    except RayUnavailable as exc:
        yield from (Outcome(path=str(path), error=f"{path}: {exc}") for path in files)
        return
    gate = None
    if setup.llm is not None:
        gate = ray.remote(num_cpus=0)(_Semaphore).options(max_concurrency=1000).remote(setup.llm.concurrency)
    task = ray.remote(num_cpus=1, max_retries=MAX_RETRIES)(run_input)
    width = max(1, int(ray.cluster_resources().get("CPU", 1)) * WINDOW)
    pending: deque[tuple[Path, Any]] = deque()
    todo = deque(files)
    while todo or pending:
        while todo and len(pending) < width:
            path = todo.popleft()
            try:
                pending.append((path, task.remote(setup, gate, path.name, str(path), path.read_bytes())))
            except OSError as exc:
                pending.append((path, Outcome(path=str(path), error=f"{path}: cannot read: {exc.strerror or exc}")))
        path, ref = pending.popleft()
        if isinstance(ref, Outcome):
            yield ref
            continue
        try:
            yield ray.get(ref)
        except ray.exceptions.RayError as exc:
            yield Outcome(path=str(path), error=f"{path}: the Ray task reading it failed after {MAX_RETRIES} "
                                                f"retries ({type(exc).__name__})")
