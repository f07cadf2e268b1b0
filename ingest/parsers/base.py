"""The one signature of a parser, and what every parser produces: text blocks that know their page and
heading path."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from rag.errors import ParseError


@dataclass(frozen=True)
class Block:
    text: str
    page: int | None = None  # 1-based physical page (PDF); None where the format has no pages
    page_label: str | None = None  # the page number printed in the document, if it differs
    headings: tuple[str, ...] = ()


@dataclass
class ParsedDoc:
    kind: str  # the name of the parser that read it: "pdf", "docx"
    blocks: list[Block] = field(default_factory=list)
    pages: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ParseOptions:
    passwords: tuple[str, ...] = ()  # tried on encrypted files, after the empty password
    # The limits a parser applies itself (settings.limits), raising LimitExceeded; None: no limit.
    max_pages: int | None = None
    max_unzipped_mb: int | None = None
    max_zip_ratio: float | None = None


_HEAD_BYTES = 1024  # the PDF spec lets junk precede the header within the first 1024 bytes
# The containers Office files come in: ZIP (OOXML), and OLE2 (legacy Word, encrypted OOXML).
_ZIP_MAGIC = b"PK"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class Sample:
    """What a sniffer looks at: the first bytes of a file on disk or of an upload in memory."""

    def __init__(self, source: Path | bytes) -> None:
        self._source = source
        if isinstance(source, bytes):
            self.head = source[:_HEAD_BYTES]
        else:
            with source.open("rb") as f:
                self.head = f.read(_HEAD_BYTES)

    @property
    def is_zip(self) -> bool:
        return self.head.startswith(_ZIP_MAGIC)

    @property
    def is_ole(self) -> bool:
        return self.head.startswith(_OLE_MAGIC)

    @cached_property
    def zip_names(self) -> frozenset[str]:
        """The member names of a ZIP container (empty for other files). A container that cannot be
        read is reported as such, whatever kind it was meant to be."""
        if not self.is_zip:
            return frozenset()
        source = io.BytesIO(self._source) if isinstance(self._source, bytes) else self._source
        try:
            with zipfile.ZipFile(source) as zf:
                return frozenset(zf.namelist())
        except zipfile.BadZipFile as e:
            raise ParseError(f"corrupt or truncated ZIP container ({e})") from e


@dataclass(frozen=True)
class Parser:
    """One kind of document file. Its module (pdf.py, docx.py, doc.py) defines it; registry.py lists them."""

    name: str  # the kind, as stored with every file and chunk: "pdf"
    label: str  # how messages name the kind: "PDF", "Word .docx"
    mime_types: Mapping[str, str]  # suffix → MIME type; the suffixes a folder scan picks up
    sniff: Callable[[Sample], bool]  # by content, never by name: mislabelled files are common
    parse: Callable[[Path, ParseOptions], ParsedDoc]  # raises ParseError with a one-line reason
    # Raised whenever a change would turn the same file into other blocks: the next sync parses this
    # kind's files again (and only those), without a --reindex.
    version: int
    page_preview: bool = False  # the page can show a cited page's text (PDF)
    readable: bool = True  # False: recognised only to say why it cannot be read (legacy .doc)

    @property
    def suffixes(self) -> tuple[str, ...]:
        return tuple(self.mime_types)
