"""Every kind of document file the knowledge base knows, and what the scan, the sync, uploads and the
page ask of them. A new kind is a module with its `PARSER`, listed here."""

from __future__ import annotations

from pathlib import Path

from ingest.parsers import doc, docx, pdf
from ingest.parsers.base import Parser, Sample
from rag.errors import ParseError

# At most one kind's sniffer claims a file; this order is the one messages name them in.
PARSERS: tuple[Parser, ...] = (pdf.PARSER, docx.PARSER, doc.PARSER)


def detect(sample: Sample) -> Parser:
    """The kind of a file by its content, or ParseError saying what the file is instead."""
    if not sample.head:
        raise ParseError("empty file (0 bytes)")
    for parser in PARSERS:
        if parser.sniff(sample):
            return parser
    if sample.is_zip:  # and a readable one: the Word sniffer has listed its members
        raise ParseError("ZIP file that is not a Word document")
    labels = " or ".join(p.label for p in PARSERS if p.readable)
    raise ParseError(f"unsupported file type (not a {labels} by content)")


def named(name: str) -> Parser | None:
    """The parser of a kind as stored with a file ("pdf"), None for a kind no longer known."""
    return next((p for p in PARSERS if p.name == name), None)


def for_suffix(suffix: str) -> Parser | None:
    """The kind a file name claims (".PDF" → pdf); content decides what it is."""
    return next((p for p in PARSERS if suffix.lower() in p.mime_types), None)


def document_suffixes(*, readable_only: bool = False) -> tuple[str, ...]:
    """Suffixes of the files a folder scan considers documents (all kinds: a legacy .doc is reported,
    not ignored), or of the kinds that can be read (what uploads accept)."""
    return tuple(s for p in PARSERS if p.readable or not readable_only for s in p.suffixes)


def mime_type(path: Path) -> str | None:
    parser = for_suffix(path.suffix)
    return parser.mime_types[path.suffix.lower()] if parser else None
