"""Sentence boundaries, in the two strengths the pipeline needs.

- `sentences`: sentences of prose, for citations and passage focusing. A full stop ends a sentence
  only before a space or the end: never inside "3.5" or "i.e." (a citation marker must not land
  inside a number).
- `unit_spans`: the chunker's units: sentences, CJK sentences and lines, as character spans, so a
  chunk is cut only at one of them.
"""

from __future__ import annotations

import re

_SENTENCE = re.compile(r"(?:[^.!?。！？;；\n]|[.!?](?=[^\s.!?])|(?<=\b[A-Za-z])\.)+[.!?。！？;；]*")
# Where a claim ends, looking back from a citation marker.
CLAIM_END = re.compile(r"[.!?](?=\s|$)|[。！？;；\n]")
# A unit ends after sentence punctuation followed by space, after CJK sentence ends, or at a line end.
_UNIT_END = re.compile(r"[.!?][\"')\]]*\s+|[。！？；]+[”」』）]*|\n+")
SENTENCE_END_CHARS = ".!?。！？;；"


def sentences(text: str) -> list[str]:
    return [s for m in _SENTENCE.finditer(text) if (s := m.group(0).strip())]


def sentence_matches(text: str) -> list[re.Match[str]]:
    """The sentence matches with their positions, for rewriting a text sentence by sentence."""
    return list(_SENTENCE.finditer(text))


def unit_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _UNIT_END.finditer(text):
        if m.end() > start:
            spans.append((start, m.end()))
            start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]
