"""Helpers for tests that run a server in a subprocess."""

from __future__ import annotations

import subprocess


def stop(proc: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """Terminate politely, kill if it hangs: a leftover server would hold its port for later tests."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
