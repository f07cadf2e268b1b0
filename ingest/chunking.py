"""Blocks → chunks sized in the embedding model's own tokens, cut at sentence or paragraph ends.

A chunk never crosses a page or a heading section, so its citation (file, page, heading) is exact.
What gets embedded is the chunk prefixed with its document title and heading path: the encoder
then knows which filing or section a passage comes from, which the passage alone rarely says.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby
from typing import Protocol

from ingest.parsers.base import Block
from rag.errors import LimitExceeded
from rag.text.sentences import unit_spans


class Tokenizer(Protocol):
    def count(self, texts: list[str]) -> list[int]: ...

    def windows(self, text: str, size: int, overlap: int) -> list[tuple[int, int]]:
        """Character spans of consecutive windows of `size` tokens overlapping by `overlap`."""
        ...


@dataclass(frozen=True)
class ChunkDraft:
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
    max_prefix_tokens: int  # title and heading path put before the text


def chunk_blocks(blocks: list[Block], title: str, tok: Tokenizer, cfg: ChunkSettings, *,
                 limit: int | None = None) -> list[ChunkDraft]:
    """The file's chunks; past `limit` of them, LimitExceeded, as soon as the next one is cut."""
    chunks: list[ChunkDraft] = []
    for (page, headings), group in groupby(blocks, key=lambda b: (b.page, b.headings)):
        section = list(group)
        text = "\n\n".join(b.text for b in section)
        prefix = _prefix(title, headings, tok, cfg.max_prefix_tokens)
        budget = max(16, min(cfg.chunk_tokens, cfg.max_tokens - tok.count([prefix])[0] - 1))
        for piece in _pack(text, tok, budget, min(cfg.overlap, budget // 3)):
            chunks.append(
                ChunkDraft(
                    text=piece,
                    embed_text=f"{prefix}\n{piece}",
                    index=len(chunks),
                    page=page,
                    page_end=page,
                    page_label=section[0].page_label,
                    headings=headings,
                )
            )
            if limit is not None and len(chunks) > limit:
                raise LimitExceeded(f"more than {limit:,} passages", "max_chunks")
    return chunks


def _prefix(title: str, headings: tuple[str, ...], tok: Tokenizer, max_tokens: int) -> str:
    prefix = " > ".join((title, *headings))
    while headings and tok.count([prefix])[0] > max_tokens:
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
