"""Page tests: a real index of the sample documents (real embedder, real retrieval) and a fake LLM."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

import app.engine
from rag.engine import Engine
from rag.settings import Settings
from rag.store.knowledge_base import KnowledgeBase
from tests.app.pagekit import MAIN, FakeLLM, SpyEngine, add_users, build_kb, copy_kb, sign_in


@pytest.fixture(scope="session")
def shared_kb(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Settings:
    """The sample documents indexed once for the read-only tests."""
    return build_kb(tmp_path_factory.mktemp("kb"), embedder)


@pytest.fixture
def own_kb(tmp_path: Path, shared_kb: Settings) -> Settings:
    """A knowledge base of its own, for tests that change documents: a copy of the shared one."""
    return copy_kb(shared_kb, tmp_path)


@pytest.fixture
def make_engine(embedder: Any) -> Callable[[Settings], SpyEngine]:
    def make(settings: Settings) -> SpyEngine:
        return SpyEngine(settings, index=KnowledgeBase(settings, embedder=embedder), llm=FakeLLM())

    return make


@pytest.fixture
def engine(shared_kb: Settings, make_engine: Callable[[Settings], SpyEngine]) -> SpyEngine:
    return make_engine(shared_kb)


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch, entry_point_log: Path) -> Callable[[Engine], AppTest]:
    """The page script wired to a given engine, in `open` mode; it logs to `entry_point_log`."""

    # Nobody signs in unless a test says so: a users file in the project never changes these tests.
    monkeypatch.setenv("RAG_AUTH_MODE", "open")

    def make(engine: Engine) -> AppTest:
        monkeypatch.setattr(app.engine, "get_engine", lambda: engine)
        at = AppTest.from_file(str(MAIN), default_timeout=120)
        at.run()
        assert not at.exception, at.exception
        return at

    return make


@pytest.fixture
def admin_page(page: Callable[..., AppTest], tmp_path_factory: pytest.TempPathFactory,
               monkeypatch: pytest.MonkeyPatch) -> Callable[..., AppTest]:
    """The page for this engine, signed in as a member of the admins group."""
    users = add_users(tmp_path_factory.mktemp("auth") / "users.toml", {"ada": {"admins"}})
    monkeypatch.setenv("RAG_AUTH_MODE", "users")
    monkeypatch.setenv("RAG_USERS_FILE", str(users))

    def make(engine: Engine) -> AppTest:
        return sign_in(page(engine), "ada")

    return make
