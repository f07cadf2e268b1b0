"""The original documents behind a citation: found only inside the docs folder, PDF pages as text."""

from __future__ import annotations

import logging
import mimetypes
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ingest.parsers import registry
from ingest.parsers.base import Sample
from rag.errors import ParseError
from rag.settings import LimitsSettings

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
    limits: LimitsSettings  # what reading one for a preview may take

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


def read_bytes(path: Path) -> bytes:
    return path.read_bytes()
