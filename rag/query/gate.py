"""The refusal gate: decided from retrieval evidence alone, before any LLM call.

Small models do not refuse reliably (measured), so the documents must show they can answer: a passage
close to the question by meaning, or one that holds enough of the question's content words.
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.settings import AnswerSettings
from rag.text.words import content_units, units
from rag.types import RetrievedChunk


def coverage(question: str, text: str) -> float:
    """Share of the question's content units (words; character bigrams in CJK, which do not depend on
    how a question and a passage are cut into words) present in a passage: the lexical evidence."""
    q = content_units(question)
    return len(q & units(text)) / len(q) if q else 0.0


def has_evidence(question: str, chunks: Sequence[RetrievedChunk], settings: AnswerSettings) -> bool:
    """Decide from retrieval alone whether the documents can answer; small models do not refuse reliably."""
    if not chunks:
        return False
    best_sim = max(c.similarity for c in chunks)
    best_cov = max(coverage(question, c.text + " " + c.heading) for c in chunks)
    return best_sim >= settings.refusal_threshold or best_cov >= settings.refusal_coverage
