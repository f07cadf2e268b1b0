"""Results spread over pages: a second passage of a page already listed sends the reader nowhere new.

The first `keep` results (what the model reads) stay as ranked; after them, a chunk of a page already
listed waits behind chunks of other pages (FinanceBench page_hit@5 +1 of 34, benchmarks/RESULTS.md).
"""

from __future__ import annotations

from collections.abc import Hashable

from rag.types import RetrievedChunk


class PageSpread:
    def __init__(self, keep: int, top_k: int) -> None:
        self.keep = keep
        self.top_k = top_k
        self._picked: list[RetrievedChunk] = []
        self._waiting: list[RetrievedChunk] = []
        self._pages: set[Hashable] = set()

    def add(self, chunk: RetrievedChunk) -> None:
        """The next chunk in ranked order."""
        page = (chunk.file, chunk.page) if chunk.page is not None else chunk.id
        new_page = page not in self._pages
        (self._picked if len(self._picked) < self.keep or new_page else self._waiting).append(chunk)
        self._pages.add(page)

    @property
    def full(self) -> bool:
        return len(self._picked) >= self.top_k

    def result(self) -> list[RetrievedChunk]:
        return (self._picked + self._waiting)[: self.top_k]
