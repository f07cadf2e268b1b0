"""The passages given to the model, cut down to what bears on the question, so the model reads less.

On CPU the prompt is the cost (the 1.5B model reads ~36 prompt tokens/s here): three whole passages
take ~13 s before the first token. A question shares its rarer words with the sentence that answers
it, or its meaning, so each passage keeps its best-matching sentences and their neighbours, and a
passage whose best sentence matches less than half as well as another passage's is left out (figures
in benchmarks/RESULTS.md: on 200 XQuAD questions the gold answer stays in front of the model for 192 in
about half the tokens of the whole passages).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace

from rag.text.sentences import sentences
from rag.text.words import units
from rag.types import RetrievedChunk


def focus(
    question: str,
    chunks: Sequence[RetrievedChunk],
    count_tokens: Callable[[str], int],
    passage_tokens: int,
    *,
    keep: float = 0.5,
    budget: int | None = None,
    similarity: Callable[[list[str]], Sequence[float]] | None = None,
    dense_weight: float = 0.5,
) -> list[RetrievedChunk]:
    """The chunks that match at least `keep` times as well as the best one, in their order, each cut to
    its sentences nearest the question: `passage_tokens` each (a short one leaves its rest to the next),
    `budget` in all. A sentence's match is its share of the best word score plus `dense_weight` times
    its cosine to the question (`similarity`, when the encoder can read the question): meaning finds
    the answer put in other words ("transatlantic" for "across the Atlantic")."""
    split = [sentences(c.text) or [c.text] for c in chunks]
    flat = [s for parts in split for s in parts]
    weights = _unit_weights(question, flat)
    lexical = [sum(w for u, w in weights.items() if u in units(s)) for s in flat]
    top = max(lexical, default=0.0) or 1.0
    dense = similarity(flat) if similarity and flat else [0.0] * len(flat)
    combined = iter([lex / top + dense_weight * d for lex, d in zip(lexical, dense, strict=True)])
    scores = [[next(combined) for _ in parts] for parts in split]
    best = [max(s) for s in scores]
    kept = [i for i, b in enumerate(best) if b >= keep * max(best)]
    left = passage_tokens * len(kept) if budget is None else min(budget, passage_tokens * len(kept))
    out: list[RetrievedChunk] = []
    for k, i in enumerate(kept):
        share = left // (len(kept) - k)
        text = _excerpt(split[i], scores[i], count_tokens, share)
        out.append(replace(chunks[i], text=text))
        left -= min(share, count_tokens(text))
    return out


def _unit_weights(question: str, pool: Sequence[str]) -> dict[str, float]:
    """Question units weighted by rarity among the candidate sentences: a word every sentence has
    ("Warsaw" in an article about Warsaw) says little about which one answers."""
    q = units(question)
    sets = [units(s) for s in pool]
    n = len(sets)
    return {u: math.log(1 + n / (1 + sum(u in s for s in sets))) for u in q}


def _excerpt(parts: list[str], scores: list[float], count_tokens: Callable[[str], int], budget: int) -> str:
    whole = " ".join(parts)
    if count_tokens(whole) <= budget:
        return whole
    cost = [count_tokens(p) for p in parts]
    best = max(range(len(parts)), key=lambda i: (scores[i], -i))
    if cost[best] > budget:
        return _head(parts[best], budget, count_tokens)
    i = j = best
    used = cost[best]
    while True:
        # Grow towards the better neighbour; a sentence before the best one often names its subject.
        options = [x for x in (i - 1, j + 1) if 0 <= x < len(parts) and used + cost[x] <= budget]
        if not options:
            break
        x = max(options, key=lambda x: (scores[x], x < best))
        used += cost[x]
        i, j = min(i, x), max(j, x)
    text = " ".join(parts[i : j + 1])
    return ("…" if i > 0 else "") + text + ("…" if j < len(parts) - 1 else "")


def _head(text: str, tokens: int, count_tokens: Callable[[str], int]) -> str:
    # Start at ~4 characters a token and shrink: a fixed ratio overshoots 3x on CJK (a token a character).
    cut = text[: tokens * 4]
    while cut and count_tokens(cut) > tokens:
        cut = cut[: int(len(cut) * 0.85)]
    return cut + "…"
