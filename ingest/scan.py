"""Which document files a folder holds, and which of them changed since the last sync."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from ingest.parsers.registry import document_suffixes


@dataclass(frozen=True)
class FileInfo:
    rel: str  # path inside the docs folder, with forward slashes: the file's identity in the store
    path: Path
    size: int
    mtime_ns: int


def scan(root: Path) -> list[FileInfo]:
    suffixes = document_suffixes()
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        # Hidden folders (.git, .streamlit) and the store itself never hold documents to index.
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            # "~$x.docx" is Word's lock file for an open document, not a document.
            if name.startswith((".", "~$")) or Path(name).suffix.lower() not in suffixes:
                continue
            path = Path(dirpath) / name
            try:
                st = path.stat()
            except OSError:
                continue
            found.append(FileInfo(path.relative_to(root).as_posix(), path, st.st_size, st.st_mtime_ns))
    return found


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()
