"""The vector store behind a small protocol, and its Chroma implementation (embedded folder or server)."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from rag.offline import offline_env
from rag.settings import StoreSettings

Metadata = dict[str, str | int | float | bool]
Where = dict[str, Any]


@dataclass
class Records:
    ids: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    metadatas: list[Metadata] = field(default_factory=list)
    embeddings: np.ndarray | None = None



class VectorStore(Protocol):
    def count(self) -> int: ...

    def fingerprint(self) -> dict[str, Any]: ...

    def set_fingerprint(self, fingerprint: dict[str, Any]) -> None: ...

    def upsert(
        self, ids: list[str], embeddings: np.ndarray, documents: list[str], metadatas: list[Metadata]
    ) -> None: ...

    def get(
        self, *, ids: Sequence[str] | None = None, where: Where | None = None, embeddings: bool = False
    ) -> Records: ...

    def delete(self, *, ids: Sequence[str] | None = None, where: Where | None = None) -> None: ...

    def query(self, embedding: np.ndarray, k: int, where: Where | None = None) -> list[tuple[str, float]]: ...

    def reset(self) -> None: ...


_FP_PREFIX = "fp_"


class ChromaStore:
    """Chroma with our habits: cosine space, batches under the server's limit, no None metadata."""

    def __init__(self, settings: StoreSettings) -> None:
        offline_env()
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
        if settings.chroma_host:
            self.client = chromadb.HttpClient(
                host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
            )
        else:
            path = settings.path / "chroma"
            path.mkdir(parents=True, exist_ok=True)
            self.client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        self.name = settings.collection
        self.collection = self._open()
        self.max_batch = min(settings.max_batch, int(self.client.get_max_batch_size()))

    def _open(self) -> Any:
        return self.client.get_or_create_collection(self.name, configuration={"hnsw": {"space": "cosine"}})

    def count(self) -> int:
        return int(self.collection.count())

    def fingerprint(self) -> dict[str, Any]:
        meta = self.collection.metadata or {}
        return {k[len(_FP_PREFIX) :]: v for k, v in meta.items() if k.startswith(_FP_PREFIX)}

    def set_fingerprint(self, fingerprint: dict[str, Any]) -> None:
        meta = dict(self.collection.metadata or {})
        meta.update({_FP_PREFIX + k: v for k, v in fingerprint.items()})
        self.collection.modify(metadata=meta)

    def upsert(self, ids: list[str], embeddings: np.ndarray, documents: list[str], metadatas: list[Metadata]) -> None:
        for i in range(0, len(ids), self.max_batch):
            j = i + self.max_batch
            self.collection.upsert(
                ids=ids[i:j], embeddings=embeddings[i:j], documents=documents[i:j], metadatas=metadatas[i:j]
            )

    def get(self, *, ids: Sequence[str] | None = None, where: Where | None = None, embeddings: bool = False) -> Records:
        include = ["documents", "metadatas"] + (["embeddings"] if embeddings else [])
        out = Records()
        id_batches = [list(ids[i : i + self.max_batch]) for i in range(0, len(ids), self.max_batch)] if ids else [None]
        if ids is not None and not ids:
            return out
        chunks: list[np.ndarray] = []
        for batch in id_batches:
            offset = 0
            while True:
                got = self.collection.get(
                    ids=batch, where=where, include=include, limit=self.max_batch, offset=offset
                )
                out.ids += got["ids"]
                out.documents += got["documents"]
                out.metadatas += [dict(m or {}) for m in got["metadatas"]]
                if embeddings and len(got["ids"]):
                    chunks.append(np.asarray(got["embeddings"], dtype=np.float32))
                if batch is not None or len(got["ids"]) < self.max_batch:
                    break
                offset += self.max_batch
        if embeddings:
            out.embeddings = np.concatenate(chunks) if chunks else np.zeros((0, 0), dtype=np.float32)
        return out

    def ids(self, where: Where | None = None) -> list[str]:
        found: list[str] = []
        offset = 0
        while True:
            got = self.collection.get(where=where, include=[], limit=self.max_batch, offset=offset)
            found += got["ids"]
            if len(got["ids"]) < self.max_batch:
                return found
            offset += self.max_batch

    def delete(self, *, ids: Sequence[str] | None = None, where: Where | None = None) -> None:
        if ids is not None:
            for i in range(0, len(ids), self.max_batch):
                self.collection.delete(ids=list(ids[i : i + self.max_batch]))
        elif where is not None:
            self.collection.delete(where=where)

    def query(self, embedding: np.ndarray, k: int, where: Where | None = None) -> list[tuple[str, float]]:
        # No count() guard: it costs 4x the HNSW search at 100k chunks, and Chroma answers an empty
        # collection with no hits.
        if k <= 0:
            return []
        res = self.collection.query(
            query_embeddings=[np.asarray(embedding, dtype=np.float32)], n_results=k, where=where, include=["distances"]
        )
        # cosine distance → similarity
        return [(i, 1.0 - float(d)) for i, d in zip(res["ids"][0], res["distances"][0], strict=True)]

    def reset(self) -> None:
        with contextlib.suppress(Exception):  # already gone
            self.client.delete_collection(self.name)
        self.collection = self._open()


def open_store(settings: StoreSettings) -> ChromaStore:
    return ChromaStore(settings)


def where_all(**conditions: Any) -> Where | None:
    """Chroma wants `$and` as soon as there is more than one condition."""
    parts = [{k: v} for k, v in conditions.items() if v is not None]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"$and": parts}
