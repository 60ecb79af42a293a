"""Accounting of model requests in a document's `llm_usage` (gap-filling, column mapping and drafts alike)."""

from __future__ import annotations

from jixiao.llm.service import Reply
from jixiao.models import LlmUsage


def add_usage(usage: LlmUsage, reply: Reply) -> None:
    """Count one request: each completion (re-asks included) and its tokens, or one cached reply."""
    if reply.cached:
        usage.cached_calls += 1
    else:
        usage.calls += max(1, reply.attempts)
        usage.prompt_tokens += reply.prompt_tokens
        usage.completion_tokens += reply.completion_tokens
