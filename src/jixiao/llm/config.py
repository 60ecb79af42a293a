"""LLM configuration from the environment, and the local-only endpoint policy.

JIXIAO_LLM_BASE_URL / JIXIAO_LLM_MODEL / JIXIAO_LLM_API_KEY, falling back to OPENAI_BASE_URL /
OPENAI_API_KEY. Without a base URL the tool runs rules-only and says so. Every setting is checked
at start: a bad one is a ValueError naming it (the CLI exits 2).

JIXIAO_LLM_TIMEOUT is a wall-clock deadline per request (the whole reply); JIXIAO_LLM_BUDGET the
seconds all requests of one input may take together (default 4 × the timeout).
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from pydantic import BaseModel, Field, model_validator

Mode = Literal["auto", "json_schema", "schema_object", "json", "md_json", "tools"]
MODES = ("auto", "json_schema", "schema_object", "json", "md_json", "tools")


class EndpointRefused(Exception):
    """The configured endpoint may not receive data (local-only policy)."""


class LlmConfig(BaseModel):
    base_url: str
    model: str
    api_key: str = Field("not-needed", repr=False)
    mode: Mode = "auto"
    timeout_s: float = Field(60.0, gt=0, description="wall-clock deadline of one request, the whole reply")
    max_retries: int = Field(2, ge=0)
    concurrency: int = Field(2, ge=1)
    budget_s: float = Field(0.0, ge=0, description="seconds for all requests of one input; 0: 4 × timeout_s")
    local_only: bool = False
    cache_dir: Path | None = None
    judge: bool = Field(True, description="also run the text review's LLM judge (JIXIAO_LLM_JUDGE=0: gap-filling only)")
    trace: Path | None = Field(None, description="JIXIAO_LLM_TRACE: append every request and its reply here (JSON lines)")

    @model_validator(mode="after")
    def _default_budget(self) -> LlmConfig:
        if not self.budget_s:
            self.budget_s = 4 * self.timeout_s
        return self

    @property
    def host(self) -> str:
        return urlparse(self.base_url).hostname or ""


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def config_from_env(env: Mapping[str, str] | None = None, local_only: bool | None = None) -> LlmConfig | None:
    """The configured endpoint, or None when no LLM is configured."""
    env = os.environ if env is None else env
    base_url = env.get("JIXIAO_LLM_BASE_URL") or env.get("OPENAI_BASE_URL")
    if not base_url:
        return None
    parsed = urlparse(base_url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        name = "JIXIAO_LLM_BASE_URL" if env.get("JIXIAO_LLM_BASE_URL") else "OPENAI_BASE_URL"
        raise ValueError(f"{name}={base_url!r}: not an http(s) URL with a host (e.g. http://127.0.0.1:8765/v1)")
    mode = env.get("JIXIAO_LLM_MODE", "auto")
    if mode not in MODES:
        raise ValueError(f"JIXIAO_LLM_MODE={mode!r}: must be one of {', '.join(MODES)}")
    cache = env.get("JIXIAO_CACHE_DIR")
    return LlmConfig(
        base_url=base_url,
        model=env.get("JIXIAO_LLM_MODEL") or env.get("OPENAI_MODEL") or "default",
        api_key=env.get("JIXIAO_LLM_API_KEY") or env.get("OPENAI_API_KEY") or "not-needed",
        mode=mode,  # checked against MODES above
        timeout_s=_number(env, "JIXIAO_LLM_TIMEOUT", "60", float, 0.001),
        max_retries=int(_number(env, "JIXIAO_LLM_RETRIES", "2", int, 0)),
        concurrency=int(_number(env, "JIXIAO_LLM_CONCURRENCY", "2", int, 1)),
        budget_s=_number(env, "JIXIAO_LLM_BUDGET", "0", float, 0),
        local_only=local_only if local_only is not None else _flag(env.get("JIXIAO_LLM_LOCAL_ONLY")),
        cache_dir=Path(cache) if cache else None,
        judge=env.get("JIXIAO_LLM_JUDGE", "1").strip().lower() not in ("0", "false", "no", "off"),
        trace=Path(trace) if (trace := env.get("JIXIAO_LLM_TRACE")) else None,
    )


def _number(env: Mapping[str, str], name: str, default: str, kind: type[int] | type[float], least: float) -> float:
    """A numeric setting, or a ValueError naming it."""
    text = env.get(name, default).strip()
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or value != value or value < least or value == float("inf"):
        what = "a whole number" if kind is int else "a number"
        raise ValueError(f"{name}={text!r}: must be {what} ≥ {least:g}")
    return float(value)


def _private(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return ip.is_loopback or ip.is_private or ip.is_link_local


def is_local_endpoint(base_url: str) -> bool:
    """True when every address the host resolves to is loopback or private."""
    host = urlparse(base_url).hostname
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return _private(host)
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(_private(str(info[4][0])) for info in infos)


def enforce_policy(config: LlmConfig) -> None:
    """Refuse a non-local endpoint under the local-only policy, before any data is sent."""
    if config.local_only and not is_local_endpoint(config.base_url):
        raise EndpointRefused(
            f"LLM endpoint {config.base_url} is not a loopback or private address and "
            "JIXIAO_LLM_LOCAL_ONLY is set: refusing to send form data there")
