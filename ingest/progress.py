"""Progress for long syncs: a bar with files, chunks and ETA on a terminal, plain log lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, total: int, *, stream: TextIO | None = None, enabled: bool = True) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.enabled = enabled and total > 0
        self.files = 0
        self.chunks = 0
        self.start = time.monotonic()
        self._last_line = 0.0
        self._bar = None
        if self.enabled and self.stream.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=total, unit="file", file=self.stream, dynamic_ncols=True)

    def advance(self, chunks: int = 0, name: str = "") -> None:
        self.files += 1
        self.chunks += chunks
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.set_postfix_str(f"{self.chunks} chunks {name[-40:]}", refresh=False)
            self._bar.update(1)
            return
        now = time.monotonic()
        if now - self._last_line >= 5 or self.files == self.total:
            self._last_line = now
            elapsed = now - self.start
            eta = elapsed / self.files * (self.total - self.files)
            print(
                f"ingest: {self.files}/{self.total} files, {self.chunks} chunks, "
                f"{elapsed:.0f}s elapsed, ETA {eta:.0f}s",
                file=self.stream,
                flush=True,
            )

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
