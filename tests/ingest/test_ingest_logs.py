"""What ingest leaves in the log: the traceback of a parser bug, the slow PDF fallback, the summary."""

from __future__ import annotations

import logging
import shutil
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from ingest.__main__ import print_report
from ingest.parsers import ParseOptions, registry
from ingest.parsers.pdf import parse_pdf
from ingest.sync import run_sync
from rag.logs import configure_logging
from rag.settings import Settings
from rag.store.knowledge_base import KnowledgeBase
from tests.conftest import SAMPLES
from tests.ingest.hostile import buggy


def test_a_parser_bug_is_one_report_line_and_a_traceback_in_the_log(
        settings: Settings, index: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        restore_logging: None, capsys: pytest.CaptureFixture[str]) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(SAMPLES / "Product Datasheet NR-200.pdf", docs)
    shutil.copy(SAMPLES / "policies" / "IT Security Policy.docx", docs)

    monkeypatch.setattr(registry, "PARSERS", tuple(replace(p, parse=buggy) if p.name == "docx" else p
                                                   for p in registry.PARSERS))
    log = configure_logging(settings)
    assert log is not None
    report = run_sync(settings, docs, progress=False, index=index)

    assert report.added == ["Product Datasheet NR-200.pdf"]
    assert report.failed == [{"file": "IT Security Policy.docx",
                              "error": "unexpected parser error (IndexError: list index out of range)"}]
    print_report(report)
    failed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("FAILED")]
    assert failed == ["FAILED  IT Security Policy.docx: unexpected parser error (IndexError: list index out of range)"]

    text = log.read_text(encoding="utf-8")
    assert "unexpected parser error on" in text and "IT Security Policy.docx" in text
    assert "Traceback (most recent call last)" in text and "in buggy" in text
    assert "IT Security Policy.docx not ingested: unexpected parser error" in text
    assert "1 added, 0 updated, 0 deleted, 0 unchanged, 1 failed" in text


def test_pdf_read_without_pdfium_warns_naming_the_file_and_why(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setitem(sys.modules, "pypdfium2", None)  # an install without pdfium
    path = SAMPLES / "Product Datasheet NR-200.pdf"
    with caplog.at_level(logging.WARNING, logger="ingest.parsers.pdf"):
        doc = parse_pdf(path, ParseOptions())
    assert doc.blocks  # pypdf still reads it, only slower
    warnings = [r for r in caplog.records if r.name == "ingest.parsers.pdf" and r.levelno == logging.WARNING]
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    assert str(path) in message and "pdfium cannot open it" in message and "ModuleNotFoundError" in message
    assert "20x slower" in message
