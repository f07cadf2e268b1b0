"""Shared fixtures: the real packaged embedder (loaded once), fresh stores, the shared eval data."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"

from rag.embeddings import SentenceTransformerEmbedder, load_embedder
from rag.settings import PROJECT_ROOT, Settings
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
