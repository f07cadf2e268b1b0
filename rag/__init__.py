"""Local, offline knowledge base: `import rag; rag.ask("...")`.

One `Engine` per process (models and store loaded once) serves the page, the CLI and this API.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from rag.settings import Settings, get_settings
from rag.types import Answer, Chunk, Citation

if TYPE_CHECKING:
    from rag.answer import Engine

__all__ = ["Answer", "Chunk", "Citation", "Settings", "ask", "ask_stream", "engine", "retrieve"]

_engine: Engine | None = None
_lock = threading.Lock()


def engine(settings: Settings | None = None) -> Engine:
    """The process's engine; passing settings replaces it (tests, the eval, another store)."""
    global _engine
    with _lock:
        if settings is not None or _engine is None:
            from rag.answer import Engine

            _engine = Engine(settings or get_settings())
        return _engine


def retrieve(question: str, *, top_k: int | None = None, filters: dict[str, Any] | None = None) -> list[Chunk]:
    return engine().retrieve(question, top_k=top_k, filters=filters)


def ask(question: str, *, history: list[dict[str, str]] | None = None, filters: dict[str, Any] | None = None,
        top_k: int | None = None) -> Answer:
    return engine().ask(question, history=history, filters=filters, top_k=top_k)


def ask_stream(question: str, *, history: list[dict[str, str]] | None = None,
               filters: dict[str, Any] | None = None, top_k: int | None = None) -> Iterator[str | Answer]:
    return engine().ask_stream(question, history=history, filters=filters, top_k=top_k)
