"""Text that came from files (names, reasons, excerpts) made safe to print on a terminal.

A file name may hold a newline or an ANSI escape ("\\x1b[2J" clears the screen); printed raw it forges
report lines or rewrites the terminal. Control and format characters are shown as escapes instead.
"""

from __future__ import annotations

import unicodedata


def printable(text: str) -> str:
    return "".join(ch.encode("unicode_escape").decode("ascii") if is_hidden(ch) else ch for ch in text)


def is_hidden(ch: str) -> bool:
    """A control, format or line/paragraph separator character: invisible, or it moves the output."""
    return unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"}
