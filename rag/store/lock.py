"""One writer per store: two Chroma writer processes on one folder corrupt it (measured here)."""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
import time
from pathlib import Path
from typing import IO

from rag.errors import StoreLocked


class FileLock:
    """An flock on a file in the store folder: the kernel releases it when the holder dies, even by kill -9."""

    def __init__(self, store_path: Path) -> None:
        self.path = store_path / "ingest.lock"
        self._fh: IO[str] | None = None

    def __enter__(self) -> FileLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip()
            fh.close()
            raise StoreLocked(f"store {self.path.parent} is locked by another ingest ({describe(holder)})") from None
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "since": time.time(),
                             "cmd": " ".join(sys.argv)}))
        fh.flush()
        self._fh = fh
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fh is not None:
            self._fh.seek(0)
            self._fh.truncate()
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None

    def holder(self) -> str | None:
        """Who holds the lock now, or None: lets the page show a running CLI ingest instead of fighting it."""
        if not self.path.exists():
            return None
        with self.path.open("a+", encoding="utf-8") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.seek(0)
                return describe(fh.read().strip())
            fcntl.flock(fh, fcntl.LOCK_UN)
        return None


def holder(store_path: Path) -> str | None:
    """Who holds the writer lock of the store folder now, or None."""
    return FileLock(store_path).holder()


def describe(raw: str) -> str:
    try:
        info = json.loads(raw)
    except ValueError:
        return "holder unknown"
    since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info.get("since", 0)))
    return f"pid {info.get('pid')} on {info.get('host')} since {since}: {info.get('cmd', '')}"
