"""Shared pieces of the page tests: a fake LLM, an engine that records its calls, AppTest helpers."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

from ingest.sync import run_sync
from rag.engine import Engine
from rag.llm.base import GenerationConfig, Message
from rag.settings import PROJECT_ROOT, Settings
from rag.store.knowledge_base import KnowledgeBase
from rag.types import Answer
from rag.users.passwords import hash_password
from rag.users.store import UsersFile

MAIN = PROJECT_ROOT / "app" / "main.py"
SAMPLES = PROJECT_ROOT / "data" / "docs"
LEAVE_ANSWER = "Full-time employees get 26 days of annual leave [1]."
PASSWORD = "correct horse battery"  # every test user's


class FakeLLM:
    """The LLM protocol with a canned reply, streamed word by word; records what it was asked."""

    name = "fake-llm"
    context_tokens = 4096

    def __init__(self, reply: str = LEAVE_ANSWER) -> None:
        self.reply = reply
        self.calls: list[tuple[list[Message], GenerationConfig]] = []

    def stream(self, messages: list[Message], config: GenerationConfig) -> Iterator[str]:
        self.calls.append((messages, config))
        words = self.reply.split(" ")
        for i, word in enumerate(words):
            yield word if i == len(words) - 1 else word + " "

    def count_tokens(self, text: str) -> int:
        return max(1, len(text) // 4)


class SpyEngine(Engine):
    """The real engine, remembering the arguments the page passed for each question."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calls: list[dict[str, Any]] = []

    def ask_stream(self, question: str, **kwargs: Any) -> Iterator[str | Answer]:
        self.calls.append({"question": question, **kwargs})
        return super().ask_stream(question, **kwargs)


def build_kb(root: Path, embedder: Any) -> Settings:
    docs = root / "docs"
    shutil.copytree(SAMPLES, docs)
    settings = Settings(docs_dir=docs, store_path=root / "store")
    run_sync(settings, docs, progress=False, index=KnowledgeBase(settings, embedder=embedder))
    return settings


def copy_kb(settings: Settings, root: Path) -> Settings:
    """A copy of a built knowledge base (documents and store) under `root`, for a test that changes it."""
    shutil.copytree(settings.store.docs_dir, root / "docs", copy_function=shutil.copy2)
    shutil.copytree(settings.store.path, root / "store", ignore=shutil.ignore_patterns("ingest.lock"))
    return Settings(docs_dir=root / "docs", store_path=root / "store")


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> list[str]:
    """Every markdown, caption and alert text on the page."""
    found = [m.value for m in at.markdown] + [c.value for c in at.caption]
    for alerts in (at.info, at.warning, at.error, at.success):
        found += [a.value for a in alerts]
    return [str(t) for t in found]


def add_users(path: Path, users: dict[str, set[str]]) -> Path:
    """A users file with these users (name: groups), each with PASSWORD, hashed at bcrypt's cheapest cost."""
    store = UsersFile(path)
    for name, groups in users.items():
        store.add(name, frozenset(groups), hash_password(PASSWORD, 4))
    return path


def sign_in(at: AppTest, name: str, password: str = PASSWORD) -> AppTest:
    at.text_input(key="sign_in_name").input(name)
    at.text_input(key="sign_in_password").input(password)
    at.button(key="sign_in_submit").click().run()
    assert not at.exception, at.exception
    return at
