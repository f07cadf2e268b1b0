"""Citations checked in code: small models cite wrongly or not at all (measured), so their markers
are verified, missing ones attributed by word overlap (character bigrams for CJK), and only used
sources are listed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.text.sentences import CLAIM_END, SENTENCE_END_CHARS, sentence_matches, sentences
from rag.text.words import overlap, units
from rag.types import Citation, RetrievedChunk

_MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_SPACED_MARKER = re.compile(r"\s*" + _MARKER.pattern)  # a dropped marker takes its leading space along
_REFUSAL_HINTS = ("i don't know", "i do not know", "do not contain", "don't contain", "does not say",
                  "do not say", "not mentioned", "no information", "不知道", "没有提到", "未提及")
ATTRIBUTION_THRESHOLD = 0.35
# A model's own marker stays unless its source shares almost nothing with the claim; then the claim goes
# to the source it overlaps most, or loses the marker.
SUPPORT_THRESHOLD = 0.2
MIN_CLAIM_UNITS = 3


def is_refusal(text: str, refusal: str) -> bool:
    t = _MARKER.sub("", text).strip().lower()
    if not t:
        return True
    if refusal.lower().rstrip(".") in t:
        return True
    return len(t) < 120 and any(h in t for h in _REFUSAL_HINTS)


def verify(text: str, sources: Sequence[RetrievedChunk], *, snippet_chars: int, snippet_slack: int,
           ) -> tuple[str, list[Citation]]:
    """Drop markers that point nowhere, attribute uncited answers, renumber in order of first use; each
    citation's snippet is the source's passage that best supports the answer (`best_snippet`)."""
    n_sources = len(sources)

    def keep_supported(m: re.Match[str]) -> str:
        nums = [int(x) for x in re.split(r"\s*[,;]\s*", m.group(1))]
        valid = [n for n in dict.fromkeys(nums) if 1 <= n <= n_sources]
        claim = _claim_before(text, m.start())
        if len(units(claim)) < MIN_CLAIM_UNITS:  # too short to judge: trust the model
            return "".join(f"[{n}]" for n in valid)
        scores = [overlap(claim, s.text) for s in sources]
        kept = [n for n in valid if scores[n - 1] >= SUPPORT_THRESHOLD]
        if not kept and scores and max(scores) >= ATTRIBUTION_THRESHOLD:
            kept = [scores.index(max(scores)) + 1]
        return "".join(f"[{n}]" for n in kept)

    text = _SPACED_MARKER.sub(keep_supported, text)
    if not _MARKER.search(text):
        text = _attribute(text, sources)

    order: dict[int, int] = {}
    for m in _MARKER.finditer(text):
        order.setdefault(int(m.group(1)), len(order) + 1)
    text = _MARKER.sub(lambda m: f"[{order[int(m.group(1))]}]", text)
    text = re.sub(r"\s+(\[\d+\])", r"\1", text)
    answer_plain = _MARKER.sub("", text)
    citations = [
        Citation(
            n=new,
            file=sources[old - 1].file,
            page=sources[old - 1].page,
            heading=sources[old - 1].heading,
            snippet=best_snippet(answer_plain, sources[old - 1].text, snippet_chars, snippet_slack),
            score=sources[old - 1].score,
            chunk_id=sources[old - 1].id,
        )
        for old, new in order.items()
    ]
    return text.strip(), citations


def _claim_before(text: str, end: int) -> str:
    """The sentence a marker at `end` refers to: back to the previous sentence end (a marker right
    after a full stop refers to the sentence it follows)."""
    head = _MARKER.sub("", text[:end]).rstrip()
    body = head.rstrip(SENTENCE_END_CHARS)
    cut = max((m.end() for m in CLAIM_END.finditer(body)), default=0)
    return body[cut:].strip()


def _attribute(text: str, sources: Sequence[RetrievedChunk]) -> str:
    out, pos = [], 0
    for m in sentence_matches(text):
        out.append(text[pos : m.start()])
        pos = m.end()
        sentence = m.group(0)
        scores = [overlap(sentence, s.text) for s in sources]
        if scores and max(scores) >= ATTRIBUTION_THRESHOLD and sentence.strip():
            stripped = sentence.rstrip()
            out.append(f"{stripped}[{scores.index(max(scores)) + 1}]{sentence[len(stripped):]}")
        else:
            out.append(sentence)
    out.append(text[pos:])
    return "".join(out)


def best_snippet(answer: str, source: str, width: int, slack: int) -> str:
    """The passage of the source that best supports the answer: its sentences with most overlap, grown
    around the best one to `width` characters (`slack` more to end at a sentence)."""
    parts = sentences(source)
    if not parts:
        return source[:width]
    ab = units(answer)
    best = max(range(len(parts)), key=lambda i: len(units(parts[i]) & ab))
    snippet = parts[best]
    i, j = best, best
    while len(snippet) < width:
        # Grow around the best sentence only while it fits: the cut below must never lose it.
        grown = ([(i, j + 1)] if j < len(parts) - 1 else []) + ([(i - 1, j)] if i > 0 else [])
        fits = [(a, b) for a, b in grown if len(" ".join(parts[a : b + 1])) <= width + slack]
        if not fits:
            break
        i, j = fits[0]
        snippet = " ".join(parts[i : j + 1])
    return snippet if len(snippet) <= width + slack else snippet[: width + slack] + "…"
