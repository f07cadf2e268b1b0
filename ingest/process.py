"""The sync as a child process, `python -m ingest DIR --json` with the caller's settings: what a
long-lived process (the page's server) runs, so that nothing a sync meets can take it down."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ingest.sync import SyncReport
from rag.errors import RagError
from rag.logs import EXIT_ERROR
from rag.settings import ENV_PREFIX, PROJECT_ROOT, Settings


class SyncFailed(RagError):
    """The sync process stopped without a report; the message is its one line."""

    def __init__(self, message: str, *, known: bool) -> None:
        super().__init__(message)
        self.known = known  # a RagError of the sync's: its message says the fix


def environment(settings: Settings) -> dict[str, str]:
    """This process's environment with exactly `settings` in it: every setting as its `RAG_*` variable,
    no other `RAG_*` variable, and no rag.toml (each value is already in the settings)."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(ENV_PREFIX)}
    for flat, value in settings.flat().items():
        if value is not None:  # None is each optional setting's default
            env[ENV_PREFIX + flat.upper()] = json.dumps(value) if isinstance(value, bool) else str(value)
    env["RAG_CONFIG"] = os.devnull
    return env


def run_sync_process(settings: Settings, docs_dir: Path) -> SyncReport:
    """Sync `docs_dir` in a child process and return its report, or raise SyncFailed with its one line."""
    out = subprocess.run([sys.executable, "-m", "ingest", str(docs_dir), "--json"], cwd=PROJECT_ROOT,
                         env=environment(settings), stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if out.returncode in (0, 1):  # 1: some files failed, the report says which
        return SyncReport.from_json(json.loads(out.stdout))
    if out.returncode < 0:
        raise SyncFailed(f"the sync process was killed (signal {-out.returncode})", known=False)
    lines = out.stderr.strip().splitlines()
    line = lines[-1].removeprefix("ingest: ") if lines else f"the sync process exited with code {out.returncode}"
    raise SyncFailed(line, known=out.returncode == EXIT_ERROR)
