"""Tell a file's type by its bytes, not its name: mislabelled files are common in real folders."""

from __future__ import annotations

import zipfile
from pathlib import Path

from rag.errors import ParseError

# Files the scan considers documents; anything else in the folder is ignored, not reported.
DOCUMENT_SUFFIXES = {".pdf", ".docx", ".docm", ".doc"}

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def detect(path: Path) -> str:
    """Return "pdf" or "docx", or raise ParseError saying what the file is instead."""
    with path.open("rb") as f:
        head = f.read(1024)
    if not head:
        raise ParseError("empty file (0 bytes)")
    if head.startswith(_OLE):
        if "EncryptedPackage".encode("utf-16-le") in path.read_bytes():
            raise ParseError("encrypted Word document: password-protected .docx files are not supported")
        raise ParseError("legacy Word .doc (OLE2) format is not supported: save it as .docx")
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
        except zipfile.BadZipFile as e:
            raise ParseError(f"corrupt or truncated ZIP container ({e})") from e
        if "word/document.xml" in names or any(n.endswith("/document.xml") for n in names):
            return "docx"
        raise ParseError("ZIP file that is not a Word document")
    # The PDF spec lets junk precede the header within the first 1024 bytes.
    if b"%PDF-" in head:
        return "pdf"
    raise ParseError("unsupported file type (not a PDF or Word .docx by content)")
