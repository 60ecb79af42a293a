"""The one module that talks to a model: `openai` client + `instructor`, behind `LlmService`.

Every call is cached by content (model, mode, messages, schema), so re-running a batch makes no
calls. Validation errors (including grounding, through instructor's validation context) are
re-asked up to `max_retries`; the last raw completion is kept so the caller can salvage the
fields that are grounded and report the rest.

Deadlines, not only timeouts: each request runs in a worker thread with a wall-clock deadline for
the whole response (a server that trickles a byte at a time cannot hold it); at the deadline its
HTTP client is closed and the request fails. HTTP failures (timeouts, 429, 5xx, connection) are
retried with backoff, and every request of one input shares the input's budget (`begin_input`; kept per input
in a context variable, so inputs processed at once never reset each other's budget). `gate` bounds the requests
in flight: a semaphore of `JIXIAO_LLM_CONCURRENCY`, shared by every worker process of a batch (jixiao.pool) or
every task of a Ray cluster.

Modes: `json_schema` sends OpenAI's `response_format` JSON schema; `schema_object` sends the same schema as
`{"type": "json_object", "schema": …}`, the form llama-cpp-python's server turns into a grammar that
constrains every token of the reply; `auto` probes them in that order and falls back to `md_json` (no
constraint). `JIXIAO_LLM_TRACE` appends each request's messages and reply to a JSON-lines file.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from contextvars import ContextVar
from typing import Any

import instructor
import openai
from instructor.core.exceptions import InstructorError, InstructorRetryException
from pydantic import BaseModel, ValidationError

from jixiao.llm.cache import ReplyCache, cache_key, default_cache_dir
from jixiao.llm.config import LlmConfig, enforce_policy
from jixiao.llm.service import Reply

for _name in ("instructor", "openai", "httpx", "httpcore"):  # failures are reported as findings, not log noise
    logging.getLogger(_name).setLevel(logging.CRITICAL)

_MODES = {
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "schema_object": instructor.Mode.JSON_SCHEMA,  # the schema sent llama.cpp's way (see module doc)
    "json": instructor.Mode.JSON,
    "md_json": instructor.Mode.MD_JSON,
    "tools": instructor.Mode.TOOLS,
}
_BACKOFF_S = 0.5  # doubled per retry, never past the input's budget


def _content(completion: Any) -> str | None:
    try:
        message = completion.choices[0].message
    except (AttributeError, IndexError):
        return None
    if getattr(message, "tool_calls", None):
        return str(message.tool_calls[0].function.arguments)
    return message.content if isinstance(message.content, str) else None


def _api_error(exc: BaseException) -> openai.APIError | None:
    """The HTTP-level error behind an instructor exception, if there is one."""
    seen: list[BaseException] = [exc]
    for attempt in getattr(exc, "failed_attempts", None) or []:
        if isinstance(getattr(attempt, "exception", None), BaseException):
            seen.append(attempt.exception)
    while seen:
        current = seen.pop()
        if isinstance(current, openai.APIError):
            return current
        seen += [e for e in (current.__cause__, current.__context__) if e is not None]
    return None


def _describe(error: openai.APIError, endpoint: str, timeout_s: float) -> str:
    if isinstance(error, openai.APITimeoutError):
        return f"timed out after {timeout_s:g} s"
    if isinstance(error, openai.APIStatusError):
        return f"HTTP {error.status_code} from {endpoint}: {str(error)[:200]}"
    return f"cannot reach {endpoint}: {str(error)[:200]}"


def _retryable(error: str | None) -> bool:
    return error is not None and (error.startswith(("timed out", "cannot reach", "HTTP 429", "HTTP 5"))
                                  or "deadline" in error)


def _usage(completion: Any) -> tuple[int, int]:
    usage = getattr(completion, "usage", None)
    return (getattr(usage, "prompt_tokens", 0) or 0, getattr(usage, "completion_tokens", 0) or 0)


class InstructorService:
    """An OpenAI-compatible endpoint driven through instructor."""

    def __init__(self, config: LlmConfig, announce: Callable[[str], None] | None = None) -> None:
        enforce_policy(config)
        self.config = config
        self.model = config.model
        self.endpoint = config.base_url
        self.judge = config.judge
        self.concurrency = config.concurrency
        self.timeout_s = config.timeout_s
        self._announce = announce
        self._announced = False
        self._lock = threading.Lock()
        self._mode = config.mode
        self._budget_until: ContextVar[float | None] = ContextVar("jixiao_llm_budget", default=None)
        self.gate: AbstractContextManager[Any] = threading.BoundedSemaphore(config.concurrency)
        self._cache = ReplyCache(config.cache_dir or default_cache_dir())

    def begin_input(self, seconds: float | None = None) -> None:
        """Start the budget that every request of the next input shares (default: the configured budget)."""
        self._budget_until.set(time.monotonic() + (self.config.budget_s if seconds is None else seconds))

    def _left(self) -> float:
        until = self._budget_until.get()
        return self.config.budget_s if until is None else until - time.monotonic()

    def announce_endpoint(self) -> None:
        """Name the endpoint now (a batch of worker processes names it once, before any of them sends)."""
        self._say_endpoint()

    def _say_endpoint(self) -> None:
        with self._lock:
            if not self._announced and self._announce is not None:
                self._announce(f"jixiao: sending form sections to LLM endpoint {self.endpoint} "
                               f"(model {self.model}, mode {self._mode})")
            self._announced = True

    def structured(self, messages: list[dict[str, str]], response_model: type[BaseModel],
                   context: dict[str, Any]) -> Reply:
        key = cache_key(self.model, self.config.mode, messages, response_model.model_json_schema())
        if (hit := self._cache.get(key)) is not None:
            return self._from_cache(hit, response_model, context)
        self._say_endpoint()
        if self._mode == "auto":
            reply = self._probe(messages, response_model, context)
        else:
            reply = self._call(self._mode, messages, response_model, context)
        if reply.raw is not None:
            self._cache.put(key, reply.raw)
        self._trace(messages, response_model, reply)
        return reply

    def _probe(self, messages: list[dict[str, str]], response_model: type[BaseModel], context: dict[str, Any]) -> Reply:
        """`auto`: the first mode the server accepts, kept for the later requests."""
        for mode in ("json_schema", "schema_object"):
            reply = self._call(mode, messages, response_model, context)
            if not (reply.error and reply.error.startswith("HTTP ") and reply.error[5:8] in ("400", "422", "500")):
                if reply.error is None:
                    self._mode = mode
                return reply
        self._mode = "md_json"  # a server that constrains nothing
        return self._call("md_json", messages, response_model, context)

    def _trace(self, messages: list[dict[str, str]], response_model: type[BaseModel], reply: Reply) -> None:
        if self.config.trace is None:
            return
        record = {"model": response_model.__name__, "mode": self._mode, "messages": messages,
                  **reply.model_dump(include={"data", "raw", "error", "attempts", "cached"})}
        with self._lock, self.config.trace.open("a", encoding="utf-8") as out:
            out.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")

    def _from_cache(self, content: str, response_model: type[BaseModel], context: dict[str, Any]) -> Reply:
        try:
            data = response_model.model_validate_json(content, context=context).model_dump()
        except ValidationError as exc:
            return Reply(raw=content, cached=True, error=f"cached reply invalid: {exc.error_count()} errors")
        return Reply(data=data, raw=content, cached=True)

    def _call(self, mode: str, messages: list[dict[str, str]], response_model: type[BaseModel],
              context: dict[str, Any]) -> Reply:
        """Tries with backoff while the failure is transient and the input's budget lasts."""
        reply = Reply(error=f"deadline: the input's LLM budget of {self.config.budget_s:g} s was spent "
                            "before this request")
        tries = 0
        for attempt in range(self.config.max_retries + 1):
            left = self._left()
            if left <= 0.05:
                break
            if attempt:
                pause = min(_BACKOFF_S * 2 ** (attempt - 1), left / 2)
                time.sleep(pause)
                left -= pause
            with self.gate:  # waiting here spends the input's budget too: it is wall-clock time
                left = self._left()
                if left <= 0.05:
                    break
                tries += 1
                reply = self._deadline_call(mode, messages, response_model, context, min(self.config.timeout_s, left))
            if not _retryable(reply.error):
                return reply
        if tries and reply.error:
            reply.error += (f" ({tries} {'try' if tries == 1 else 'tries'}; deadline {self.config.timeout_s:g} s "
                            f"per request, {self.config.budget_s:g} s per input)")
        return reply

    def _deadline_call(self, mode: str, messages: list[dict[str, str]], response_model: type[BaseModel],
                       context: dict[str, Any], deadline_s: float) -> Reply:
        """One request, abandoned when its whole response has not arrived within `deadline_s`."""
        client = openai.OpenAI(base_url=self.config.base_url, api_key=self.config.api_key, timeout=deadline_s,
                               max_retries=0)
        result: list[Reply] = []
        worker = threading.Thread(target=lambda: result.append(self._request(client, mode, messages, response_model,
                                                                             context, deadline_s)),
                                  name="jixiao-llm-request", daemon=True)
        worker.start()
        worker.join(deadline_s)
        if worker.is_alive() or not result:
            client.close()  # the hung connection is dropped; the worker ends on its own, its reply unused
            return Reply(error="timed out: the deadline passed before the whole reply arrived")
        client.close()
        return result[0]

    def _request(self, client: openai.OpenAI, mode: str, messages: list[dict[str, str]],
                 response_model: type[BaseModel], context: dict[str, Any], deadline_s: float) -> Reply:
        patched = instructor.from_openai(client, mode=_MODES[mode])
        seen: list[Any] = []  # every completion of this request, re-asks included: the one source of usage
        patched.on("completion:response", seen.append)
        extra = {"extra_body": {"response_format": {"type": "json_object", "schema": response_model.model_json_schema()}}
                 } if mode == "schema_object" else {}
        reply = self._attempt(patched, messages, response_model, context, deadline_s, extra)
        if seen:
            usages = [_usage(c) for c in seen]  # instructor keeps the running total on the latest completion
            reply.attempts = len(seen)
            reply.prompt_tokens = max(u[0] for u in usages)
            reply.completion_tokens = max(u[1] for u in usages)
            if reply.raw is None and reply.data is None:
                reply.raw = _content(seen[-1])
        return reply

    def _attempt(self, client: Any, messages: list[dict[str, str]], response_model: type[BaseModel],
                 context: dict[str, Any], deadline_s: float, extra: dict[str, Any]) -> Reply:
        try:
            value, _completion = client.chat.completions.create_with_completion(
                model=self.model, messages=messages, response_model=response_model,
                max_retries=self.config.max_retries, context=context, temperature=0, **extra)
        except InstructorRetryException as exc:
            api_error = _api_error(exc)
            if api_error is not None:
                return Reply(error=_describe(api_error, self.endpoint, deadline_s))
            return Reply(raw=_content(getattr(exc, "last_completion", None)),
                         error=f"no valid reply after {getattr(exc, 'n_attempts', '?')} attempts: "
                               f"{str(exc).splitlines()[0][:200]}")
        except openai.APIError as exc:
            return Reply(error=_describe(exc, self.endpoint, deadline_s))
        except InstructorError as exc:
            return Reply(error=f"{type(exc).__name__}: {str(exc)[:200]}")
        except Exception as exc:  # the client closed under it at the deadline, or an SDK surprise: a failed request
            return Reply(error=f"request failed ({type(exc).__name__}: {str(exc)[:200]})")
        raw = json.dumps(value.model_dump(mode="json"), ensure_ascii=False)
        return Reply(data=value.model_dump(), raw=raw)
