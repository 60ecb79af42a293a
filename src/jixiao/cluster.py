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

from jixiao.errors import InputError
from jixiao.models import Document, SourceInfo
from jixiao.outputs.document import document_bytes
from jixiao.pipeline import DocumentStream, Outcome, RunOptions, stream
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


def _renamed(document: Document, temporary: str, original: str) -> Document:
    """A part as if the input had been read at `original` (the driver's path)."""
    quoted = (json.dumps(temporary)[1:-1].encode(), json.dumps(original)[1:-1].encode())
    return Document.model_validate_json(document_bytes(document).replace(*quoted))


def run_input(setup: WorkerSetup, gate: Any, name: str, original: str, data: bytes
              ) -> tuple[SourceInfo, str, list[Document]] | str:
    """One input, in a Ray worker: its bytes written under its own name and streamed through the stages; its
    source and parts (paths put back), or its one-line error."""
    key = setup.model_dump_json()
    if key not in _built:
        apply_env(setup)
        _built.clear()
        _built[key] = worker_options(setup, _Gate(gate) if gate is not None else None)
    options = _built[key]
    with tempfile.TemporaryDirectory(prefix="jixiao-ray-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        if options.llm is not None:
            options.llm.begin_input()
        try:
            found = stream(path, options)
            parts = [_renamed(part, str(path), original) for part in found.parts]
        except InputError as exc:
            return str(exc).replace(str(path), original)
        except Exception as exc:  # a bug must not stop the batch: this input's failure
            return f"{original}: internal error ({type(exc).__name__}: {exc})"
        source = found.source.model_copy(update={"path": original})
        return source, found.profile, parts


def _written(path: Path, stem: str, out_dir: Path, writer: Any, result: tuple[SourceInfo, str, list[Document]] | str
             ) -> Outcome:
    """What the driver writes of a task's result, through the run's writer (as a local run writes it)."""
    if isinstance(result, str):
        return Outcome(path=str(path), error=result)
    source, profile, parts = result
    try:
        summary = writer(DocumentStream(source=source, profile=profile, parts=iter(parts)), out_dir, stem)
    except OSError as exc:
        return Outcome(path=str(path), error=f"{path}: cannot write output to {out_dir}: {exc.strerror or exc}")
    return Outcome(path=str(path), status=summary.status, forms=len(summary.forms), indicators=summary.indicators,
                   findings=dict(summary.findings))


def _connect(address: str) -> Any:
    ray = ray_module()
    if not ray.is_initialized():
        try:
            ray.init(address=None if address == "local" else address, log_to_driver=False)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise RayUnavailable(f"--ray {address}: cannot reach the Ray cluster ({str(exc).splitlines()[0]})") \
                from exc
    return ray


def ray_outcomes(items: list[tuple[Path, str]], out_dir: Path, options: RunOptions, writer: Any) -> Iterator[Outcome]:
    """Outcomes of `items` (input, output stem) in input order, each computed by a Ray task and written here."""
    setup = worker_setup(options)
    if setup is None:
        raise RayUnavailable("--ray: this LLM service cannot be rebuilt on the workers")
    try:
        ray = _connect(options.ray or "auto")
    except RayUnavailable as exc:
        yield from (Outcome(path=str(path), error=f"{path}: {exc}") for path, _ in items)
        return
    gate = None
    if setup.llm is not None:
        gate = ray.remote(num_cpus=0)(_Semaphore).options(max_concurrency=1000).remote(setup.llm.concurrency)
    task = ray.remote(num_cpus=1, max_retries=MAX_RETRIES)(run_input)
    width = max(1, int(ray.cluster_resources().get("CPU", 1)) * WINDOW)
    pending: deque[tuple[Path, str, Any]] = deque()
    todo = deque(items)
    while todo or pending:
        while todo and len(pending) < width:
            path, stem = todo.popleft()
            try:
                pending.append((path, stem, task.remote(setup, gate, path.name, str(path), path.read_bytes())))
            except OSError as exc:
                pending.append((path, stem, f"{path}: cannot read: {exc.strerror or exc}"))
        path, stem, ref = pending.popleft()
        try:
            result = ref if isinstance(ref, str) else ray.get(ref)
        except ray.exceptions.RayError as exc:
            result = f"{path}: the Ray task reading it failed after {MAX_RETRIES} retries ({type(exc).__name__})"
        yield _written(path, stem, out_dir, writer, result)
