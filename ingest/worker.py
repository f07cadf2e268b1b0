"""The process that parses files for the sync, under limits: whatever a hostile file does to a parser
(a native abort, an endless loop, a flate bomb) ends this process, never the sync.

Started by ingest/isolation.py with the two pipes' file descriptors, whose other ends it owns. It
sends `sys.path`, then a `Hello`, then one `Request` per file (None: done); the worker answers the
Hello with READY and each Request with a `Detected` once it knows the kind and a `Parsed` when done.

The process started splits in two: the worker, and a supervisor that only waits for it and then
reports how it `Ended`. A process spawned by the sync counts the sync's own memory in its peak (Linux
carries it over the exec); the worker, forked from the small supervisor, counts only its own, which
tells a parser that ran out of memory from one that crashed.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import resource
import signal
import sys
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

from ingest.parsers import ParsedDoc, ParseOptions, Parser, detect, parse, registry
from rag.errors import LimitExceeded, ParseError


@dataclass(frozen=True)
class Hello:
    parsers: tuple[Parser, ...]  # the parent's registry: the worker reads the kinds the parent knows
    memory_mb: int
    log_levels: dict[str, int]  # logger name ("" for the root) → level, as the parent has them


@dataclass(frozen=True)
class Request:
    path: Path
    options: ParseOptions
    cpu_seconds: int


@dataclass(frozen=True)
class Detected:
    kind: str
    version: int


@dataclass
class Parsed:
    doc: ParsedDoc | None = None
    error: str | None = None
    limit: str | None = None  # the setting whose limit refused the file
    out_of_memory: bool = False  # the worker exits after sending this
    records: list[logging.LogRecord] = field(default_factory=list)  # logged meanwhile, for the parent's log


@dataclass(frozen=True)
class Ended:
    exit_code: int  # negative: the signal that ended the worker
    peak_mb: float  # its peak resident memory


READY = "ready"


class _Collect(logging.Handler):
    """Keeps the records of one parse, made picklable: message formatted, traceback as text."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args = record.getMessage(), None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        self.records.append(record)


def handle(request: Request, replies: Connection) -> Parsed:
    # RLIMIT_CPU counts the process's whole life: each file gets its budget on top of what is spent.
    usage = resource.getrusage(resource.RUSAGE_SELF)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = math.ceil(usage.ru_utime + usage.ru_stime) + request.cpu_seconds
    resource.setrlimit(resource.RLIMIT_CPU, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))
    collect = _Collect()
    root = logging.getLogger()
    root.addHandler(collect)
    try:
        parser = detect(request.path)
        replies.send(Detected(parser.name, parser.version))
        return Parsed(doc=parse(request.path, request.options, parser), records=collect.records)
    except LimitExceeded as e:
        return Parsed(error=str(e), limit=e.setting, records=collect.records)
    except ParseError as e:
        if isinstance(e.__cause__, MemoryError):
            return Parsed(out_of_memory=True, records=collect.records)
        return Parsed(error=str(e), records=collect.records)
    finally:
        root.removeHandler(collect)


def _die_with_parent() -> None:
    """A sync killed mid-run (kill -9) takes its worker along, even one stuck in a hostile file."""
    if sys.platform == "linux":
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def main(argv: list[str]) -> None:
    requests = Connection(int(argv[0]), writable=False)
    replies = Connection(int(argv[1]), readable=False)
    os.dup2(2, 1)  # stdout is the parent's (its --json report): a library's print goes to stderr
    _die_with_parent()
    sys.path[:] = requests.recv()  # before the Hello: its parsers may live in modules only that path finds
    hello: Hello = requests.recv()
    worker = os.fork()
    if worker:
        requests.close()
        _, status, usage = os.wait4(worker, 0)
        with contextlib.suppress(OSError):  # the sync may have stopped listening (it closed the worker)
            replies.send(Ended(os.waitstatus_to_exitcode(status), usage.ru_maxrss / 1024))
        return
    _die_with_parent()
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash leaves no core file behind
    memory = hello.memory_mb << 20
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    registry.PARSERS = hello.parsers
    for name, level in hello.log_levels.items():
        logging.getLogger(name or None).setLevel(level)
    replies.send(READY)
    while True:
        try:
            request: Request | None = requests.recv()
        except EOFError:  # the parent is gone
            return
        if request is None:
            return
        reply = handle(request, replies)
        try:
            replies.send(reply)
        except MemoryError:  # the reading fit, its copy for the parent did not
            reply = Parsed(out_of_memory=True)
            replies.send(reply)
        if reply.out_of_memory:  # whatever failed to allocate may have left a library's state half made
            return
