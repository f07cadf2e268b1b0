"""Any OpenAI-compatible server (vLLM, llama.cpp server, TGI), for deployments that outgrow one machine."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from rag.llm.base import GenerationConfig, Message
from rag.text.cjk import count_cjk


class OpenAICompatibleLLM:
    def __init__(self, base_url: str, model: str, *, api_key: str, context_tokens: int, timeout: float,
                 max_retries: int) -> None:
        from openai import OpenAI

        self.name = model
        self.context_tokens = context_tokens
        self._client = OpenAI(base_url=base_url, api_key=api_key, max_retries=max_retries, timeout=timeout)

    def stream(self, messages: list[Message], config: GenerationConfig) -> Iterator[str]:
        response = self._client.chat.completions.create(
            model=self.name,
            messages=messages,  # type: ignore[arg-type]
            stream=True,
            max_tokens=config.max_tokens,
            temperature=config.temperature,
            top_p=config.top_p,
            frequency_penalty=max(0.0, min(2.0, config.repeat_penalty - 1.0)),
        )
        events: Iterable[Any] = response  # stream=True: chunks, whatever the overloads say
        for event in events:
            if event.choices and (piece := event.choices[0].delta.content):
                yield piece

    def count_tokens(self, text: str) -> int:
        # The server's tokenizer is not reachable through the API: a conservative estimate that
        # over-counts CJK (one token per character) and English (~3.5 characters per token).
        cjk = count_cjk(text)
        return cjk + (len(text) - cjk) // 3 + 1
