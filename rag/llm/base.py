"""The small protocol every LLM backend implements: stream a chat reply, count tokens."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

Message = dict[str, str]


@dataclass(frozen=True)
class GenerationConfig:
    max_tokens: int = 256
    temperature: float = 0.1
    top_p: float = 0.9
    repeat_penalty: float = 1.1


class LLM(Protocol):
    name: str
    context_tokens: int

    def stream(self, messages: list[Message], config: GenerationConfig) -> Iterator[str]:
        """Yield the reply's text pieces as the model produces them."""
        ...

    def count_tokens(self, text: str) -> int: ...


def complete(llm: LLM, messages: list[Message], config: GenerationConfig) -> str:
    return "".join(llm.stream(messages, config))
