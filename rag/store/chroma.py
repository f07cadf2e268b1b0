"""The vector store in Chroma, embedded in the store folder or on a server (HttpClient)."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from rag.offline import offline_env
from rag.settings import StoreSettings
from rag.store.filters import All, Eq, Filter, In, Ne
from rag.store.protocol import Metadata, Records

Where = dict[str, Any]

_FP_PREFIX = "fp_"


def chroma_where(where: Filter | None) -> Where | None:
    """The filter in Chroma's syntax: `$eq/$ne/$in`, and `$and` only for two parts or more (Chroma
    refuses a `$and` of one)."""
    match where:
        case None:
            return None
        case Eq(field, value):
            return {field: {"$eq": value}}
        case Ne(field, value):
            return {field: {"$ne": value}}
        case In(field, values):
            return {field: {"$in": list(values)}}
        case All(parts) if len(parts) == 1:
            return chroma_where(parts[0])
        case All(parts):
            return {"$and": [chroma_where(p) for p in parts]}
    raise TypeError(f"not a store filter: {where!r}")


class ChromaStore:
    """Chroma with our habits: cosine space, batches under the server's limit, no None metadata."""

    def __init__(self, settings: StoreSettings) -> None:
        offline_env()
        self.settings = settings
        self.name = settings.collection
        self.client, self.collection = self._connect()
        self.max_batch = min(settings.max_batch, int(self.client.get_max_batch_size()))

    def _connect(self) -> tuple[Any, Any]:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
        if self.settings.chroma_host:
            client = chromadb.HttpClient(
                host=self.settings.chroma_host, port=self.settings.chroma_port, settings=chroma_settings
            )
        else:
            path = self.settings.path / "chroma"
            path.mkdir(parents=True, exist_ok=True)
            client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        return client, self._open(client)

    def _open(self, client: Any) -> Any:
        return client.get_or_create_collection(self.name, configuration={"hnsw": {"space": "cosine"}})

    def _batches(self, items: Sequence[Any]) -> list[slice]:
        return [slice(i, i + self.max_batch) for i in range(0, len(items), self.max_batch)]

    def reopen(self) -> None:
        # Chroma caches one system per path in the process: a new client on the old system would not
        # see another process's writes.
        from chromadb.api.shared_system_client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
        self.client, self.collection = self._connect()

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
        for b in self._batches(ids):
            self.collection.upsert(ids=ids[b], embeddings=embeddings[b], documents=documents[b], metadatas=metadatas[b])

    def update_metadata(self, ids: Sequence[str], metadatas: Sequence[Metadata]) -> None:
        for b in self._batches(ids):
            self.collection.update(ids=list(ids[b]), metadatas=list(metadatas[b]))

    def get(self, *, ids: Sequence[str] | None = None, where: Filter | None = None,
            embeddings: bool = False) -> Records:
        out = Records()
        if ids is not None and not ids:
            return out
        include = ["documents", "metadatas"] + (["embeddings"] if embeddings else [])
        chroma = chroma_where(where)
        id_batches: list[list[str] | None] = [list(ids[b]) for b in self._batches(ids)] if ids else [None]
        chunks: list[np.ndarray] = []
        for batch in id_batches:
            offset = 0
            while True:
                got = self.collection.get(ids=batch, where=chroma, include=include, limit=self.max_batch,
                                          offset=offset)
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

    def ids(self, where: Filter | None = None) -> list[str]:
        chroma = chroma_where(where)
        found: list[str] = []
        offset = 0
        while True:
            got = self.collection.get(where=chroma, include=[], limit=self.max_batch, offset=offset)
            found += got["ids"]
            if len(got["ids"]) < self.max_batch:
                return found
            offset += self.max_batch

    def delete(self, *, ids: Sequence[str] | None = None, where: Filter | None = None) -> None:
        if ids is not None:
            for b in self._batches(ids):
                self.collection.delete(ids=list(ids[b]))
        elif where is not None:
            self.collection.delete(where=chroma_where(where))

    def query(self, embedding: np.ndarray, k: int, where: Filter | None = None) -> list[tuple[str, float]]:
        # No count() guard: it costs 4x the HNSW search at 100k chunks, and Chroma answers an empty
        # collection with no hits.
        if k <= 0:
            return []
        res = self.collection.query(
            query_embeddings=[np.asarray(embedding, dtype=np.float32)], n_results=k, where=chroma_where(where),
            include=["distances"],
        )
        # cosine distance → similarity
        return [(i, 1.0 - float(d)) for i, d in zip(res["ids"][0], res["distances"][0], strict=True)]

    def reset(self) -> None:
        from chromadb.errors import NotFoundError

        with contextlib.suppress(NotFoundError):  # already gone; any other failure must not leave old rows
            self.client.delete_collection(self.name)
        self.collection = self._open(self.client)
