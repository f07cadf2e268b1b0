"""Blocks → chunks sized in the embedding model's own tokens, cut at sentence or paragraph ends.

A chunk never crosses a page or a heading section, so its citation (file, page, heading) is exact.
What gets embedded is the chunk prefixed with its document title and heading path: the encoder
then knows which filing or section a passage comes from, which the passage alone rarely says.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby
from typing import Protocol

from ingest.parsers.base import Block

# A unit ends after sentence punctuation followed by space, after CJK sentence ends, or at a line end.
_BOUNDARY = re.compile(r"[.!?][\"')\]]*\s+|[。！？；]+[”」』）]*|\n+")
_MAX_PREFIX_TOKENS = 40


class Tokenizer(Protocol):
    def count(self, texts: list[str]) -> list[int]: ...

    def windows(self, text: str, size: int, overlap: int) -> list[tuple[int, int]]:
        """Character spans of consecutive windows of `size` tokens overlapping by `overlap`."""
        ...


@dataclass(frozen=True)
class Chunk:
    text: str
    embed_text: str
    index: int
    page: int | None = None
    page_end: int | None = None
    page_label: str | None = None
    headings: tuple[str, ...] = ()

    @property
    def heading(self) -> str:
        return " > ".join(self.headings)


@dataclass(frozen=True)
class ChunkSettings:
    max_tokens: int  # the encoder's limit, special tokens excluded
    chunk_tokens: int
    overlap: int


def unit_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _BOUNDARY.finditer(text):
        if m.end() > start:
            spans.append((start, m.end()))
            start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def chunk_blocks(blocks: list[Block], title: str, tok: Tokenizer, cfg: ChunkSettings) -> list[Chunk]:
    chunks: list[Chunk] = []
    for (page, headings), group in groupby(blocks, key=lambda b: (b.page, b.headings)):
        section = list(group)
        text = "\n\n".join(b.text for b in section)
        prefix = _prefix(title, headings, tok)
        budget = max(16, min(cfg.chunk_tokens, cfg.max_tokens - tok.count([prefix])[0] - 1))
        for piece in _pack(text, tok, budget, min(cfg.overlap, budget // 3)):
            chunks.append(
                Chunk(
                    text=piece,
                    embed_text=f"{prefix}\n{piece}",
                    index=len(chunks),
                    page=page,
                    page_end=page,
                    page_label=section[0].page_label,
                    headings=headings,
                )
            )
    return chunks


def _prefix(title: str, headings: tuple[str, ...], tok: Tokenizer) -> str:
    prefix = " > ".join((title, *headings))
    while headings and tok.count([prefix])[0] > _MAX_PREFIX_TOKENS:
        headings = headings[1:]
        prefix = " > ".join((title, "…", *headings))
    return prefix


def _pack(text: str, tok: Tokenizer, budget: int, overlap: int) -> Iterator[str]:
    units = unit_spans(text)
    spans = []
    for (s, e), n in zip(units, tok.count([text[s:e] for s, e in units]), strict=True):
        if n <= budget:
            spans.append((s, e, n))
        else:  # one sentence longer than a chunk: cut it by tokens
            for ws, we in tok.windows(text[s:e], budget, overlap):
                spans.append((s + ws, s + we, budget))
    i = 0
    while i < len(spans):
        j, total = i, 0
        while j < len(spans) and total + spans[j][2] <= budget:
            total += spans[j][2]
            j += 1
        j = max(j, i + 1)
        yield text[spans[i][0] : spans[j - 1][1]].strip()
        if j >= len(spans):
            break
        # Start the next chunk with as many trailing units as fit in the overlap.
        k, carried = j, 0
        while k - 1 > i and carried + spans[k - 1][2] <= overlap:
            carried += spans[k - 1][2]
            k -= 1
        i = k
