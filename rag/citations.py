"""Citations checked in code: small models cite wrongly or not at all (measured), so their markers
are verified, missing ones attributed by word overlap (character bigrams for CJK), and only used
sources are listed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from rag.lexical import CJK_RUN
from rag.types import Chunk, Citation

_MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_SPACED_MARKER = re.compile(r"\s*" + _MARKER.pattern)  # a dropped marker takes its leading space along
# A full stop ends a sentence only before a space or the end: not inside "3.5" or "i.e." (a marker
# must never land inside a number).
_SENTENCE = re.compile(r"(?:[^.!?。！？;；\n]|[.!?](?=[^\s.!?])|(?<=\b[A-Za-z])\.)+[.!?。！？;；]*")
_THINK = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL)
_REFUSAL_HINTS = ("i don't know", "i do not know", "do not contain", "don't contain", "does not say",
                  "do not say", "not mentioned", "no information", "不知道", "没有提到", "未提及")
ATTRIBUTION_THRESHOLD = 0.35
# A model's own marker stays unless its source shares almost nothing with the claim; then the claim goes
# to the source it overlaps most, or loses the marker.
SUPPORT_THRESHOLD = 0.2
MIN_CLAIM_UNITS = 3
_CLAIM_END = re.compile(r"[.!?](?=\s|$)|[。！？;；\n]")
_WORD = re.compile(r"[^\W_]+")
_STOP = frozenset(
    "a an and are as at be by for from has have in is it its of on or that the this to was were will with".split()
)


def strip_thinking(text: str) -> str:
    return _THINK.sub("", text).strip()


def units(text: str) -> set[str]:
    """What overlap compares: content words (plural -s dropped) outside CJK, character bigrams inside
    CJK runs. Character bigrams of English are no evidence: any sentence shares 30-60% with any passage."""
    s = unicodedata.normalize("NFKC", text).lower()
    out: set[str] = set()
    for run in CJK_RUN.findall(s):
        out |= {run[i : i + 2] for i in range(len(run) - 1)} if len(run) > 1 else {run}
    for w in _WORD.findall(CJK_RUN.sub(" ", s)):
        if w not in _STOP:
            out.add(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w)
    return out


def sentences(text: str) -> list[str]:
    return [s for m in _SENTENCE.finditer(text) if (s := m.group(0).strip())]


def overlap(sentence: str, source: str) -> float:
    """Share of the sentence's units (words; bigrams for CJK) found in the source."""
    sb = units(sentence)
    return len(sb & units(source)) / len(sb) if sb else 0.0


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
            snippet=best_snippet(answer_plain, sources[old - 1].text),
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
    body = head.rstrip(".!?。！？;；")
    cut = max((m.end() for m in _CLAIM_END.finditer(body)), default=0)
    return body[cut:].strip()


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
        fits = [(a, b) for a, b in grown if len(" ".join(parts[a : b + 1])) <= width + 80]
        if not fits:
            break
        i, j = fits[0]
        snippet = " ".join(parts[i : j + 1])
    return snippet if len(snippet) <= width + 80 else snippet[: width + 80] + "…"
