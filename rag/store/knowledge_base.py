"""The knowledge base: vector store + catalog + lexical index, kept consistent with each other.

Writers (ingest, the admins' page) go through `replace_file` / `delete_file` / `clear_flag` under `lock`
(`writer()` outside the sync); readers (retrieval) see only chunks of the version the catalog has
committed, and `refresh()` picks up another process's sync.
Each part is a protocol (rag/store/protocol.py); left out, it is the one rag/store/backends.py picks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.access.readable import readable_files
from rag.errors import InvalidInput, StoreMismatch
from rag.settings import Settings
from rag.store.backends import open_catalog, open_lexical, open_lock, open_vector_store
from rag.store.catalog import FileRecord
from rag.store.filters import All, Eq, Ne, one_of
from rag.store.protocol import Catalog, LexicalIndex, Metadata, VectorStore, WriterLock

if TYPE_CHECKING:
    from ingest.chunking import ChunkSettings
    from rag.embeddings import Embedder

logger = logging.getLogger(__name__)

# The chunker proper (ingest/chunking.py). A parser's changes are its own version, kept per file: the
# sync parses that kind's files again. (2 and 3 were PDF parser changes, now the PDF parser's version 3.)
CHUNKER_VERSION = 3

# Chunk metadata written by the sync: whether the passage reads as instructions to an AI or the reader
# (rag/text/instructions.py), and why. Such chunks are kept out of answers. Rows written before the flag
# existed lack the key and count as clean.
INSTRUCTION_FLAG = "instruction_flag"
INSTRUCTION_REASON = "instruction_reason"
# Distinct group sets whose readable files are kept; a company has few, and past this the cache restarts.
_READABLE_CACHE = 256


@dataclass(frozen=True)
class FlaggedPassage:
    """A chunk the sync flagged as instructions, for an admin to judge."""

    id: str
    file: str
    page: int | None
    reason: str
    text: str
    cleared: bool  # an admin judged it harmless: it takes part in answers


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


def other_versions(rel: str, version: str) -> All:
    """The chunks of `rel` that are not of `version`: what a committed swap leaves to delete."""
    return All((Eq("file", rel), Ne("doc_version", version)))


class KnowledgeBase:
    def __init__(self, settings: Settings, embedder: Embedder | None = None, store: VectorStore | None = None, *,
                 catalog: Catalog | None = None, lexical: LexicalIndex | None = None,
                 lock: WriterLock | None = None) -> None:
        self.settings = settings
        self._embedder = embedder
        self.store = store if store is not None else open_vector_store(settings.store)
        self.manifest = catalog if catalog is not None else open_catalog(settings.store)
        self._lexical = lexical if lexical is not None else open_lexical(settings.store)
        self._lexical_loaded = False  # read on the first search: BM25 costs time a writer may not need
        self.lock = lock if lock is not None else open_lock(settings.store)
        self._seen = self.manifest.stamp()
        # Set by the sync while it writes through this object: a reader thread (the page) must not swap
        # the store and catalog under it.
        self.writing = False
        self._query_checked = False
        self._flagged: frozenset[str] | None = None
        self._passages: tuple[Hashable, list[FlaggedPassage]] | None = None
        self._readable: dict[tuple[frozenset[str], Hashable], frozenset[str] | None] = {}

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            from rag.embeddings import load_embedder

            self._embedder = load_embedder(self.settings)
        return self._embedder

    @property
    def lexical(self) -> LexicalIndex:
        if not self._lexical_loaded:
            self._lexical.load()
            self._lexical_loaded = True
            if self._lexical.stale:  # written by an older tokenizer: rebuild once, atomically
                self.rebuild_lexical()
        return self._lexical

    @property
    def flagged(self) -> frozenset[str]:
        """Ids of the chunks flagged as instructions, read once per refresh: few, so dropping them from
        each side's results is cheaper than a store filter on every query."""
        if self._flagged is None:
            self._flagged = frozenset(self.store.ids(Eq(INSTRUCTION_FLAG, True)))
        return self._flagged

    def flagged_passages(self) -> list[FlaggedPassage]:
        """The current chunks flagged at ingest, the cleared ones included, by file and position: read again
        only when the catalog changed (a flag change saves it too)."""
        stamp = self.manifest.stamp()
        if self._passages is None or self._passages[0] != stamp:
            self._passages = (stamp, self._read_passages())
        return self._passages[1]

    def _read_passages(self) -> list[FlaggedPassage]:
        parts = [self.store.get(where=Eq(INSTRUCTION_FLAG, True))]
        parts += [self.store.get(where=All((Eq("file", rel), one_of("text_hash", hashes))))
                  for rel, hashes in self.manifest.cleared.items() if hashes]
        rows = {cid: (meta, text) for got in parts
                for cid, text, meta in zip(got.ids, got.documents, got.metadatas, strict=True)
                if INSTRUCTION_REASON in meta and self.is_current(meta)}
        def position(cid: str) -> tuple[str, int]:
            meta = rows[cid][0]
            return str(meta["file"]), int(meta.get("chunk_index", 0))

        passages = []
        for cid in sorted(rows, key=position):
            meta, text = rows[cid]
            page = meta.get("page")
            passages.append(FlaggedPassage(cid, str(meta["file"]), None if page is None else int(page),
                                           str(meta[INSTRUCTION_REASON]), text, not meta.get(INSTRUCTION_FLAG)))
        return passages

    def readable(self, who: frozenset[str]) -> frozenset[str] | None:
        """The committed files callers in the groups `who` may read (None: all of them), worked out once
        per catalog version: it runs on every question."""
        key = (who, self.manifest.stamp())
        if key not in self._readable:
            if len(self._readable) > _READABLE_CACHE:
                self._readable.clear()
            self._readable[key] = readable_files(self.manifest.files, who)
        return self._readable[key]

    # --- readers -------------------------------------------------------------------------------

    def refresh(self) -> bool:
        """Reload after another process synced; a long-lived store client would not see its writes."""
        stamp = self.manifest.stamp()
        if stamp == self._seen or self.writing:
            return False
        self.store.reopen()
        self.manifest.load()
        self._lexical_loaded = False
        self._query_checked = False
        self._flagged = None
        self._passages = None
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

    # --- writers (under the writer lock) -------------------------------------------------------

    @contextmanager
    def writer(self) -> Iterator[None]:
        """Write through this object under the writer lock (`StoreLocked` while another writer holds it),
        after picking up what other writers committed; meanwhile this object is not reloaded under it."""
        with self.lock:
            self.refresh()
            self.writing = True
            try:
                yield
            finally:
                self.writing = False

    def reset(self) -> None:
        self.store.reset()
        self.manifest.clear()
        self.manifest.save()
        self.rebuild_lexical()

    def recover(self) -> bool:
        """Finish what a killed run left half done; True when something was cleaned up."""
        m = self.manifest
        if not m.exists() and self.store.count():
            logger.warning("store %s: chunks without a catalog (a first run was killed): starting clean",
                           self.settings.store.path)
            self.store.reset()  # chunks nobody committed: start clean
            return True
        if not m.pending:
            return False
        logger.warning("store %s: an interrupted run left %d file(s) half written; cleaning up: %s",
                       self.settings.store.path, len(m.pending), ", ".join(sorted(m.pending)))
        for rel in list(m.pending):
            rec = m.files.get(rel)
            self.store.delete(where=Eq("file", rel) if rec is None else other_versions(rel, rec.sha256))
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
        if rel in m.cleared:  # a cleared passage whose text changed is judged anew
            texts = {meta.get("text_hash") for meta in metadatas}
            self._set_cleared_hashes(rel, {h for h in m.cleared[rel] if h in texts})
        m.files[rel] = record
        del m.pending[rel]
        m.save()  # the commit point: from here on readers see the new version only
        self.store.delete(where=other_versions(rel, record.sha256))

    def delete_file(self, rel: str) -> None:
        """Forget the file: its chunks, its record, its failure and its cleared passages."""
        m = self.manifest
        m.pending[rel] = ""
        m.files.pop(rel, None)
        m.failed.pop(rel, None)
        m.cleared.pop(rel, None)
        m.save()
        self.store.delete(where=Eq("file", rel))
        del m.pending[rel]
        m.save()

    def clear_flag(self, rel: str, chunk_id: str) -> None:
        """An admin judged this flagged passage harmless: it takes part in answers, and later syncs keep it
        so while the file holds the same text (the catalog keeps the text's hash)."""
        self._set_cleared(rel, chunk_id, cleared=True)

    def flag_again(self, rel: str, chunk_id: str) -> None:
        """Undo `clear_flag`: the passage is kept out of answers again."""
        self._set_cleared(rel, chunk_id, cleared=False)

    def _set_cleared(self, rel: str, chunk_id: str, *, cleared: bool) -> None:
        got = self.store.get(ids=[chunk_id])
        meta = got.metadatas[0] if got.ids else {}
        if meta.get("file") != rel or INSTRUCTION_REASON not in meta or not self.is_current(meta):
            raise InvalidInput(f"{rel}: no flagged passage {chunk_id!r} in the current version (synced meanwhile?)")
        text = str(meta["text_hash"])
        hashes = set(self.manifest.cleared.get(rel, ()))
        same = self.store.get(where=All((Eq("file", rel), Eq("text_hash", text))))  # the text may repeat
        ids = [cid for cid, m in zip(same.ids, same.metadatas, strict=True) if self.is_current(m)]

        def catalog() -> None:
            self._set_cleared_hashes(rel, hashes | {text} if cleared else hashes - {text})
            self.manifest.save()

        def store() -> None:
            self.store.update_metadata(ids, [{INSTRUCTION_FLAG: not cleared}] * len(ids))
            self._flagged = None

        # The step that keeps the passage out of answers goes first: a failure between them errs that way.
        steps: list[Callable[[], None]] = [catalog, store] if cleared else [store, catalog]
        for step in steps:
            step()

    def _set_cleared_hashes(self, rel: str, hashes: set[str]) -> None:
        if hashes:
            self.manifest.cleared[rel] = sorted(hashes)
        else:
            self.manifest.cleared.pop(rel, None)

    def stored_vectors(self, rel: str) -> dict[str, np.ndarray]:
        got = self.store.get(where=Eq("file", rel), embeddings=True)
        if got.embeddings is None:
            return {}
        return {str(meta.get("text_hash")): vec for meta, vec in zip(got.metadatas, got.embeddings, strict=True)}

    def rebuild_lexical(self) -> None:
        got = self.store.get()
        keep = [i for i, meta in enumerate(got.metadatas) if self.is_current(meta)]
        self._lexical.build(
            [got.ids[i] for i in keep],
            (f"{got.metadatas[i].get('context', '')}\n{got.documents[i]}" for i in keep),
            [str(got.metadatas[i].get("file")) for i in keep],
        )
        self._lexical_loaded = True

    def lexical_in_sync(self) -> bool:
        return len(self.lexical) == self.manifest.chunk_total
