"""What the passes see of a model: `LlmService` and the `Reply` of one structured request.

No vendor SDK is imported here (start-up stays light for commands that never call a model); the
implementation over `openai` + `instructor` is `jixiao.llm.client.InstructorService`.
"""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import BaseModel


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
    concurrency: int
    timeout_s: float
    judge: bool  # run the text review's LLM judge too (not only gap-filling and drafting)

    def begin_input(self, seconds: float | None = None) -> None:
        """Start the time budget that every request of the next input shares (default: the configured one)."""

    def structured(self, messages: list[dict[str, str]], response_model: type[BaseModel],
                   context: dict[str, Any]) -> Reply: ...


def __getattr__(name: str) -> Any:
    if name == "InstructorService":  # the former home of the implementation
        from jixiao.llm.client import InstructorService

        return InstructorService
    raise AttributeError(name)
