"""Word's OLE2 container: a legacy .doc, or a password-protected .docx. Neither can be read; both are
recognised so the admin learns what to do instead of "unsupported file type"."""

from __future__ import annotations

from pathlib import Path

from ingest.parsers.base import ParsedDoc, ParseOptions, Parser, Sample
from rag.errors import ParseError

# Office stores an encrypted .docx as an OLE2 file with this stream in it.
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")


def sniff(sample: Sample) -> bool:
    return sample.is_ole


def parse(path: Path, options: ParseOptions) -> ParsedDoc:
    if _ENCRYPTED_STREAM in path.read_bytes():
        raise ParseError("encrypted Word document: password-protected .docx files are not supported")
    raise ParseError("legacy Word .doc (OLE2) format is not supported: save it as .docx")


PARSER = Parser(
    name="doc", label="Word .doc", mime_types={".doc": "application/msword"},
    sniff=sniff, parse=parse, version=1, readable=False,
)
