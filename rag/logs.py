"""Where the detail of a failure goes: a log file, set up by the entry points; users read one line.

Library use (`import rag`) configures nothing: an application that embeds the knowledge base decides
where its records go. The entry points (`python -m ingest`, `python -m rag`, `python -m rag.eval`,
`python -m rag.models`, the page) call `configure_logging(settings)`: the project's records from
`settings.log.level` up, other libraries' warnings and every traceback go to the log file, while the
terminal keeps showing only the lines the CLIs print themselves.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from functools import wraps
from logging.handlers import WatchedFileHandler
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from rag.errors import RagError

if TYPE_CHECKING:
    from rag.settings import Settings

logger = logging.getLogger(__name__)

PACKAGES = ("rag", "ingest", "app")  # the project's own loggers; settings.log.level applies to them
EXIT_ERROR = 2  # a RagError: its message says the fix
EXIT_UNEXPECTED = 3  # anything else: the traceback is in the log file
_FORMAT = "%(asctime)s %(levelname)s [%(process)d %(threadName)s] %(name)s: %(message)s"
_HANDLER = "rag-log "  # + the target: finds this module's handler again on the next call
_LINE_CHARS = 300  # of an unexpected error's message shown to a user: the whole of it is in the log
_lock = threading.Lock()


class Main(Protocol):
    """A CLI's `main(argv)`: the exit code."""

    def __call__(self, argv: list[str] | None = None) -> int: ...


def log_file(settings: Settings) -> Path:
    return settings.log.file or settings.store.path / "logs" / "rag.log"


class _OwnOrWarning(logging.Filter):
    """The project's records at its own level; other libraries only from WARNING (their INFO is noise),
    even when one of them lowers its own logger's level."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.name.split(".", 1)[0] in PACKAGES or record.levelno >= logging.WARNING


def configure_logging(settings: Settings) -> Path | None:
    """Send log records to the log file; returns it, or None when it cannot be written (then warnings
    and errors go to stderr instead). Calling it again with the same settings changes nothing (the page
    reruns its script); with another file it moves there."""
    path = log_file(settings)
    with _lock:
        root = logging.getLogger()
        current = _installed()
        if current is None or current.get_name() != _HANDLER + str(path):
            if current is not None:
                root.removeHandler(current)
                current.close()
            current, problem = _open(path)
            root.addHandler(current)
            if problem:
                logger.warning("cannot write the log file %s (%s): warnings go to stderr", path, problem)
        for name in PACKAGES:
            logging.getLogger(name).setLevel(settings.log.level)
    return path if isinstance(current, logging.FileHandler) else None


def _installed() -> logging.Handler | None:
    return next((h for h in logging.getLogger().handlers if (h.get_name() or "").startswith(_HANDLER)), None)


def _open(path: Path) -> tuple[logging.Handler, str | None]:
    handler: logging.Handler
    problem = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Watched: the page server and the CLI append to the same file, and logrotate may move it.
        handler = WatchedFileHandler(path, encoding="utf-8")
    except OSError as e:
        handler, problem = logging.StreamHandler(sys.stderr), e.strerror or str(e)
        handler.setLevel(logging.WARNING)
    handler.set_name(_HANDLER + str(path))
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.addFilter(_OwnOrWarning())
    return handler, problem


def current_log_file() -> Path | None:
    """The file `configure_logging` writes to, if any."""
    handler = _installed()
    return Path(handler.baseFilename) if isinstance(handler, logging.FileHandler) else None


def error_line(exc: BaseException) -> str:
    """What a user reads for an error: a RagError's own message; anything else by its kind and the
    start of its message, with where its traceback is."""
    text = " ".join(str(exc).split())
    if isinstance(exc, RagError):
        return text
    if len(text) > _LINE_CHARS:
        text = text[:_LINE_CHARS] + "…"
    where = current_log_file()
    return (f"unexpected error ({type(exc).__name__}{': ' + text if text else ''})"
            + (f"; details in {where}" if where else ""))


def report_error(log: logging.Logger, what: str, exc: BaseException) -> str:
    """Log an error about to be shown to a user and return the line to show: a RagError (a known kind,
    its message is the story) as one line, anything else with its traceback."""
    if isinstance(exc, RagError):
        log.warning("%s: %s", what, error_line(exc))
    else:
        log.exception("%s", what, exc_info=exc)
    return error_line(exc)


def cli_errors(prog: str, prefix: str = "error") -> Callable[[Main], Main]:
    """A CLI's `main` that prints `prefix: <one line>` for an error instead of a traceback: exit 2 for a
    RagError, 3 for anything else (its traceback goes to the log file, under `prog`)."""

    def decorate(main: Main) -> Main:
        @wraps(main)
        def run(argv: list[str] | None = None) -> int:
            try:
                return main(argv)
            except Exception as exc:
                # Without a log file (settings that do not load, a file that cannot be written) the
                # line is all: a traceback on stderr is what this replaces.
                line = report_error(logger, f"{prog} stopped", exc) if current_log_file() else error_line(exc)
                print(f"{prefix}: {line}", file=sys.stderr)
                return EXIT_ERROR if isinstance(exc, RagError) else EXIT_UNEXPECTED

        return run

    return decorate
