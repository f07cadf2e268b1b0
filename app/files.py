"""The original documents behind a citation: found only inside the docs folder, PDF pages as text."""

from __future__ import annotations

import logging
import mimetypes
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ingest.parsers import registry
from ingest.parsers.base import Sample
from rag.errors import ParseError

logger = logging.getLogger(__name__)


def resolve_doc(docs_dir: Path, rel: str) -> Path | None:
    """The file `rel` names inside docs_dir, or None if it is missing or would lie outside it."""
    if not rel or "\x00" in rel:
        return None
    root = docs_dir.resolve()
    try:
        path = (root / rel).resolve()
    except (OSError, RuntimeError):
        return None
    if not path.is_relative_to(root) or path == root or not path.is_file():
        return None
    return path


@dataclass(frozen=True)
class Originals:
    """The original files one user may open: inside the docs folder, and readable by their groups."""

    docs_dir: Path
    readable: frozenset[str]

    def path(self, rel: str) -> Path | None:
        return resolve_doc(self.docs_dir, rel) if rel in self.readable else None


def remove_doc(docs_dir: Path, rel: str) -> bool:
    """Delete the file `rel` names inside docs_dir: a link itself, never what it points to; False when
    there is no such file inside the folder. OSError when it cannot be deleted."""
    if resolve_doc(docs_dir, rel) is None or ".." in PurePosixPath(rel).parts:
        return False
    root = docs_dir.resolve()
    path = root / rel
    if not path.parent.resolve().is_relative_to(root):  # a linked folder on the way
        return False
    path.unlink()
    return True


def mime_type(path: Path) -> str:
    return registry.mime_type(path) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def has_page_preview(path: Path) -> bool:
    """Whether the page can show a cited page's text: by the file's content, like the parser."""
    try:
        return registry.detect(Sample(path)).page_preview
    except (ParseError, OSError):
        return False


def pdf_page_text(path: Path, page: int) -> str | None:
    """The text of one PDF page (1-based), or None when it cannot be read (encrypted, damaged, no page)."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(path)
        if reader.is_encrypted or not 1 <= page <= len(reader.pages):
            return None
        return reader.pages[page - 1].extract_text() or ""
    except Exception:  # any parser failure just means: no page preview
        logger.exception("no preview of %s page %d", path, page)
        return None


def read_bytes(path: Path) -> bytes:
    return path.read_bytes()
