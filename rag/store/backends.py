"""Which implementation backs each part of the store for the given settings: the one place to change
when a part moves (the catalog, the lexical index or the lock next to a Chroma server, say)."""

from __future__ import annotations

from rag.settings import StoreSettings
from rag.store.catalog import Manifest
from rag.store.chroma import ChromaStore
from rag.store.lexical import BM25Index
from rag.store.lock import FileLock
from rag.store.protocol import Catalog, LexicalIndex, VectorStore, WriterLock


def open_vector_store(settings: StoreSettings) -> VectorStore:
    return ChromaStore(settings)


def open_catalog(settings: StoreSettings) -> Catalog:
    return Manifest.open(settings.path / f"{settings.collection}.manifest.json")


def open_lexical(settings: StoreSettings) -> LexicalIndex:
    """Not read yet: the knowledge base loads it on the first search."""
    return BM25Index(settings.path / f"{settings.collection}.lexical")


def open_lock(settings: StoreSettings) -> WriterLock:
    return FileLock(settings.path)
