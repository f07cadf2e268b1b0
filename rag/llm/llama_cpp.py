"""GGUF models through llama.cpp: real quantized inference on CPU, the default backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rag.llm.base import GenerationConfig, Message


class LlamaCppLLM:
    def __init__(self, model_path: Path, *, context_tokens: int, threads: int, batch_threads: int) -> None:
        from llama_cpp import Llama

        self.name = model_path.name
        self.context_tokens = context_tokens
        # The chat template comes from the GGUF itself; llama.cpp reuses the evaluated prompt prefix
        # (our fixed system prompt) between calls on the same object.
        self._llm = Llama(
            model_path=str(model_path),
            n_ctx=context_tokens,
            n_threads=threads,
            n_threads_batch=batch_threads,
            verbose=False,
        )

    def stream(self, messages: list[Message], config: GenerationConfig) -> Iterator[str]:
        for part in self._llm.create_chat_completion(
            messages=messages,  # type: ignore[arg-type]
            stream=True,
            max_tokens=config.max_tokens,
            temperature=config.temperature,
            top_p=config.top_p,
            repeat_penalty=config.repeat_penalty,
        ):
            chunk: Any = part  # a streamed chunk: {"choices": [{"delta": {"content": ...}}]}
            piece = chunk["choices"][0]["delta"].get("content")
            if piece:
                yield str(piece)

    def count_tokens(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))
