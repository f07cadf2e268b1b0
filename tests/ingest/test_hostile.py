"""Hostile files fail alone: each is refused with one line, recorded, and left alone until it changes,
while the good files beside it go in. Parsing really runs in the worker process, under real limits."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from ingest.__main__ import print_report
from ingest.sync import SyncReport
from rag.embeddings import SentenceTransformerEmbedder
from rag.settings import PROJECT_ROOT, Settings
from rag.store.knowledge_base import KnowledgeBase
from tests.conftest import SAMPLES
from tests.ingest import hostile
from tests.ingest.test_sync import assert_consistent, spy_parses, sync
from tests.processes import alive, descendants

GOOD = "Product Datasheet NR-200.pdf"
MEMORY = "exceeded the 300 MB memory limit (setting parse_memory_mb)"


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    """A folder with one good file; each test adds a hostile one."""
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(SAMPLES / GOOD, folder)
    return folder


@pytest.fixture
def syncs(make_settings: Callable[..., Settings], embedder: SentenceTransformerEmbedder,
          docs: Path) -> Callable[..., SyncReport]:
    """A sync of `docs` with these settings, through one store."""
    def run(dry_run: bool = False, **overrides: object) -> SyncReport:
        settings = make_settings(**overrides)
        return sync(settings, KnowledgeBase(settings, embedder=embedder), docs, dry_run=dry_run)

    return run


def fails_alone(syncs: Callable[..., SyncReport], docs: Path, bad: str, reason: str,
                monkeypatch: pytest.MonkeyPatch, good: tuple[str, ...] = (GOOD,), **limits: object) -> SyncReport:
    """The bad file fails with `reason` and the good ones go in; the next sync reports it again without
    reading it; once it changes it is read again. The first sync's report."""
    first = syncs(**limits)
    assert sorted(first.added) == sorted(good) and first.failed == [{"file": bad, "error": reason}]
    parsed = spy_parses(monkeypatch)
    report = syncs(**limits)
    assert not parsed and report.unchanged == len(good) and report.failed == first.failed
    path = docs / bad
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    report = syncs(**limits)
    assert parsed == [bad] and report.failed == first.failed
    return first


def test_a_native_abort_fails_that_file_only(syncs: Callable[..., SyncReport], docs: Path,
                                             monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    hostile.register(monkeypatch)
    hostile.write_hostile(docs / "abort.hostile", "abort")
    hostile.write_hostile(docs / "fine.hostile", "fine")  # after the crash, a fresh worker reads it
    with caplog.at_level(logging.WARNING, logger="ingest.isolation"):
        report = fails_alone(syncs, docs, "abort.hostile", "parser crashed (signal 6)", monkeypatch,
                             good=(GOOD, "fine.hostile"))
    print_report(report)
    assert "FAILED  abort.hostile: parser crashed (signal 6)" in capsys.readouterr().out.splitlines()
    assert any("ended on" in m and "abort.hostile" in m and "exit code -6" in m for m in caplog.messages)


@pytest.mark.parametrize(("what", "reason", "limit"), [
    ("hang", "took longer than 2 s (setting parse_wall_seconds)", {"parse_wall_seconds": 2}),  # the clock
    ("spin", "used more than 1 s of CPU (setting parse_cpu_seconds)", {"parse_cpu_seconds": 1}),  # the CPU limit
])
def test_a_parser_that_hangs_or_spins_is_stopped(syncs: Callable[..., SyncReport], docs: Path,
                                                 monkeypatch: pytest.MonkeyPatch, what: str, reason: str,
                                                 limit: dict[str, float]) -> None:
    hostile.register(monkeypatch)
    hostile.write_hostile(docs / f"{what}.hostile", what)
    fails_alone(syncs, docs, f"{what}.hostile", reason, monkeypatch, **limit)


@pytest.mark.parametrize("make", [
    lambda docs: hostile.flate_bomb_pdf(docs / "bomb.pdf", 512),  # pdfium aborts when it cannot allocate
    lambda docs: hostile.write_hostile(docs / "bomb.hostile", "grow"),  # Python raises MemoryError
], ids=["pdf-flate-bomb", "python-memory-error"])
def test_a_memory_blow_up_hits_the_memory_limit(syncs: Callable[..., SyncReport], docs: Path,
                                                 monkeypatch: pytest.MonkeyPatch, make: Callable[[Path], Path]) -> None:
    hostile.register(monkeypatch)
    bomb = make(docs)
    assert bomb.stat().st_size < 1 << 20
    fails_alone(syncs, docs, bomb.name, MEMORY, monkeypatch, parse_memory_mb=300)


def test_a_word_zip_bomb_is_refused_before_it_is_unpacked(syncs: Callable[..., SyncReport], docs: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # The main part holds 512 MiB of spaces and says so (513 MB with the other parts); python-docx would
    # unpack it all.
    body = hostile.spaces_deflated(b"", 512, zlib_wrapper=False)
    hostile.docx_with_body(docs / "bomb.docx", body, declared=512 << 20)
    reason = ("ZIP member 'word/document.xml' unpacks to 1,010 times its packed size, over the limit of 100 "
              "(setting max_zip_ratio)")
    fails_alone(syncs, docs, "bomb.docx", reason, monkeypatch, parse_memory_mb=300)
    # Each change of the limit that refused it has the file tried again: the total is checked too, and
    # without the checks the memory limit stops it (they refused it before it was unpacked).
    report = syncs(parse_memory_mb=300, max_zip_ratio=10_000, max_unzipped_mb=100)
    assert report.failed == [{"file": "bomb.docx", "error": "unpacks to 513 MB, over the limit of 100 MB "
                                                             "(setting max_unzipped_mb)"}]
    assert syncs(parse_memory_mb=300, max_zip_ratio=10_000).failed == [{"file": "bomb.docx", "error": MEMORY}]


def test_a_zip_member_that_lies_about_its_size_hits_the_memory_limit(
        syncs: Callable[..., SyncReport], docs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    body = hostile.spaces_deflated(b"", 1024, zlib_wrapper=False)
    hostile.docx_with_body(docs / "liar.docx", body, declared=4096)  # passes the ratio and size checks
    fails_alone(syncs, docs, "liar.docx", MEMORY, monkeypatch, parse_memory_mb=300)


def test_one_page_listed_20000_times_is_refused_by_the_page_limit(
        syncs: Callable[..., SyncReport], docs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pdf = hostile.repeated_page_pdf(docs / "pages.pdf", 20_000)
    assert pdf.stat().st_size < 130_000
    fails_alone(syncs, docs, "pages.pdf", "20,000 pages, over the limit of 5,000 (setting max_pages)", monkeypatch)


def test_a_file_of_too_many_passages_is_refused_then_read_once_the_limit_allows(
        syncs: Callable[..., SyncReport], docs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hostile.repeated_page_pdf(docs / "pages.pdf", 300)
    first = fails_alone(syncs, docs, "pages.pdf", "more than 100 passages (setting max_chunks)", monkeypatch,
                        max_chunks=100)
    report = syncs(max_chunks=1000)  # a higher limit: the file is read again, and fits
    assert report.added == ["pages.pdf"] and not report.failed and report.chunks == first.chunks + 300


def test_a_file_over_the_size_limit_is_neither_hashed_nor_parsed(
        syncs: Callable[..., SyncReport], docs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (docs / "big.pdf").write_bytes(b"%PDF-1.7\n".ljust(3 << 19, b"0"))
    parsed = spy_parses(monkeypatch)
    report = syncs(max_file_mb=1)
    assert report.added == [GOOD] and parsed == [GOOD]
    assert report.failed == [{"file": "big.pdf", "error": "1.5 MB, over the limit of 1 MB (setting max_file_mb)"}]
    assert syncs(max_file_mb=1, dry_run=True).failed == report.failed


def test_the_store_stays_consistent_after_a_crash(make_settings: Callable[..., Settings],
                                                  embedder: SentenceTransformerEmbedder, docs: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A file that was ingested and now crashes the parser keeps its previous version."""
    settings = make_settings()
    index = KnowledgeBase(settings, embedder=embedder)
    sync(settings, index, docs)
    chunks = index.manifest.files[GOOD].chunks
    hostile.register(monkeypatch)
    hostile.write_hostile(docs / GOOD, "abort")
    report = sync(settings, index, docs)
    assert report.failed == [{"file": GOOD, "error": "parser crashed (signal 6) (previous version kept)"}]
    assert index.manifest.files[GOOD].chunks == chunks
    assert_consistent(index)


def test_the_cli_reports_each_hostile_file_in_one_line_and_ingests_the_rest(
        tmp_path: Path, docs: Path, embedder: SentenceTransformerEmbedder) -> None:
    hostile.flate_bomb_pdf(docs / "bomb.pdf", 512)
    hostile.repeated_page_pdf(docs / "pages.pdf", 20_000)
    hostile.docx_with_body(docs / "bomb.docx", hostile.spaces_deflated(b"", 512, zlib_wrapper=False), 512 << 20)
    hostile.docx_with_body(docs / "liar.docx", hostile.spaces_deflated(b"", 512, zlib_wrapper=False), 4096)
    (docs / "big.pdf").write_bytes(b"%PDF-1.7\n".ljust(3 << 19, b"0"))
    store = tmp_path / "store"
    env = {**os.environ, "RAG_PARSE_MEMORY_MB": "300", "RAG_MAX_FILE_MB": "1"}
    expected = [
        "FAILED  big.pdf: 1.5 MB, over the limit of 1 MB (setting max_file_mb)",
        "FAILED  bomb.docx: ZIP member 'word/document.xml' unpacks to 1,010 times its packed size, over the "
        "limit of 100 (setting max_zip_ratio)",
        f"FAILED  bomb.pdf: {MEMORY}",
        f"FAILED  liar.docx: {MEMORY}",
        "FAILED  pages.pdf: 20,000 pages, over the limit of 5,000 (setting max_pages)",
    ]
    for summary in ("1 added, 0 updated, 0 deleted, 0 unchanged, 5 failed",
                    "0 added, 0 updated, 0 deleted, 1 unchanged, 5 failed"):
        out = subprocess.run([sys.executable, "-m", "ingest", str(docs), "--store", str(store)], cwd=PROJECT_ROOT,
                             capture_output=True, text=True, env=env, timeout=600)
        assert out.returncode == 1, out.stderr
        assert sorted(line for line in out.stdout.splitlines() if line.startswith("FAILED")) == expected
        assert summary in out.stdout
    # The crash is in the log once: the second run read none of the failed files again.
    log = (store / "logs" / "rag.log").read_text(encoding="utf-8")
    assert log.count("parser process ended on") == 1 and "bomb.pdf: exit code -6" in log
    assert_consistent(KnowledgeBase(Settings(store_path=store), embedder=embedder))


def test_a_sync_killed_while_a_parser_hangs_takes_the_parser_along(tmp_path: Path, docs: Path) -> None:
    hostile.write_hostile(docs / "hang.hostile", "hang")
    # `python -m ingest` with the test kind in its registry.
    main = ("import sys; from ingest.parsers import registry; from tests.ingest import hostile; "
            "registry.PARSERS = (*registry.PARSERS, hostile.HOSTILE); from ingest.__main__ import main; "
            "sys.exit(main(sys.argv[1:]))")
    proc = subprocess.Popen([sys.executable, "-c", main, str(docs), "--store", str(tmp_path / "store")],
                            cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while len(parsers := descendants(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(parsers) == 2, "the supervisor and its parser process never started"
        time.sleep(1)  # into the hang
    finally:
        proc.kill()
        proc.wait()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in parsers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in parsers), "the parser process outlived the sync"
