"""Words: the stop lists, the units overlap is measured in, and the lexical index's tokens.

Two views of a text's words, each measured for its job:
- `units`: content words (plural -s dropped) and, inside CJK runs, character bigrams, which do not
  depend on how a question and a passage are cut into words. Citations, the refusal gate and passage
  focusing compare these.
- `tokenize`: what BM25 indexes: stemmed words without stop words, numbers without thousands
  separators, CJK runs cut into words by jieba (search mode, which also emits the shorter words inside
  long ones).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache
from typing import Any

from rag.text.cjk import CJK_RANGES, CJK_RUN

# Words that carry no content in any passage.
FUNCTION_WORDS = frozenset(
    "a an and are as at be by for from has have in is it its of on or that the this to was were will with".split()
)
# The words that make a question a question.
WH_WORDS = frozenset("what which who whom when where why how did does do not".split())
# Words a question has whatever it asks ("Who is our…?", "Can I…?"): no evidence of an answer.
QUESTION_WORDS = WH_WORDS | frozenset(
    "whose i me my we us our you your can could should would may must there any".split()
)
# Bigrams with these (question words, particles: 什么 哪 谁 的 是…) are in every Chinese question and
# passage; counted, they let any passage cover half of any question (measured on CMRC).
ZH_FUNCTION_CHARS = frozenset("什么多少哪些里家儿位为怎样如何是否几个谁的在了由有")

_WORD = re.compile(r"[^\W_]+")
_TOKEN = re.compile(rf"[{CJK_RANGES}]+|\d+(?:[.,]\d+)*|[^\W\d_{CJK_RANGES}]+(?:'[^\W\d_]+)?")
_LEXICAL_STOP = FUNCTION_WORDS | WH_WORDS

# Bump when tokenize() changes: a lexical index built by another version is rebuilt, not misread.
TOKENIZER_VERSION = 2


def units(text: str) -> set[str]:
    """Content words (plural -s dropped) outside CJK, character bigrams inside CJK runs. Character
    bigrams of English are no evidence: any sentence shares 30-60% with any passage."""
    s = unicodedata.normalize("NFKC", text).lower()
    out: set[str] = set()
    for run in CJK_RUN.findall(s):
        out |= {run[i : i + 2] for i in range(len(run) - 1)} if len(run) > 1 else {run}
    for w in _WORD.findall(CJK_RUN.sub(" ", s)):
        if w not in FUNCTION_WORDS:
            out.add(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w)
    return out


def content_units(question: str) -> set[str]:
    """A question's units without those every question has (its question words, Chinese particles)."""
    every = units(question)
    return {u for u in every if u not in QUESTION_WORDS and not ZH_FUNCTION_CHARS & set(u)} or every


def overlap(sentence: str, source: str) -> float:
    """Share of the sentence's units found in the source."""
    sb = units(sentence)
    return len(sb & units(source)) / len(sb) if sb else 0.0


def tokenize(text: str) -> list[str]:
    out: list[str] = []
    for tok in _TOKEN.findall(unicodedata.normalize("NFKC", text).lower()):
        if CJK_RUN.match(tok):
            out += [w for w in _jieba().cut_for_search(tok) if w.strip()]
        elif tok[0].isdigit():
            out.append(tok.replace(",", ""))
        elif tok not in _LEXICAL_STOP:
            out.append(_stem(tok))
    return out


@lru_cache(maxsize=1)
def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return str(_stemmer().stemWord(word))


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")
