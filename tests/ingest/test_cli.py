"""`python -m ingest` as admins run it: real processes, exit codes, the lock, and kill -9 mid-run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from rag.embeddings import SentenceTransformerEmbedder
from rag.settings import PROJECT_ROOT, Settings
from rag.store.knowledge_base import KnowledgeBase
from rag.store.lock import FileLock
from tests.conftest import SHARED, needs_shared
from tests.ingest.test_sync import assert_consistent


def ingest(docs: Path, store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ingest", str(docs), "--store", str(store), *args],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600,
    )


def test_help_is_instant() -> None:
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "ingest", "--help"], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert out.returncode == 0 and "--reindex" in out.stdout
    # Heavy imports are lazy: --help must not load torch or chroma.
    assert "torch" not in out.stderr and time.perf_counter() - t >= 0


def test_json_report_exit_codes_and_passwords(tmp_path: Path) -> None:
    needs_shared()
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(PROJECT_ROOT / "data/docs/Employee Handbook.pdf", docs)
    shutil.copy(SHARED / "nasty/encrypted/docling_userpw_1234.pdf", docs / "locked.pdf")
    (docs / "zero.pdf").write_bytes(b"")
    store = tmp_path / "store"

    out = ingest(docs, store, "--json")
    assert out.returncode == 1, out.stderr
    report = json.loads(out.stdout)
    for key in ("added", "updated", "deleted", "unchanged", "failed", "files", "chunks", "seconds"):
        assert key in report
    assert report["added"] == 1 and report["files"] == 1
    errors = {f["file"]: f["error"] for f in report["failed"]}
    assert errors["zero.pdf"] == "empty file (0 bytes)"
    assert "encrypted: password required" in errors["locked.pdf"]

    pw = tmp_path / "passwords.txt"
    pw.write_text("nope\n1234\n")
    (docs / "zero.pdf").unlink()
    out = ingest(docs, store, "--json", "--passwords", str(pw))
    assert out.returncode == 0, out.stdout + out.stderr
    report = json.loads(out.stdout)
    assert report["added"] == 1 and report["unchanged"] == 1 and report["files"] == 2

    out = ingest(docs, store)  # human-readable
    assert out.returncode == 0 and "0 added, 0 updated, 0 deleted, 2 unchanged, 0 failed" in out.stdout

    out = ingest(tmp_path / "missing", store)
    assert out.returncode == 2 and "not a folder" in out.stderr


def test_second_writer_is_refused_with_the_holder(tmp_path: Path, docs: Path) -> None:
    store = tmp_path / "store"
    with FileLock(store):
        out = ingest(docs, store)
    assert out.returncode == 2
    assert "locked by another ingest" in out.stderr and f"pid {os.getpid()}" in out.stderr


def test_fingerprint_mismatch_exits_2(tmp_path: Path, docs: Path) -> None:
    store = tmp_path / "store"
    assert ingest(docs, store).returncode == 0
    env = {**os.environ, "RAG_CHUNK_TOKENS": "90"}
    out = subprocess.run([sys.executable, "-m", "ingest", str(docs), "--store", str(store)],
                         cwd=PROJECT_ROOT, capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 2 and "--reindex" in out.stderr and "\n" not in out.stderr.strip()
    log = (store / "logs" / "rag.log").read_text(encoding="utf-8")
    assert "python -m ingest stopped: the store was built with other embedding/chunking settings" in log
    assert "sync of" in log and "added" in log  # the first run's summary


def test_an_unexpected_error_is_one_line_naming_the_log_and_exit_3(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    store = tmp_path / "not-a-folder"
    store.write_text("")  # the store cannot be created: an error no RagError describes
    log = tmp_path / "logs" / "ingest.log"
    out = subprocess.run([sys.executable, "-m", "ingest", str(docs), "--store", str(store)], cwd=PROJECT_ROOT,
                         capture_output=True, text=True, env={**os.environ, "RAG_LOG_FILE": str(log)}, timeout=600)
    assert out.returncode == 3 and out.stdout == ""
    assert out.stderr.startswith("ingest: unexpected error (FileExistsError: ")
    assert out.stderr.endswith(f"; details in {log}\n") and out.stderr.count("\n") == 1
    text = log.read_text(encoding="utf-8")
    assert "python -m ingest stopped" in text and "Traceback (most recent call last)" in text
    assert "FileExistsError" in text


def test_kill_9_mid_run_then_rerun_converges(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> None:
    needs_shared()
    docs = tmp_path / "docs"
    shutil.copytree(SHARED / "xquad_en_wiki/pdf", docs)
    total = len(list(docs.glob("*.pdf")))
    store = tmp_path / "store"
    manifest = store / "documents.manifest.json"
    proc = subprocess.Popen([sys.executable, "-m", "ingest", str(docs), "--store", str(store)],
                            cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    committed = 0
    while time.monotonic() < deadline and proc.poll() is None:
        if manifest.exists():
            try:
                committed = len(json.loads(manifest.read_text())["files"])
            except (ValueError, KeyError):
                committed = 0
            if committed >= 3:
                break
        time.sleep(0.05)
    assert proc.poll() is None, "ingest ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 3 <= committed < total

    out = ingest(docs, store, "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["files"] == total and report["added"] + report["unchanged"] + report["updated"] == total
    assert_consistent(KnowledgeBase(Settings(store_path=store), embedder=embedder))
