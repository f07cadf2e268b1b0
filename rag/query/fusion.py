"""Reciprocal-rank fusion: rankings of different scales (cosines, BM25 scores) combined by rank alone."""

from __future__ import annotations

from collections.abc import Iterable


def rrf(rankings: Iterable[tuple[list[str], float]], k: int) -> dict[str, float]:
    """Each id's sum over the weighted rankings of weight / (k + rank); `k` flattens the rank weights."""
    scores: dict[str, float] = {}
    for ids, weight in rankings:
        for rank, cid in enumerate(ids):
            scores[cid] = scores.get(cid, 0.0) + weight / (k + rank + 1)
    return scores
