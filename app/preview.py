"""A cited PDF page as text, read in a child process under the parse limits: a hostile PDF that bombs,
crashes or hangs its reader costs that child, never the page's server.

    python -m app.preview FILE PAGE   → {"text": "..."} or {"text": null} on stdout
"""

from __future__ import annotations

import json
import logging
import resource
import subprocess
import sys
from pathlib import Path

from rag.settings import PROJECT_ROOT, LimitsSettings

logger = logging.getLogger(__name__)


def page_text(path: Path, page: int, limits: LimitsSettings) -> str | None:
    """The text of one PDF page (1-based), or None when it cannot be read (encrypted, damaged, no such
    page, or over a limit)."""
    memory = limits.memory_mb << 20

    def limit() -> None:  # runs in the child before it starts
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    try:
        done = subprocess.run([sys.executable, "-m", "app.preview", str(path), str(page)], cwd=PROJECT_ROOT,
                              capture_output=True, timeout=limits.wall_seconds, preexec_fn=limit, check=False)
    except subprocess.TimeoutExpired:
        logger.warning("no preview of %s page %d: took longer than %s s", path, page, limits.wall_seconds)
        return None
    if done.returncode != 0:
        logger.warning("no preview of %s page %d: the reader ended with %d: %s", path, page, done.returncode,
                       done.stderr.decode("utf-8", "replace")[-500:])
        return None
    text = json.loads(done.stdout)["text"]
    return text if isinstance(text, str) else None


def read_page(path: Path, page: int) -> str | None:
    from pypdf import PdfReader

    try:
        reader = PdfReader(path)
        if reader.is_encrypted or not 1 <= page <= len(reader.pages):
            return None
        return reader.pages[page - 1].extract_text() or ""
    except Exception:  # any reader failure just means: no page preview
        logger.exception("no preview of %s page %d", path, page)
        return None


if __name__ == "__main__":
    print(json.dumps({"text": read_page(Path(sys.argv[1]), int(sys.argv[2]))}))
