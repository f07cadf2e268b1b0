"""Two signed-in users in different groups over a corpus where some answers live only in HR's files: the
staff member sees nothing of them anywhere on the page (answers, sources, snippets, sidebar, file choices,
counts, downloads); the HR member finds them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

import app.auth
import app.engine
from app.text import escape_md
from ingest.sync import run_sync
from rag.engine import Engine
from rag.settings import Settings
from rag.store.knowledge_base import KnowledgeBase
from tests.app.pagekit import MAIN, add_users, ask, sign_in, texts
from tests.rag.test_access import FORBIDDEN, QUESTIONS, echo_first_source, write_docs
from tests.rag.test_answer import FakeLLM


@pytest.fixture(scope="module")
def ruled_kb(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Settings:
    root = tmp_path_factory.mktemp("ruled")
    write_docs(root / "docs")
    settings = Settings(docs_dir=root / "docs", store_path=root / "store")
    run_sync(settings, root / "docs", progress=False, index=KnowledgeBase(settings, embedder=embedder))
    return settings


@pytest.fixture
def signed_in(monkeypatch: pytest.MonkeyPatch, entry_point_log: Path, tmp_path: Path, ruled_kb: Settings,
              embedder: Any) -> Callable[[str], AppTest]:
    users = add_users(tmp_path / "users.toml", {"ada": {"hr"}, "bob": {"staff"}})
    monkeypatch.setenv("RAG_AUTH_MODE", "users")
    monkeypatch.setenv("RAG_USERS_FILE", str(users))
    monkeypatch.setenv("RAG_BCRYPT_ROUNDS", "4")
    engine = Engine(ruled_kb, index=KnowledgeBase(ruled_kb, embedder=embedder),
                    llm=FakeLLM(*[echo_first_source] * 20))
    monkeypatch.setattr(app.engine, "get_engine", lambda: engine)

    def open_as(name: str) -> AppTest:
        app.auth._gate.clear()
        at = AppTest.from_file(str(MAIN), default_timeout=120)
        at.run()
        return sign_in(at, name)

    return open_as


def downloads(at: AppTest) -> list[str]:
    return [str(getattr(b, "label", "")) for b in at.get("download_button")]


def everything(at: AppTest) -> str:
    """All the page shows: texts, metrics, the file and folder choices, button and expander labels."""
    parts = texts(at)
    parts += [f"{m.label} {m.value}" for m in at.sidebar.metric]
    parts += [str(o) for ms in at.sidebar.multiselect for o in ms.options]
    parts += [e.label for e in at.expander] + downloads(at)
    return "\n".join(parts)


def test_staff_sees_nothing_of_hr_and_hr_sees_its_files(signed_in: Callable[[str], AppTest]) -> None:
    bob = signed_in("bob")
    assert bob.sidebar.metric[0].value == "2"  # documents open to him, not 4
    for question in QUESTIONS:
        ask(bob, question)
    shown = everything(bob)
    for question in QUESTIONS:  # his own questions are his
        shown = shown.replace(escape_md(question), "").replace(question, "")
    assert "office.docx" in shown  # what he may read does show
    assert not FORBIDDEN.search(shown), FORBIDDEN.search(shown)

    ada = signed_in("ada")
    assert ada.sidebar.metric[0].value == "4"
    ask(ada, QUESTIONS[1])
    assert "hr/salaries.docx" in ada.sidebar.multiselect[0].options
    assert any("salaries" in label for label in downloads(ada))
