"""Files parsed in a child process under limits (ingest/worker.py), so a hostile one fails alone.

One long-lived worker per sync parses the files one by one, as the parse thread did in process; the
overhead, a pickled document per file, is lost in the noise (benchmarks/RESULTS.md). A file that
crashes the worker, outlives the clock or exhausts the memory gets a one-line reason, and the next file
a fresh worker. The address space is capped by RLIMIT_AS and CPU time by RLIMIT_CPU in the worker; the
clock is watched here, where a worker stuck in a parser can still be killed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from types import TracebackType

from ingest.parsers import ParsedDoc, ParseOptions, registry
from ingest.worker import READY, Detected, Ended, Hello, Parsed, Request
from rag.errors import LimitExceeded, RagError
from rag.logs import PACKAGES
from rag.settings import PROJECT_ROOT, LimitsSettings

logger = logging.getLogger(__name__)

# Not `-m ingest.worker`: its messages would be pickled as `__main__`'s classes, unknown here.
_MAIN = "import sys; from ingest.worker import main; main(sys.argv[1:])"


@dataclass
class Outcome:
    """One file's parse: its document, or the one-line reason it has none."""

    kind: str = ""  # "" when the kind could not be told
    parser_version: int | None = None
    doc: ParsedDoc | None = None
    error: str | None = None
    limit: str | None = None  # the setting whose limit refused the file


class _Worker:
    """The worker and its supervisor (ingest/worker.py), in a process group of their own."""

    def __init__(self, proc: subprocess.Popen[bytes], requests: Connection, replies: Connection) -> None:
        self.proc, self.requests, self.replies = proc, requests, replies

    def stop(self, kill: bool) -> None:
        if kill:
            os.killpg(self.proc.pid, signal.SIGKILL)  # safe: the group's leader is not reaped yet
        self.requests.close()
        self.replies.close()
        self.proc.wait()


class IsolatedParser:
    """Parses one file at a time in the worker process; restarts it after a file that ended it."""

    def __init__(self, limits: LimitsSettings, options: ParseOptions) -> None:
        self.limits = limits
        self.options = options
        self._worker: _Worker | None = None

    def __enter__(self) -> IsolatedParser:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            with contextlib.suppress(OSError):  # already gone
                worker.requests.send(None)
            worker.stop(kill=False)

    def _end(self, worker: _Worker, *, kill: bool = False) -> None:
        self._worker = None
        worker.stop(kill)

    def parse(self, path: Path) -> Outcome:
        worker = self._worker or self._start()
        out = Outcome()
        deadline = time.monotonic() + self.limits.wall_seconds
        try:
            worker.requests.send(Request(path.resolve(), self.options, self.limits.cpu_seconds))
            while True:
                if not worker.replies.poll(max(0.0, deadline - time.monotonic())):
                    self._end(worker, kill=True)
                    logger.warning("parser process killed after %g s on %s", self.limits.wall_seconds, path)
                    return self._refused(out, f"took longer than {self.limits.wall_seconds:g} s",
                                         "parse_wall_seconds")
                reply: Detected | Parsed | Ended = worker.replies.recv()
                if isinstance(reply, Detected):
                    out.kind, out.parser_version = reply.kind, reply.version
                    continue
                if isinstance(reply, Ended):
                    self._end(worker)
                    logger.warning("parser process ended on %s: exit code %d, peak memory %.0f MB", path,
                                   reply.exit_code, reply.peak_mb)
                    return self._ended(out, reply)
                for record in reply.records:
                    logging.getLogger(record.name).handle(record)
                if reply.out_of_memory:
                    self._end(worker)
                    return self._out_of_memory(out)
                out.doc, out.error, out.limit = reply.doc, reply.error, reply.limit
                return out
        except (EOFError, OSError):  # the supervisor itself is gone: killed from outside
            self._end(worker, kill=True)
            out.error = "parser process lost"
            return out

    def _ended(self, out: Outcome, ended: Ended) -> Outcome:
        signum = -ended.exit_code
        if signum == signal.SIGXCPU:
            return self._refused(out, f"used more than {self.limits.cpu_seconds} s of CPU", "parse_cpu_seconds")
        # pdfium aborts when an allocation fails, and grows its buffers by doubling: a worker that died
        # holding half the address space it may have ran out of it.
        if signum > 0 and ended.peak_mb * 2 >= self.limits.memory_mb:
            return self._out_of_memory(out)
        out.error = f"parser crashed (signal {signum})" if signum > 0 else f"parser exited (code {ended.exit_code})"
        return out

    def _start(self) -> _Worker:
        request_r, request_w = os.pipe()
        reply_r, reply_w = os.pipe()
        proc = subprocess.Popen([sys.executable, "-c", _MAIN, str(request_r), str(reply_w)],
                                pass_fds=(request_r, reply_w), stdin=subprocess.DEVNULL, cwd=PROJECT_ROOT,
                                start_new_session=True)
        os.close(request_r)
        os.close(reply_w)
        worker = _Worker(proc, Connection(request_w, readable=False), Connection(reply_r, writable=False))
        levels = {name: logging.getLogger(name).getEffectiveLevel() for name in ("", *PACKAGES)}
        try:
            worker.requests.send(sys.path)
            worker.requests.send(Hello(registry.PARSERS, self.limits.memory_mb, levels))
            if worker.replies.recv() != READY:
                raise EOFError
        except (EOFError, OSError) as e:
            worker.stop(kill=True)
            raise RagError(f"the parser process did not start (exit code {proc.returncode}): see its error "
                           "above") from e
        self._worker = worker
        return worker

    def _out_of_memory(self, out: Outcome) -> Outcome:
        return self._refused(out, f"exceeded the {self.limits.memory_mb} MB memory limit", "parse_memory_mb")

    @staticmethod
    def _refused(out: Outcome, reason: str, setting: str) -> Outcome:
        error = LimitExceeded(reason, setting)
        out.error, out.limit = str(error), error.setting
        return out
