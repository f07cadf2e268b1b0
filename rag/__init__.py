"""Local, offline knowledge base: `import rag; rag.ask("...")`.

`build_engine(settings)` makes an engine (store, models) from settings; the functions here use the
process's default one, built on first use from `rag.toml` and `RAG_*` variables. The page, the CLI and
this API all run its `Engine.ask_stream`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from rag.errors import RagError
from rag.settings import Settings, get_settings
from rag.types import Answer, Citation, RetrievedChunk

if TYPE_CHECKING:
    from rag.engine import Engine

Chunk = RetrievedChunk  # the name `rag.retrieve` results have been documented under

__all__ = ["Answer", "Chunk", "Citation", "RagError", "RetrievedChunk", "Settings", "ask", "ask_stream",
           "build_engine", "engine", "retrieve"]

_default: Engine | None = None
_lock = threading.Lock()


def build_engine(settings: Settings | None = None) -> Engine:
    """A new engine for these settings (default: the process's settings). Nothing global changes."""
    from rag.engine import Engine

    return Engine(settings or get_settings())


def engine() -> Engine:
    """The process's default engine, built once."""
    global _default
    with _lock:
        if _default is None:
            _default = build_engine()
        return _default


def retrieve(question: str, *, top_k: int | None = None, filters: dict[str, Any] | None = None,
             groups: list[str] | None = None) -> list[Chunk]:
    """The best chunks for the question, among the files `groups` may read (access.toml; no groups:
    the files open to everyone)."""
    return engine().retrieve(question, top_k=top_k, filters=filters, groups=groups)


def ask(question: str, *, history: list[dict[str, str]] | None = None, filters: dict[str, Any] | None = None,
        top_k: int | None = None, groups: list[str] | None = None) -> Answer:
    """A grounded answer from the files `groups` may read, with verified citations, or a refusal."""
    return engine().ask(question, history=history, filters=filters, top_k=top_k, groups=groups)


def ask_stream(question: str, *, history: list[dict[str, str]] | None = None,
               filters: dict[str, Any] | None = None, top_k: int | None = None,
               groups: list[str] | None = None) -> Iterator[str | Answer]:
    """`ask`, streamed: the text pieces as they come, then the `Answer`."""
    return engine().ask_stream(question, history=history, filters=filters, top_k=top_k, groups=groups)
