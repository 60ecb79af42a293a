"""The one module that talks to a model: `openai` client + `instructor`, behind `LlmService`.

Every call is cached by content (model, mode, messages, schema), so re-running a batch makes no
calls. Validation errors (including grounding, through instructor's validation context) are
re-asked up to `max_retries`; the last raw completion is kept so the caller can salvage the
fields that are grounded and report the rest.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import instructor
import openai
from instructor.core.exceptions import InstructorError, InstructorRetryException
from pydantic import BaseModel, ValidationError

from jixiao.llm.cache import ReplyCache, cache_key, default_cache_dir
from jixiao.llm.config import LlmConfig, enforce_policy

T = TypeVar("T", bound=BaseModel)
logging.getLogger("instructor").setLevel(logging.CRITICAL)  # failures are reported as findings, not log noise

_MODES = {
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "json": instructor.Mode.JSON,
    "md_json": instructor.Mode.MD_JSON,
    "tools": instructor.Mode.TOOLS,
}


class Reply(BaseModel):
    """What one structured request produced."""

    data: dict[str, Any] | None = None  # the validated reply (grounded, schema-valid)
    raw: str | None = None  # the last completion's text, valid or not
    error: str | None = None
    attempts: int = 0
    cached: bool = False
    prompt_tokens: int = 0
    completion_tokens: int = 0


class LlmService(Protocol):
    """The interface passes use; no pass imports a vendor SDK."""

    model: str
    endpoint: str
    judge: bool  # run the text review's LLM judge too (not only gap-filling and drafting)

    def structured(self, messages: list[dict[str, str]], response_model: type[BaseModel],
                   context: dict[str, Any]) -> Reply: ...


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


def _describe(error: openai.APIError, endpoint: str, timeout_s: float, retries: int) -> str:
    if isinstance(error, openai.APITimeoutError):
        return f"timed out after {timeout_s:g} s ({retries} retries)"
    if isinstance(error, openai.APIStatusError):
        return f"HTTP {error.status_code} from {endpoint}: {str(error)[:200]}"
    return f"cannot reach {endpoint}: {error}"


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
        self._announce = announce
        self._announced = False
        self._lock = threading.Lock()
        self._mode = config.mode
        self._client = openai.OpenAI(base_url=config.base_url, api_key=config.api_key,
                                     timeout=config.timeout_s, max_retries=config.max_retries)
        self._cache = ReplyCache(config.cache_dir or default_cache_dir())

    def _say_endpoint(self) -> None:
        with self._lock:
            if not self._announced and self._announce is not None:
                self._announce(f"jixiao: sending form sections to LLM endpoint {self.endpoint} "
                               f"(model {self.model}, mode {self._mode})")
            self._announced = True

    def _patched(self, mode: str) -> Any:
        return instructor.from_openai(self._client, mode=_MODES[mode])

    def structured(self, messages: list[dict[str, str]], response_model: type[BaseModel],
                   context: dict[str, Any]) -> Reply:
        key = cache_key(self.model, self.config.mode, messages, response_model.model_json_schema())
        if (hit := self._cache.get(key)) is not None:
            return self._from_cache(hit, response_model, context)
        self._say_endpoint()
        if self._mode == "auto":
            reply = self._call("json_schema", messages, response_model, context)
            if reply.error and reply.error.startswith("HTTP ") and reply.error[5:8] in ("400", "422", "500"):
                self._mode = "md_json"  # e.g. llama-cpp-python 0.3 answers 500 to response_format json_schema
                reply = self._call("md_json", messages, response_model, context)
            elif reply.error is None:
                self._mode = "json_schema"
        else:
            reply = self._call(self._mode, messages, response_model, context)
        if reply.raw is not None:
            self._cache.put(key, reply.raw)
        return reply

    def _from_cache(self, content: str, response_model: type[BaseModel], context: dict[str, Any]) -> Reply:
        try:
            data = response_model.model_validate_json(content, context=context).model_dump()
        except ValidationError as exc:
            return Reply(raw=content, cached=True, error=f"cached reply invalid: {exc.error_count()} errors")
        return Reply(data=data, raw=content, cached=True)

    def _call(self, mode: str, messages: list[dict[str, str]], response_model: type[BaseModel],
              context: dict[str, Any]) -> Reply:
        client = self._patched(mode)
        seen: list[Any] = []  # every completion of this request, re-asks included: the one source of usage
        client.on("completion:response", seen.append)
        reply = self._attempt(client, messages, response_model, context)
        if seen:
            usages = [_usage(c) for c in seen]  # instructor keeps the running total on the latest completion
            reply.attempts = len(seen)
            reply.prompt_tokens = max(u[0] for u in usages)
            reply.completion_tokens = max(u[1] for u in usages)
            if reply.raw is None and reply.data is None:
                reply.raw = _content(seen[-1])
        return reply

    def _attempt(self, client: Any, messages: list[dict[str, str]], response_model: type[BaseModel],
                 context: dict[str, Any]) -> Reply:
        try:
            value, _completion = client.chat.completions.create_with_completion(
                model=self.model, messages=messages, response_model=response_model,
                max_retries=self.config.max_retries, context=context, temperature=0)
        except InstructorRetryException as exc:
            api_error = _api_error(exc)
            if api_error is not None:
                return Reply(error=_describe(api_error, self.endpoint, self.config.timeout_s, self.config.max_retries))
            return Reply(raw=_content(getattr(exc, "last_completion", None)),
                         error=f"no valid reply after {getattr(exc, 'n_attempts', '?')} attempts: "
                               f"{str(exc).splitlines()[0][:200]}")
        except openai.APIError as exc:
            return Reply(error=_describe(exc, self.endpoint, self.config.timeout_s, self.config.max_retries))
        except InstructorError as exc:
            return Reply(error=f"{type(exc).__name__}: {str(exc)[:200]}")
        raw = json.dumps(value.model_dump(mode="json"), ensure_ascii=False)
        return Reply(data=value.model_dump(), raw=raw)
