"""The engine the page uses: loaded once per server process. Tests replace `get_engine`."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import streamlit as st

if TYPE_CHECKING:
    from rag.engine import Engine


def get_engine() -> Engine:
    """The process's engine, loading it (store, embedding model, LLM) on the first call with a spinner."""
    from rag.settings import get_settings

    s = get_settings()
    what = (f"Loading the knowledge base: embedding model {s.embedding.model} and language model {s.llm.model} "
            "(once per server start)…")
    with st.spinner(what, show_time=True):  # shows only if loading takes more than half a second
        return _load_engine()


@st.cache_resource(show_spinner=False)
def _load_engine() -> Engine:
    import rag

    engine = rag.engine()
    engine.index.embedder  # noqa: B018 - load now, not during the first question
    engine.llm  # noqa: B018
    return engine


@st.cache_resource(show_spinner=False)
def _engine_lock() -> threading.Lock:
    return threading.Lock()


@contextmanager
def exclusive(waiting: str) -> Iterator[None]:
    """One answer or sync at a time per process: the local LLM cannot serve two generations at once,
    and the shared index must not be refreshed (reopened) while the page's own sync writes through it."""
    lock = _engine_lock()
    if not lock.acquire(blocking=False):
        with st.spinner(waiting, show_time=True):
            lock.acquire()
    try:
        yield
    finally:
        lock.release()


def refresh_index(engine: Engine) -> None:
    """Pick up a sync another process (the CLI) made, unless an answer or sync is running right now
    (retrieval refreshes by itself before each question anyway)."""
    lock = _engine_lock()
    if lock.acquire(blocking=False):
        try:
            engine.index.refresh()
        finally:
            lock.release()
