"""The log file: set up by entry points only, once however often they call, detail in the file, one line out."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from rag.errors import StoreLocked
from rag.logs import EXIT_ERROR, EXIT_UNEXPECTED, cli_errors, configure_logging, current_log_file, error_line
from rag.settings import PROJECT_ROOT, Settings

pytestmark = pytest.mark.usefixtures("restore_logging")


def _ours(path: Path) -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers
            if isinstance(h, logging.FileHandler) and h.baseFilename == str(path)]


def test_configure_twice_adds_no_handler_and_another_file_moves_it(tmp_path: Path) -> None:
    settings = Settings(store_path=tmp_path / "store")
    root = logging.getLogger()
    before = len(root.handlers)
    path = configure_logging(settings)
    assert path == tmp_path / "store" / "logs" / "rag.log" and path.is_file()
    assert configure_logging(settings) == path
    assert len(root.handlers) == before + 1 and len(_ours(path)) == 1

    other = configure_logging(settings.replace(log_file=tmp_path / "elsewhere" / "kb.log"))
    assert other == tmp_path / "elsewhere" / "kb.log" and current_log_file() == other
    assert len(root.handlers) == before + 1 and not _ours(path)


def test_the_file_holds_own_records_at_the_level_and_only_warnings_of_libraries(tmp_path: Path) -> None:
    path = configure_logging(Settings(log_file=tmp_path / "kb.log"))
    assert path is not None
    logging.getLogger("ingest.sync").info("own info")
    logging.getLogger("rag.store").debug("own debug")
    noisy = logging.getLogger("httpx")
    noisy.setLevel(logging.DEBUG)  # a library that lowers its own level is still held to WARNING
    noisy.info("library info")
    noisy.warning("library warning")
    try:
        raise ZeroDivisionError("boom")
    except ZeroDivisionError:
        logging.getLogger("app.chat").exception("own failure")
    text = path.read_text(encoding="utf-8")
    assert "own info" in text and "library warning" in text and "own failure" in text
    assert "Traceback" in text and "ZeroDivisionError: boom" in text
    assert "own debug" not in text and "library info" not in text
    noisy.setLevel(logging.NOTSET)

    configure_logging(Settings(log_file=tmp_path / "kb.log", log_level="debug"))
    logging.getLogger("rag.store").debug("own debug now")
    assert "own debug now" in path.read_text(encoding="utf-8")


def test_an_unwritable_log_file_sends_warnings_to_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a-file").write_text("")
    assert configure_logging(Settings(log_file=tmp_path / "a-file" / "kb.log")) is None
    assert current_log_file() is None
    logging.getLogger("rag.store").info("not shown")
    logging.getLogger("rag.store").warning("shown")
    err = capsys.readouterr().err
    assert "cannot write the log file" in err and "shown" in err and "not shown" not in err


def test_importing_the_library_configures_no_logging() -> None:
    code = ("import logging, rag, rag.engine, rag.logs, ingest.sync, app.files; "
            "print(len(logging.getLogger().handlers), logging.getLogger('rag').level)")
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["0", "0"]


def test_cli_errors_one_line_exit_codes_and_the_traceback_in_the_log(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = configure_logging(Settings(log_file=tmp_path / "kb.log"))

    @cli_errors("python -m tool", prefix="tool")
    def crashes(argv: list[str] | None = None) -> int:
        raise KeyError("multi\nline")

    @cli_errors("python -m tool", prefix="tool")
    def locked(argv: list[str] | None = None) -> int:
        raise StoreLocked("store x is locked by another ingest (pid 1)")

    assert crashes([]) == EXIT_UNEXPECTED
    err = capsys.readouterr().err
    assert err == f"tool: unexpected error (KeyError: 'multi\\nline'); details in {path}\n"
    assert locked([]) == EXIT_ERROR
    assert capsys.readouterr().err == "tool: store x is locked by another ingest (pid 1)\n"
    assert path is not None
    text = path.read_text(encoding="utf-8")
    assert "ERROR" in text and "python -m tool stopped" in text and "Traceback" in text and "KeyError" in text
    assert "WARNING" in text and "locked by another ingest" in text


def test_error_line_keeps_a_rag_error_as_it_is_and_shortens_the_rest() -> None:
    assert error_line(StoreLocked("locked")) == "locked"
    line = error_line(RuntimeError("x" * 1000 + "\n" + "y"))
    assert "\n" not in line and line.startswith("unexpected error (RuntimeError: xxx") and len(line) < 400
