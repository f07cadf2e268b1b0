"""Sources that disagree: a sentence of the answer states a figure, and a source the model was given says
the same thing with another figure. The answer then gives both, each with its citation, rather than the
one the model happened to pick (a 1.5B model picks one even when told to report both: measured).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.text.cjk import cjk_share
from rag.text.sentences import sentences
from rag.text.words import units
from rag.types import RetrievedChunk

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_MARKER = re.compile(r"\[\d+(?:\s*[,;]\s*\d+)*\]")
NOTE = {"en": " Another source says otherwise: “{sentence}” [{n}]", "zh": " 另一来源的说法不同：“{sentence}”[{n}]"}


def _figures(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def _words(text: str) -> set[str]:
    return units(_NUMBER.sub(" ", _MARKER.sub(" ", text)))


def disagreements(text: str, sources: Sequence[RetrievedChunk], *,
                  same_claim: float) -> list[tuple[int, str]]:
    """(source number, sentence) for each source sentence that says what a sentence of `text` says (at
    least `same_claim` of the words of each found in the other, figures aside) with none of its figures."""
    found: list[tuple[int, str]] = []
    for claim in sentences(text):
        figures, words = _figures(_MARKER.sub(" ", claim)), _words(claim)
        if not figures or not words:
            continue
        for n, chunk in enumerate(sources, 1):
            if any(n == m for m, _ in found):
                continue
            for sentence in sentences(chunk.text):
                theirs, other = _figures(sentence), _words(sentence)
                if not theirs or theirs & figures or not other:
                    continue
                shared = len(words & other)
                if shared / len(words) >= same_claim and shared / len(other) >= same_claim:
                    found.append((n, sentence.rstrip(".。")))
                    break
    return found


def with_disagreements(text: str, question: str, sources: Sequence[RetrievedChunk], *, same_claim: float,
                       cjk_question_share: float) -> str:
    """The answer with each disagreeing source's sentence added, cited (the citation check then verifies it
    like any other claim)."""
    note = NOTE["zh" if cjk_share(question) > cjk_question_share else "en"]
    return text + "".join(note.format(sentence=s, n=n) for n, s in disagreements(text, sources, same_claim=same_claim))
