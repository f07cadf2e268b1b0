"""The sync as a child process: it gets the caller's settings exactly, and its failure is one line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ingest.process import SyncFailed, environment, run_sync_process
from rag.settings import Settings, load_settings
from rag.store.lock import FileLock


def test_the_environment_carries_exactly_the_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(store_path=tmp_path / "store", top_k=7, auth_mode="users", log_file=tmp_path / "x.log",
                        max_pages=12, dense_weight=0.25, llm_backend="openai")
    monkeypatch.setenv("RAG_TOP_K", "99")  # the caller's environment does not leak past its settings
    monkeypatch.setenv("RAG_RETRIEVAL__CANDIDATES", "3")
    env = environment(settings)
    assert env["RAG_TOP_K"] == "7" and env["RAG_AUTH_MODE"] == "users" and "RAG_RETRIEVAL__CANDIDATES" not in env
    assert "RAG_CHROMA_HOST" not in env  # unset: its default
    for name in [k for k in os.environ if k.startswith("RAG_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert load_settings() == settings


def test_a_sync_that_cannot_run_is_its_one_line(tmp_path: Path) -> None:
    settings = Settings(store_path=tmp_path / "store", docs_dir=tmp_path)
    with FileLock(settings.store.path), pytest.raises(SyncFailed, match="locked by another ingest") as failed:
        run_sync_process(settings, tmp_path)
    assert failed.value.known and "\n" not in str(failed.value)
