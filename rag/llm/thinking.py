"""A reasoning model's <think>…</think> block is not part of its answer: hidden while streaming, cut after."""

from __future__ import annotations

import re
from collections.abc import Iterator

_THINK = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL)


def strip_thinking(text: str) -> str:
    return _THINK.sub("", text).strip()


def visible(pieces: Iterator[str]) -> Iterator[str]:
    """Hide a reasoning model's <think>…</think> block while streaming."""
    buffer = ""
    thinking: bool | None = None
    for piece in pieces:
        if thinking is False:
            yield piece
            continue
        buffer += piece
        if thinking is None:
            stripped = buffer.lstrip()
            if len(stripped) < len("<think>") and "<think>".startswith(stripped):
                continue
            thinking = stripped.startswith("<think>")
            if not thinking:
                yield buffer
                continue
        if "</think>" in buffer:
            thinking = False
            rest = buffer.split("</think>", 1)[1].lstrip()
            if rest:
                yield rest
    if thinking is None and buffer:
        yield buffer
