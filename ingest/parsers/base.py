"""What every parser produces: text blocks that know their page and heading path."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Block:
    text: str
    page: int | None = None  # 1-based physical page (PDF); None where the format has no pages
    page_label: str | None = None  # the page number printed in the document, if it differs
    headings: tuple[str, ...] = ()


@dataclass
class ParsedDoc:
    kind: str  # "pdf" | "docx"
    blocks: list[Block] = field(default_factory=list)
    pages: int = 0
    warnings: list[str] = field(default_factory=list)
