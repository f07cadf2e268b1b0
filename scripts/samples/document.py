"""Read a sample document: TOML front matter between ``+++`` lines, then a small Markdown subset.

The subset is what the samples use: ``#`` headings (one line each), paragraphs (wrapped lines joined with
a space, ``**bold**`` spans kept for the PDF renderer), ``- `` and ``1. `` lists, pipe tables whose first
row is the header, a paragraph wrapped in single ``*`` as small print, and ``---`` alone on a line as a
page break. Blocks are separated by blank lines.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Fixed dates and names make every rendering byte-identical.
FIXED_DATE = datetime(2025, 3, 1, 9, 0, 0, tzinfo=UTC)
COMPANY = "Northwind Robotics"
CREATOR = "scripts/make_samples.py"

PAGE_BREAK = "---"
_NUMBERED = re.compile(r"\d+\.\s")


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class SmallPrint:
    text: str


@dataclass(frozen=True)
class ListBlock:
    items: tuple[str, ...]
    numbered: bool


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[str, ...], ...]


Block = Heading | Paragraph | SmallPrint | ListBlock | Table


@dataclass(frozen=True)
class Sample:
    """One document: where it is written (relative to data/docs), its front matter and its pages."""

    file: str
    meta: dict[str, Any]
    pages: tuple[tuple[Block, ...], ...]


def read(path: Path) -> Sample:
    """Parse one sample file."""
    _, front, body = path.read_text(encoding="utf-8").split("+++\n", 2)
    meta = tomllib.loads(front)
    pages: list[list[Block]] = [[]]
    lines: list[str] = []
    for line in [*body.splitlines(), ""]:  # the empty line ends the last block
        text = line.strip()
        if text and text != PAGE_BREAK:
            lines.append(text)
            continue
        if lines:
            pages[-1].append(_block(lines, path))
            lines = []
        if text == PAGE_BREAK:
            pages.append([])
    return Sample(file=meta.pop("file"), meta=meta, pages=tuple(tuple(page) for page in pages))


def _block(lines: list[str], path: Path) -> Block:
    first = lines[0]
    if first.startswith("#"):
        if len(lines) > 1:
            raise ValueError(f"{path}: a heading is one line, then a blank line: {first!r}")
        marks, _, text = first.partition(" ")
        return Heading(level=len(marks), text=text)
    if first.startswith("|"):
        rows = [tuple(cell.strip() for cell in line.strip("|").split("|")) for line in lines]
        return Table(rows=tuple(rows[:1] + rows[2:]))  # rows[1] is the |---| separator
    if first.startswith("- ") or _NUMBERED.match(first):
        return _list(lines, numbered=not first.startswith("- "))
    text = " ".join(lines)
    if text.startswith("*") and text.endswith("*") and not text.startswith("**"):
        return SmallPrint(text=text[1:-1])
    return Paragraph(text=text)


def _list(lines: list[str], numbered: bool) -> ListBlock:
    """List items; a line without a marker continues the item above it."""
    marker = _NUMBERED if numbered else re.compile(r"-\s")
    items: list[str] = []
    for line in lines:
        found = marker.match(line)
        if found:
            items.append(line[found.end() :])
        else:
            items[-1] += " " + line
    return ListBlock(items=tuple(items), numbered=numbered)
