"""The knowledge base on disk: vector store + manifest + lexical index, kept consistent with each other.

Writers (ingest) go through `replace_file` / `delete_file`; readers (retrieval) see only chunks of the
version the manifest has committed, and `refresh()` picks up another process's sync.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.errors import StoreMismatch
from rag.settings import Settings
from rag.store.catalog import FileRecord, Manifest
from rag.store.chroma import ChromaStore, Metadata, open_store
from rag.store.lexical import LexicalIndex

if TYPE_CHECKING:
    from ingest.chunking import ChunkSettings
    from rag.embeddings import Embedder

# The chunker proper (ingest/chunking.py). A parser's changes are its own version, kept per file: the
# sync parses that kind's files again. (2 and 3 were PDF parser changes, now the PDF parser's version 3.)
CHUNKER_VERSION = 3


def store_fingerprint(embedder: Embedder, cfg: ChunkSettings) -> dict[str, Any]:
    return {
        **embedder.fingerprint(),  # type: ignore[attr-defined]
        "chunk_tokens": cfg.chunk_tokens,
        "chunk_overlap": cfg.overlap,
        "chunker": CHUNKER_VERSION,
    }


def mismatch_message(stored: dict[str, Any], current: dict[str, Any], docs_dir: Path) -> str:
    diff = ", ".join(
        f"{k}: {stored.get(k)!r} → {current.get(k)!r}" for k in sorted(set(stored) | set(current))
        if stored.get(k) != current.get(k)
    )
    return (f"the store was built with other embedding/chunking settings ({diff}): "
            f"run python -m ingest {docs_dir} --reindex")


class KnowledgeBase:
    def __init__(self, settings: Settings, embedder: Embedder | None = None, store: ChromaStore | None = None):
        self.settings = settings
        self._embedder = embedder
        self.store = store or open_store(settings.store)
        base = settings.store.path / settings.store.collection
        self.manifest_path = base.with_name(base.name + ".manifest.json")
        self.lexical_path = base.with_name(base.name + ".lexical")
        self.manifest = Manifest.load(self.manifest_path)
        self._lexical: LexicalIndex | None = None
        self._seen = self._stamp()
        # Set by the sync while it writes through this object: a reader thread (the page) must not swap
        # the store and manifest under it.
        self.writing = False
        self._query_checked = False

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            from rag.embeddings import load_embedder

            self._embedder = load_embedder(self.settings)
        return self._embedder

    @property
    def lexical(self) -> LexicalIndex:
        if self._lexical is None:
            self._lexical = LexicalIndex.load(self.lexical_path)
            if self._lexical.stale:  # written by an older tokenizer: rebuild once, atomically
                self.rebuild_lexical()
        assert self._lexical is not None
        return self._lexical

    # --- readers -------------------------------------------------------------------------------

    def _stamp(self) -> tuple[int, int]:
        try:
            st = self.manifest_path.stat()
            return (st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            return (0, 0)

    def refresh(self) -> bool:
        """Reload after another process synced; a long-lived Chroma client would not see its writes."""
        stamp = self._stamp()
        if stamp == self._seen or self.writing:
            return False
        from chromadb.api.shared_system_client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
        self.store = open_store(self.settings.store)
        self.manifest = Manifest.load(self.manifest_path)
        self._lexical = None
        self._query_checked = False
        self._seen = stamp
        return True

    def check_query_embedder(self) -> None:
        """Vectors of another model are noise to this one's queries: refuse rather than answer badly."""
        if self._query_checked:
            return
        stored = self.store.fingerprint()
        current = self.embedder.fingerprint()  # type: ignore[attr-defined]
        if stored and any(stored.get(k) != v for k, v in current.items()):
            raise StoreMismatch(
                mismatch_message({k: stored.get(k) for k in current}, current, self.settings.store.docs_dir)
            )
        self._query_checked = True

    def is_current(self, metadata: Metadata) -> bool:
        rec = self.manifest.files.get(str(metadata.get("file")))
        return rec is not None and rec.sha256 == metadata.get("doc_version")

    # --- writers (under the ingest lock) -------------------------------------------------------

    def reset(self) -> None:
        self.store.reset()
        self.manifest = Manifest(self.manifest_path)
        self.manifest.save()
        self.rebuild_lexical()

    def recover(self) -> bool:
        """Finish what a killed run left half done; True when something was cleaned up."""
        m = self.manifest
        if not self.manifest_path.exists() and self.store.count():
            self.store.reset()  # chunks nobody committed: start clean
            return True
        if not m.pending:
            return False
        for rel in list(m.pending):
            rec = m.files.get(rel)
            if rec is None:
                self.store.delete(where={"file": rel})
            else:
                self.store.delete(where={"$and": [{"file": rel}, {"doc_version": {"$ne": rec.sha256}}]})
            del m.pending[rel]
        m.save()
        return True

    def replace_file(
        self, rel: str, record: FileRecord, ids: list[str], vectors: np.ndarray,
        documents: list[str], metadatas: list[Metadata],
    ) -> None:
        m = self.manifest
        m.pending[rel] = record.sha256
        m.save()
        self.store.upsert(ids, vectors, documents, metadatas)
        m.files[rel] = record
        del m.pending[rel]
        m.save()  # the commit point: from here on readers see the new version only
        self.store.delete(where={"$and": [{"file": rel}, {"doc_version": {"$ne": record.sha256}}]})

    def delete_file(self, rel: str) -> None:
        m = self.manifest
        m.pending[rel] = ""
        m.files.pop(rel, None)
        m.save()
        self.store.delete(where={"file": rel})
        del m.pending[rel]
        m.save()

    def stored_vectors(self, rel: str) -> dict[str, np.ndarray]:
        got = self.store.get(where={"file": rel}, embeddings=True)
        if got.embeddings is None:
            return {}
        return {str(meta.get("text_hash")): vec for meta, vec in zip(got.metadatas, got.embeddings, strict=True)}

    def rebuild_lexical(self) -> None:
        got = self.store.get()
        keep = [i for i, meta in enumerate(got.metadatas) if self.is_current(meta)]
        self._lexical = LexicalIndex.build(
            self.lexical_path,
            [got.ids[i] for i in keep],
            (f"{got.metadatas[i].get('context', '')}\n{got.documents[i]}" for i in keep),
        )

    def lexical_in_sync(self) -> bool:
        return len(self.lexical) == self.manifest.chunk_total
