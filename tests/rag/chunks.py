"""Shared test helpers: hand-made retrieved chunks and an exact word-based token counter."""

from __future__ import annotations

import re

from rag.types import RetrievedChunk


def words(text: str) -> int:
    """A simple, exact token counter: one token per word, one per CJK character."""
    return len(re.findall(r"[\u3400-\u9fff]|[^\s\u3400-\u9fff]+", text))


def chunk(n: int, text: str, *, file: str = "doc.pdf", page: int | None = 1, page_end: int | None = None,
          heading: str = "") -> RetrievedChunk:
    return RetrievedChunk(id=f"c{n}", text=text, file=file, page=page, page_end=page_end or page, heading=heading,
                 score=1.0 / n, similarity=0.5)
