"""Citations checked in code: small models cite wrongly or not at all (measured), so their markers
are verified, missing ones attributed by character-bigram overlap, and only used sources are listed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.types import Chunk, Citation

_MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_SENTENCE = re.compile(r"[^.!?。！？;；\n]+[.!?。！？;；]*")
_THINK = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL)
_REFUSAL_HINTS = ("i don't know", "i do not know", "do not contain", "don't contain", "does not say",
                  "do not say", "not mentioned", "no information", "不知道", "没有提到", "未提及")
ATTRIBUTION_THRESHOLD = 0.35


def strip_thinking(text: str) -> str:
    return _THINK.sub("", text).strip()


def bigrams(text: str) -> set[str]:
    s = re.sub(r"\s+", " ", text.lower())
    return {s[i : i + 2] for i in range(len(s) - 1) if s[i : i + 2].strip()}


def overlap(sentence: str, source: str) -> float:
    """Share of the sentence's character bigrams found in the source (works for CJK and English)."""
    sb = bigrams(sentence)
    return len(sb & bigrams(source)) / len(sb) if sb else 0.0


def is_refusal(text: str, refusal: str) -> bool:
    t = _MARKER.sub("", text).strip().lower()
    if not t:
        return True
    if refusal.lower().rstrip(".") in t:
        return True
    return len(t) < 120 and any(h in t for h in _REFUSAL_HINTS)


def verify(text: str, sources: Sequence[Chunk]) -> tuple[str, list[Citation]]:
    """Drop markers that point nowhere, attribute uncited answers, renumber in order of first use."""
    n_sources = len(sources)

    def keep_valid(m: re.Match[str]) -> str:
        nums = [int(x) for x in re.split(r"\s*[,;]\s*", m.group(1))]
        valid = [n for n in nums if 1 <= n <= n_sources]
        return "".join(f"[{n}]" for n in dict.fromkeys(valid))

    text = _MARKER.sub(keep_valid, text)
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
            snippet=best_snippet(answer_plain, sources[old - 1].text),
            score=sources[old - 1].score,
            chunk_id=sources[old - 1].id,
        )
        for old, new in order.items()
    ]
    return text.strip(), citations


def _attribute(text: str, sources: Sequence[Chunk]) -> str:
    out, pos = [], 0
    for m in _SENTENCE.finditer(text):
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


def best_snippet(answer: str, source: str, width: int = 320) -> str:
    """The passage of the source that best supports the answer: its sentences with most overlap."""
    sentences = [m.group(0).strip() for m in _SENTENCE.finditer(source) if m.group(0).strip()]
    if not sentences:
        return source[:width]
    ab = bigrams(answer)
    best = max(range(len(sentences)), key=lambda i: len(bigrams(sentences[i]) & ab))
    snippet = sentences[best]
    i, j = best, best
    while len(snippet) < width and (i > 0 or j < len(sentences) - 1):
        if j < len(sentences) - 1:
            j += 1
        elif i > 0:
            i -= 1
        snippet = " ".join(sentences[i : j + 1])
    return snippet if len(snippet) <= width + 80 else snippet[: width + 80] + "…"
