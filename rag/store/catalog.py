"""The catalog: which version of each file the store holds, the commit record that makes a file's swap atomic.

A file's chunks are written under its new content hash, then the manifest switches to that hash
(an atomic file replace), then the old chunks are deleted. Readers trust only the manifest's version,
and a run that was killed in between finds the half-done file under `pending` and cleans it up.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class FileRecord:
    sha256: str
    size: int
    mtime_ns: int
    chunks: int
    pages: int
    kind: str  # the parser that read it: "pdf", "docx"
    # That parser's version: when the parser's is another, the file is parsed again. None in manifests
    # written before versions were kept; such stores were built by the parsers of that time, and the
    # sync records their versions.
    parser_version: int | None = None
    ingested_at: float = field(default_factory=time.time)
    # Who may read it (rag/access/rules.py), set by each sync from the rules. None in catalogs written
    # before access rules existed: open to everyone, as every file was then.
    groups: list[str] | None = None


@dataclass
class FailedRecord:
    size: int
    mtime_ns: int
    error: str
    kind: str = ""  # "" when the kind could not be told (empty file, unknown type)
    parser_version: int | None = None  # tried again when its kind's parser has another version
    limit: str | None = None  # the limit that refused it, "max_pages=5000": tried again when that changes


@dataclass
class Manifest:
    """The catalog as one JSON file beside the store, replaced atomically on every save."""

    path: Path
    files: dict[str, FileRecord] = field(default_factory=dict)
    failed: dict[str, FailedRecord] = field(default_factory=dict)
    pending: dict[str, str] = field(default_factory=dict)  # file → version being written
    synced_at: float | None = None
    # file → text hashes of its flagged passages an admin judged harmless: the sync does not flag them
    # again while the file holds that text. Absent from catalogs written before admins could clear flags.
    cleared: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def open(cls, path: Path) -> Manifest:
        manifest = cls(path)
        manifest.load()
        return manifest

    def load(self) -> None:
        # New dicts, not the old ones refilled: a reader thread may be iterating over them.
        raw = json.loads(self.path.read_text(encoding="utf-8")) if self.path.exists() else {}
        self.files = {k: FileRecord(**v) for k, v in raw.get("files", {}).items()}
        self.failed = {k: FailedRecord(**v) for k, v in raw.get("failed", {}).items()}
        self.pending = dict(raw.get("pending", {}))
        self.synced_at = raw.get("synced_at")
        self.cleared = {k: list(v) for k, v in raw.get("cleared", {}).items()}

    def save(self) -> None:
        data = {
            "files": {k: asdict(v) for k, v in sorted(self.files.items())},
            "failed": {k: asdict(v) for k, v in sorted(self.failed.items())},
            "pending": self.pending,
            "synced_at": self.synced_at,
            "cleared": dict(sorted(self.cleared.items())),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=0)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)

    def clear(self) -> None:
        # The cleared passages stay: an admin's judgment is about a text, which a reindex reads again.
        self.files, self.failed, self.pending, self.synced_at = {}, {}, {}, None

    def exists(self) -> bool:
        return self.path.exists()

    def stamp(self) -> tuple[int, int]:
        try:
            st = self.path.stat()
            return (st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            return (0, 0)

    @property
    def versions(self) -> dict[str, str]:
        return {name: rec.sha256 for name, rec in self.files.items()}

    @property
    def chunk_total(self) -> int:
        return sum(r.chunks for r in self.files.values())
