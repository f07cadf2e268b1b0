"""The CJK scripts in one place: which characters are CJK, runs of them, and a text's share of them."""

from __future__ import annotations

import re

# Han (with extension A and compatibility ideographs), kana and Hangul.
CJK_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
# With CJK punctuation and full-width forms: characters between which a line break is only layout.
CJK_WITH_PUNCT = f"{CJK_RANGES}\u3000-\u303f\uff00-\uffef"
CJK_CHAR = re.compile(f"[{CJK_RANGES}]")
CJK_RUN = re.compile(f"[{CJK_RANGES}]+")


def is_cjk(ch: str) -> bool:
    return CJK_CHAR.match(ch) is not None


def cjk_share(text: str) -> float:
    """Share of a text's letters that are CJK (0 for a text without letters)."""
    letters = [ch for ch in text if ch.isalpha()]
    return sum(1 for ch in letters if is_cjk(ch)) / len(letters) if letters else 0.0


def count_cjk(text: str) -> int:
    return sum(1 for ch in text if is_cjk(ch))
