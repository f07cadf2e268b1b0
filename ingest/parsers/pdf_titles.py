"""Headings of a PDF page, found from the text alone: the page's title and the section headings in it.

A PDF has no heading styles, but report pages often open with their title ("CONSOLIDATED STATEMENTS
OF CASH FLOWS", "Consolidated Balance Sheets"). The page's later chunks, rows of a table, do not say
what table they belong to; with the title in their context the encoder and the lexical index know,
and a citation names the section.
- A title is a short line in upper or title case (one lower-case word allowed in a name: "Amcor plc
  and Subsidiaries"). The page's title is the title lines above its first line of body text; lines
  at the top of many pages ("Table of Contents", a running header) are not titles, and are left out
  of the text.
- Further down, a title line followed by a line of prose starts a new section of the page. One followed
  by more short lines is more likely a table's row label ("Total Current Assets").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

Section = tuple[tuple[str, ...], str]  # (headings, text)

_TOP_LINES = 4  # a page's title is among its first lines
_MAX_TITLES = 2  # e.g. the company line and the statement's name
_MAX_WORDS = 10
_MAX_CHARS = 80
_PROSE_WORDS = 8
_RUNNING_SHARE = 0.25  # at the top of more than this share of pages: a running header
_MINOR = frozenset("a an and as at by for from in into of on or per the to with".split())


def is_title(line: str) -> bool:
    words = line.split()
    if not 0 < len(words) <= _MAX_WORDS or len(line) > _MAX_CHARS:
        return False
    letters = [c for c in line if c.isalpha()]
    # Mostly Latin letters: CJK text has no case to tell a title by.
    if len(letters) < 4 or _letter_share(line) < 0.6 or not all(c.isascii() for c in letters):
        return False
    if line.isupper():
        return True
    if line[-1] in ".:;,?!":
        return False
    major = [w for w in words if w[0].isalpha() and w.lower() not in _MINOR]
    lower = sum(1 for w in major if not w[0].isupper())
    if lower == 0:
        return bool(major)
    # One lower-case word inside a name is a legal form ("Amcor plc and Subsidiaries"); a table row
    # has figures, and a line of prose cut short starts or ends in lower case.
    return (lower == 1 and len(major) >= 3 and words[0][0].isupper() and words[-1][0].isupper()
            and not any(c.isdigit() for c in line))


def _letter_share(line: str) -> float:
    chars = line.replace(" ", "")
    return sum(c.isalpha() for c in chars) / len(chars) if chars else 0.0


def _is_prose(line: str) -> bool:
    # A table row of figures has many words too, but few letters.
    return len(line.split()) >= _PROSE_WORDS and _letter_share(line) >= 0.7 and not is_title(line)


def page_sections(pages: Sequence[str]) -> list[list[Section]]:
    """Each page's text cut into sections, each with its headings (none before a page's first heading)."""
    lines = [[ln.strip() for ln in text.splitlines() if ln.strip()] for text in pages]
    seen = Counter(ln for page in lines for ln in set(page[:_TOP_LINES]))
    running = {ln for ln, n in seen.items() if n >= 3 and n > _RUNNING_SHARE * len(pages)}
    # A running header says nothing of its page, and its words ("Employee Handbook") would let any page
    # seem to cover a question to the refusal gate: it is left out of the text of a page that has more.
    kept = [[ln for i, ln in enumerate(page) if i >= _TOP_LINES or ln not in running] for page in lines]
    return [_sections(mine or page) for mine, page in zip(kept, lines, strict=True)]


def _sections(lines: Sequence[str]) -> list[Section]:
    title: list[str] = []
    start = 0
    for i, line in enumerate(lines[:_TOP_LINES]):
        if not any(c.isalpha() for c in line):  # a page number
            continue
        if not is_title(line) or len(title) == _MAX_TITLES:
            break
        title.append(line)
        start = i + 1
    sections: list[Section] = []
    headings, body = tuple(title), list(lines[:start])
    for i in range(start, len(lines)):
        line = lines[i]
        if i + 1 < len(lines) and is_title(line) and _is_prose(lines[i + 1]) and body:
            sections.append((headings, "\n".join(body)))
            headings, body = (line,), []
        body.append(line)
    sections.append((headings, "\n".join(body)))
    return [s for s in sections if s[1]]
