"""What the knowledge base needs from each part of the store, as protocols.

A backend implements these and passes the contract tests in tests/rag/store/; the knowledge base, the
retriever and the sync know nothing else about it. Today: `ChromaStore` (embedded or server), the JSON
`Manifest`, the `BM25Index` folder and the `FileLock` (rag/store/backends.py picks them).
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, Self

import numpy as np

from rag.store.catalog import FailedRecord, FileRecord
from rag.store.filters import Filter

Metadata = dict[str, str | int | float | bool]


@dataclass
class Records:
    """Rows in the order the store returned them; `embeddings` only when asked for."""

    ids: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    metadatas: list[Metadata] = field(default_factory=list)
    embeddings: np.ndarray | None = None


class VectorStore(Protocol):
    """Chunks with a text, scalar metadata and a vector; similarity is the cosine (1: same direction).

    Every call takes any number of rows: splitting into what the backend accepts at once is the store's job.
    """

    def upsert(
        self, ids: list[str], embeddings: np.ndarray, documents: list[str], metadatas: list[Metadata]
    ) -> None:
        """Add rows; a row whose id exists is replaced (text, vector and the metadata keys given)."""

    def update_metadata(self, ids: Sequence[str], metadatas: Sequence[Metadata]) -> None:
        """Set the given metadata keys of existing rows, keeping their other keys, text and vector;
        unknown ids are ignored."""

    def get(self, *, ids: Sequence[str] | None = None, where: Filter | None = None,
            embeddings: bool = False) -> Records:
        """Rows by id (unknown ids are absent) and/or by filter; everything when neither is given."""

    def ids(self, where: Filter | None = None) -> list[str]:
        """The ids of the rows matching the filter (all rows without one)."""

    def query(self, embedding: np.ndarray, k: int, where: Filter | None = None) -> list[tuple[str, float]]:
        """The `k` rows most similar to `embedding` among those matching the filter: (id, cosine), best first."""

    def delete(self, *, ids: Sequence[str] | None = None, where: Filter | None = None) -> None:
        """Delete by ids or else by filter; neither (or an empty id list) deletes nothing."""

    def count(self) -> int: ...

    def fingerprint(self) -> dict[str, Any]:
        """What the rows were built with (embedding model, chunking), kept with the store."""

    def set_fingerprint(self, fingerprint: dict[str, Any]) -> None:
        """Merge these keys into the fingerprint."""

    def reset(self) -> None:
        """Drop every row and the fingerprint; a failure to do so is raised, never ignored."""

    def reopen(self) -> None:
        """See what other processes wrote since this one opened the store."""


class Catalog(Protocol):
    """The commit record: which version of each file the store holds, and what a killed run left half done.

    The engine reads `files`; the sync changes the fields and commits them with `save()`.
    """

    files: dict[str, FileRecord]
    failed: dict[str, FailedRecord]
    pending: dict[str, str]  # file → version being written
    synced_at: float | None
    cleared: dict[str, list[str]]  # file → text hashes of flagged passages an admin cleared

    @property
    def versions(self) -> dict[str, str]: ...

    @property
    def chunk_total(self) -> int: ...

    def load(self) -> None:
        """Re-read what the last `save()` committed, whichever process saved it."""

    def save(self) -> None:
        """Commit the fields at once: a reader sees the old catalog or the new one, never a mix."""

    def clear(self) -> None:
        """Forget every file (not saved until `save()`); the cleared passages stay."""

    def exists(self) -> bool:
        """Whether a catalog was ever saved: rows without one were committed by nobody."""

    def stamp(self) -> Hashable:
        """Cheap to read, different after every save: readers poll it to notice another writer."""


class LexicalIndex(Protocol):
    """Keyword search (BM25) over the committed chunks, rebuilt whole by the sync."""

    @property
    def stale(self) -> bool:
        """Written by another tokenizer version: rebuild before searching."""

    def load(self) -> None:
        """Read what the last `build()` wrote, whichever process built it."""

    def build(self, ids: list[str], texts: Iterable[str], files: Sequence[str]) -> None:
        """Replace the whole index (each chunk's id, text and file); a reader never sees half of it."""

    def search(self, query: str, k: int, *, files: Collection[str] | None = None,
               ids: Collection[str] | None = None) -> list[tuple[str, float]]:
        """Up to `k` (id, score) with a score above 0, best first; only chunks of `files` and only `ids`,
        when given."""

    def __len__(self) -> int: ...

    def files_of(self, ids: Sequence[str]) -> list[str | None]:
        """The file of each chunk id (None for an id the index does not hold)."""


class WriterLock(Protocol):
    """One writer per store: entering raises `StoreLocked` (naming the holder) while another holds it."""

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...

    def holder(self) -> str | None:
        """Who holds the lock now, or None."""
