"""Shared fixtures: the real packaged embedder (loaded once), fresh stores, the shared eval data."""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"

from rag.embeddings import SentenceTransformerEmbedder, load_embedder
from rag.logs import PACKAGES
from rag.settings import PROJECT_ROOT, Settings, get_settings
from rag.store.knowledge_base import KnowledgeBase

SHARED = PROJECT_ROOT.parent / "shared" / "eval"
SAMPLES = PROJECT_ROOT / "data" / "docs"


def needs_shared() -> None:
    if not SHARED.is_dir():
        pytest.skip(f"shared eval data not found at {SHARED}")


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    return load_embedder(Settings())


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {"store_path": tmp_path / "store", "docs_dir": tmp_path / "docs"}
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    return make


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture
def index(settings: Settings, embedder: SentenceTransformerEmbedder) -> KnowledgeBase:
    return KnowledgeBase(settings, embedder=embedder)


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    """A writable copy of the bundled sample documents."""
    target = tmp_path / "docs"
    shutil.copytree(SAMPLES, target)
    return target


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Entry points configure the process's logging: put it back as it was after the test."""
    root = logging.getLogger()
    handlers = list(root.handlers)
    levels = {name: logging.getLogger(name).level for name in PACKAGES}
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
        handler.close()
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture
def entry_point_log(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch,
                    restore_logging: None) -> Iterator[Path]:
    """The log file of an entry point that reads the process's settings (the page): a folder of its own,
    so tests that watch tmp_path see no extra file."""
    log = tmp_path_factory.mktemp("log") / "entry.log"
    monkeypatch.setenv("RAG_LOG_FILE", str(log))
    get_settings.cache_clear()
    yield log
    get_settings.cache_clear()
