"""Admin uploads: which names and contents may enter the docs folder, and writing them there safely.

Nothing here uses Streamlit, so the rules are tested directly.
"""

from __future__ import annotations

import os
import unicodedata
import uuid
from pathlib import Path

from ingest.parsers.base import Sample
from ingest.parsers.registry import PARSERS, detect, document_suffixes, for_suffix
from rag.errors import InvalidInput, ParseError
from rag.text.display import is_hidden

_MAX_NAME_BYTES = 200  # room under the usual 255-byte limit for the temporary name


class UploadRejected(InvalidInput):
    """An upload that may not be saved; the message says why, for the admin."""


def upload_suffixes() -> tuple[str, ...]:
    """The kinds that can be read; a legacy .doc would only fail."""
    return document_suffixes(readable_only=True)


def safe_name(name: str) -> str:
    """The file name to store an upload under: its basename only, or UploadRejected.

    Rejected: any `..` component, hidden names, Word lock files, control characters, other types.
    """
    raw = unicodedata.normalize("NFC", name).replace("\\", "/")
    if ".." in raw.split("/"):
        raise UploadRejected(f"{name!r}: the name may not contain '..'")
    base = raw.rsplit("/", 1)[-1].strip()
    if not base or base in {".", ".."}:
        raise UploadRejected(f"{name!r}: no file name")
    if base.startswith((".", "~$")):
        raise UploadRejected(f"{name!r}: hidden and temporary files are not accepted")
    if any(is_hidden(ch) for ch in base):
        raise UploadRejected(f"{name!r}: the name contains control characters")
    if len(base.encode("utf-8")) > _MAX_NAME_BYTES:
        raise UploadRejected(f"{name!r}: the name is too long")
    suffixes = upload_suffixes()
    if not base.lower().endswith(suffixes):
        kinds = " and ".join(p.label for p in PARSERS if p.readable)
        raise UploadRejected(f"{name!r}: only {kinds} files are accepted ({', '.join(suffixes)})")
    return base


def check_content(name: str, data: bytes, max_bytes: int) -> None:
    """Refuse files over the size limit and files whose content is not what their name says."""
    if len(data) > max_bytes:
        raise UploadRejected(f"{name}: {len(data) / 1e6:.1f} MB is over the {max_bytes / 1e6:.0f} MB limit")
    if not data:
        raise UploadRejected(f"{name}: the file is empty")
    claimed = for_suffix(Path(name).suffix)
    if claimed is None or not claimed.readable:
        raise UploadRejected(f"{name}: not a kind of document the knowledge base reads")
    try:
        found = detect(Sample(data)).name
    except ParseError:
        found = None
    if found != claimed.name:
        raise UploadRejected(f"{name}: this is not a {claimed.label} file")


def folders(docs_dir: Path) -> list[str]:
    """The docs folder's visible subfolders (relative, with '/'), "" first for the top level."""
    found = [""]
    if not docs_dir.is_dir():
        return found
    for dirpath, dirnames, _ in os.walk(docs_dir):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        found += [(Path(dirpath) / d).relative_to(docs_dir).as_posix() for d in dirnames]
    return found


def target_dir(docs_dir: Path, folder: str) -> Path:
    """An existing folder inside docs_dir (no escaping through '..' or symlinks)."""
    root = docs_dir.resolve()
    path = (root / folder).resolve()
    if not path.is_relative_to(root) or not path.is_dir():
        raise UploadRejected(f"{folder!r}: not a folder of the knowledge base")
    return path


def save_upload(docs_dir: Path, folder: str, name: str, data: bytes, *, max_bytes: int,
                replace: bool = False) -> tuple[str, bool]:
    """Write one upload into docs_dir/folder; returns (path relative to docs_dir, replaced an old file).

    The bytes go to a hidden temporary file first (the sync skips hidden names) and are then renamed,
    so a sync running meanwhile never reads half a file.
    """
    base = safe_name(name)
    check_content(base, data, max_bytes)
    root = docs_dir.resolve()
    directory = target_dir(docs_dir, folder)
    path = directory / base
    if path.is_symlink() or not path.resolve().is_relative_to(root) or path.resolve().parent != directory:
        raise UploadRejected(f"{base}: that name points outside the knowledge base")
    existed = path.exists()
    if existed and not path.is_file():
        raise UploadRejected(f"{base}: a folder of that name exists")
    if existed and not replace:
        raise UploadRejected(f"{base}: a file of that name exists (tick 'Replace files with the same name')")
    tmp = directory / f".upload-{uuid.uuid4().hex}.part"
    try:
        with tmp.open("xb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path.relative_to(root).as_posix(), existed
