"""Hybrid retrieval: dense (vector store) and lexical (BM25) candidates, fused (`fusion`), spread over
pages (`diversify`).

Access (the files the caller's groups may read) and the caller's filters make one scope that both sides
search within, before fusion: no caller can forget it. Chunks flagged at ingest as instructions are
dropped from both sides before fusion.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from rag.access import EVERYONE
from rag.errors import NoMatchingDocuments
from rag.query.diversify import PageSpread
from rag.query.filters import Filters, Scope, scope
from rag.query.fusion import rrf
from rag.settings import RetrievalSettings
from rag.store.knowledge_base import KnowledgeBase
from rag.text.cjk import cjk_share
from rag.types import RetrievedChunk

EVERYONE_ONLY = frozenset({EVERYONE})


class Retriever:
    def __init__(self, index: KnowledgeBase, settings: RetrievalSettings, *, keep_ranked: int) -> None:
        """`keep_ranked`: how many first results stay in ranked order (what the model reads) before
        results prefer pages not yet listed."""
        self.index = index
        self.settings = settings
        self.keep_ranked = keep_ranked

    def search(self, question: str, *, top_k: int | None = None, filters: Filters | None = None,
               who: frozenset[str] = EVERYONE_ONLY) -> list[RetrievedChunk]:
        """The best chunks for the question among those the caller's groups `who` may read
        (rag.access.caller_groups) and the filters allow."""
        s = self.settings
        top_k = top_k or s.top_k
        self.index.refresh()
        if not question.strip() or not self.index.manifest.files:
            return []
        try:
            within = scope(filters, self.index.manifest.files, self.index.readable(who))
        except NoMatchingDocuments:
            return []
        self.index.check_query_embedder()
        embedder = self.index.embedder
        n = max(s.candidates, top_k)
        dense_weight = s.dense_weight if self.reads(question) else 0.0
        q = embedder.embed_query(question) if dense_weight else None
        flagged = self.index.flagged
        k = n + len(flagged)  # room for the flagged ones among each side's first n
        dense = self._dense(q, k, within) if q is not None else []
        # Metadata conditions (page, kind) are the store's to evaluate: the lexical side takes its ids.
        ids = set(self.index.store.ids(within.store_filter)) if within.where is not None else None
        lexical = self.index.lexical.search(question, k, files=within.files, ids=ids)
        dense, lexical = _unflagged(dense, flagged, n), _unflagged(lexical, flagged, n)
        fused = rrf([([c for c, _ in dense], dense_weight), ([c for c, _ in lexical], s.lexical_weight)], s.rrf_k)
        return self._best(sorted(fused, key=fused.__getitem__, reverse=True), fused, q, top_k, within.files)

    def _dense(self, q: np.ndarray, k: int, within: Scope) -> list[tuple[str, float]]:
        """The `k` nearest chunks in scope. A scope of files is searched by asking for more and keeping
        those in scope (their files known from the lexical index) when that is cheaper than a filter."""
        s, store = self.settings, self.index.store
        if within.files is None or within.where is not None:
            return store.query(q, k, within.store_filter)
        files = self.index.manifest.files
        share = sum(files[f].chunks for f in within.files if f in files) / max(self.index.manifest.chunk_total, 1)
        fetch = math.ceil(k / max(share, 1e-9) * s.scope_overfetch)
        if fetch <= s.scope_fetch_max:
            hits = store.query(q, fetch)
            owners = self.index.lexical.files_of([cid for cid, _ in hits])
            kept = [hit for hit, owner in zip(hits, owners, strict=True) if owner in within.files]
            if len(kept) >= k or len(hits) < fetch:  # enough, or the whole store was looked at
                return kept[:k]
        return store.query(q, k, within.store_filter)

    def _best(self, ranked: list[str], fused: dict[str, float], q: np.ndarray | None,
              top_k: int, files: frozenset[str] | None) -> list[RetrievedChunk]:
        """The first `top_k` current chunks of the ranking, spread over pages past what the model reads."""
        spread = PageSpread(self.keep_ranked, top_k)
        # Batches with a few spares: chunks of a version being replaced right now are dropped.
        step = top_k + self.settings.fetch_spare
        for start in range(0, len(ranked), step):
            for chunk in self._materialise(ranked[start : start + step], fused, q):
                if files is None or chunk.file in files:  # both sides were scoped; this holds it for sure
                    spread.add(chunk)
            if spread.full:
                break
        return spread.result()

    def reads(self, question: str) -> bool:
        """An English-only encoder maps a CJK question to noise: neither its ranks nor its similarity
        (0.56-0.71 even for unanswerable questions, measured) may count, so it is not asked at all."""
        return not (self.index.embedder.english_only and cjk_share(question) > self.settings.cjk_question_share)

    def similarity_to(self, question: str) -> Callable[[list[str]], list[float]] | None:
        """Cosines of texts to the question, or None where the encoder cannot read it."""
        if not self.reads(question):
            return None
        embedder = self.index.embedder
        q = embedder.embed_query(question)
        return lambda texts: (embedder.embed_documents(texts) @ q).tolist()

    def _materialise(self, ids: list[str], fused: dict[str, float], q: np.ndarray | None) -> list[RetrievedChunk]:
        got = self.index.store.get(ids=ids, embeddings=q is not None)
        by_id = {cid: i for i, cid in enumerate(got.ids)}
        out = []
        for cid in ids:
            i = by_id.get(cid)
            if i is None or not self.index.is_current(got.metadatas[i]):
                continue
            meta = got.metadatas[i]
            sim = float(np.dot(got.embeddings[i], q)) if q is not None and got.embeddings is not None else 0.0
            page = meta.get("page")
            out.append(
                RetrievedChunk(
                    id=cid,
                    text=got.documents[i],
                    file=str(meta.get("file", "")),
                    page=int(page) if page is not None else None,
                    page_end=int(meta.get("page_end", page)) if page is not None else None,
                    heading=str(meta.get("heading", "")),
                    score=fused[cid],
                    similarity=sim,
                    page_label=str(meta["page_label"]) if "page_label" in meta else None,
                    metadata=meta,
                )
            )
        return out


def _unflagged(hits: list[tuple[str, float]], flagged: frozenset[str], n: int) -> list[tuple[str, float]]:
    return [hit for hit in hits if hit[0] not in flagged][:n] if flagged else hits
