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


@dataclass(frozen=True)
class Scan:
    files: list[FileInfo]
    skipped: list[tuple[str, str]]  # (path inside the folder, why it was not read)


OUTSIDE = "a link to {what} outside the documents folder: skipped, not read"


def scan(root: Path) -> Scan:
    """The folder's document files. A symbolic link whose target lies outside the folder is skipped and
    reported, never read (`stat` and `open` follow links: docs/x.pdf -> /elsewhere/salaries.pdf)."""
    suffixes = document_suffixes()
    real_root = root.resolve()
    files: list[FileInfo] = []
    skipped: list[tuple[str, str]] = []

    def outside(path: Path) -> bool:
        try:
            return not path.resolve().is_relative_to(real_root)
        except (OSError, RuntimeError):  # a loop of links
            return True

    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        # Hidden folders (.git, .streamlit) and the store itself never hold documents to index. Linked
        # folders are not walked (os.walk does not follow them); one that points outside is reported.
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for d in dirnames:
            if (here / d).is_symlink() and outside(here / d):
                skipped.append(((here / d).relative_to(root).as_posix(), OUTSIDE.format(what="a folder")))
        for name in sorted(filenames):
            # "~$x.docx" is Word's lock file for an open document, not a document.
            if name.startswith((".", "~$")) or Path(name).suffix.lower() not in suffixes:
                continue
            path = here / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink() and outside(path):
                skipped.append((rel, OUTSIDE.format(what="a file")))
                continue
            try:
                st = path.stat()
            except OSError:
                continue
            files.append(FileInfo(rel, path, st.st_size, st.st_mtime_ns))
    return Scan(files, skipped)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()
