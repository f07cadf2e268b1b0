"""Which questions are follow-ups that need the conversation to be understood."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.llm.base import Message

_FOLLOW_UP_WORDS = frozenset(
    "it its they them their this that these those he she his her him there and also same".split()
)
_FOLLOW_UP_START = re.compile(r"^\s*(and|also|what about|how about|but|then|same)\b", re.IGNORECASE)
_FOLLOW_UP_ZH = re.compile(r"[它他她其呢那这]|那么|还有|同样")


def is_follow_up(question: str, history: Sequence[Message] | None) -> bool:
    """Rewrite only real follow-ups: a standalone question rewritten by a small model gets worse."""
    if not history:
        return False
    if _FOLLOW_UP_START.search(question):
        return True
    words = re.findall(r"[a-z']+", question.lower())
    if words:
        return len(words) <= 3 or bool(_FOLLOW_UP_WORDS & set(words))
    return bool(_FOLLOW_UP_ZH.search(question)) or len(question.strip()) <= 6
