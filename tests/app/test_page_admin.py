"""The admin panel: uploads land in the docs folder (and only there), the same sync runs, the page sees it."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app.text import escape_md
from ingest.sync import run_sync
from rag.settings import Settings
from rag.store.knowledge_base import KnowledgeBase
from rag.store.lock import FileLock
from tests.app.pagekit import SAMPLES, SpyEngine, ask
from tests.processes import descendants

DOCX = (SAMPLES / "policies" / "IT Security Policy.docx").read_bytes()
PDF = (SAMPLES / "Product Datasheet NR-200.pdf").read_bytes()
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def upload(at: AppTest, *files: tuple[str, bytes, str]) -> AppTest:
    at.file_uploader[0].set_value(list(files)).run()
    at.button(key="admin_add").click().run()
    assert not at.exception, at.exception
    return at


def report(at: AppTest) -> list[str]:
    """The per-file lines of the sync report (one markdown list)."""
    return [line for m in at.sidebar.markdown if m.value.startswith("- **") for line in m.value.splitlines()]


def docs_files(settings: Settings) -> set[str]:
    docs = settings.store.docs_dir
    return {p.relative_to(docs).as_posix() for p in docs.rglob("*") if p.is_file()}


def test_open_mode_has_no_admin_panel(page: Callable[..., AppTest], engine: SpyEngine) -> None:
    at = page(engine)  # nobody signed in: admins use `python -m ingest`
    assert len(at.file_uploader) == 0
    assert "Admin: add documents" not in [e.label for e in at.sidebar.expander]


def test_upload_is_saved_synced_and_searchable(admin_page: Callable[..., AppTest], own_kb: Settings,
                                               make_engine: Callable[[Settings], SpyEngine]) -> None:
    engine = make_engine(own_kb)
    at = admin_page(engine)
    assert at.file_uploader[0].allowed_type == [".pdf", ".docx", ".docm"]  # the kinds that can be read
    upload(at, ("Remote Work Policy.docx", DOCX, DOCX_MIME))
    assert (own_kb.store.docs_dir / "Remote Work Policy.docx").read_bytes() == DOCX
    assert report(at) == [f"- **added** {escape_md('Remote Work Policy.docx')}"]
    assert any("1 added" in s.value for s in at.sidebar.success)
    assert {m.label: m.value for m in at.sidebar.metric}["Documents"] == "5"
    assert "Remote Work Policy.docx" in at.multiselect(key="filter_files").options
    assert len(at.file_uploader[0].value or []) == 0  # the uploader was emptied
    # The new document answers questions right away, through the same engine.
    at.multiselect(key="filter_files").select("Remote Work Policy.docx").run()
    ask(at, "How quickly must a leaver's accounts be disabled?")
    cards = [m.value for m in at.chat_message[1].markdown if m.value.startswith("**")]
    assert cards and all("Remote Work Policy" in c for c in cards)


def test_upload_into_a_subfolder_and_replace(admin_page: Callable[..., AppTest], own_kb: Settings,
                                             make_engine: Callable[[Settings], SpyEngine]) -> None:
    at = admin_page(make_engine(own_kb))
    assert at.selectbox(key="admin_folder").options == ["(top level)", "policies"]
    at.selectbox(key="admin_folder").select("policies").run()
    upload(at, ("IT Security Policy.docx", DOCX, DOCX_MIME))
    assert any("a file of that name exists" in e.value for e in at.sidebar.error)
    at.checkbox(key="admin_replace").check().run()
    other = (SAMPLES / "policies" / "差旅报销制度.docx").read_bytes()
    upload(at, ("IT Security Policy.docx", other, DOCX_MIME))
    assert report(at) == [f"- **updated** {escape_md('policies/IT Security Policy.docx')}"]


@pytest.mark.parametrize("name", ["../escape.pdf", "..\\escape.pdf", "sub/../../escape.pdf", ".hidden.pdf",
                                  "~$lock.docx", "bad\x07name.pdf"])
def test_names_that_could_escape_are_rejected(
    admin_page: Callable[..., AppTest], own_kb: Settings, make_engine: Callable[[Settings], SpyEngine],
    name: str,
) -> None:
    engine = make_engine(own_kb)
    before = docs_files(own_kb)
    outside = set(own_kb.store.docs_dir.parent.iterdir())
    at = upload(admin_page(engine), (name, DOCX if name.endswith("docx") else PDF, "application/pdf"))
    errors = [e.value for e in at.sidebar.error]
    assert len(errors) == 1 and errors[0].startswith("Not added:")
    assert docs_files(own_kb) == before
    assert set(own_kb.store.docs_dir.parent.iterdir()) == outside
    assert report(at) == [] and not at.sidebar.success  # nothing saved: no sync ran
    assert engine.index.manifest.chunk_total == KnowledgeBase(own_kb).manifest.chunk_total


def test_wrong_content_and_size_limit_are_rejected(admin_page: Callable[..., AppTest], own_kb: Settings,
                                                   make_engine: Callable[[Settings], SpyEngine],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    before = docs_files(own_kb)
    at = admin_page(make_engine(own_kb.replace(upload_max_mb=1)))
    big = b"%PDF-1.7\n" + b"0" * (1024 * 1024 + 1)
    upload(at, ("notes.pdf", b"just text, not a PDF", "application/pdf"), ("big.pdf", big, "application/pdf"),
           ("fake.docx", b"PK\x03\x04 not really a zip", DOCX_MIME))
    errors = " ".join(e.value for e in at.sidebar.error)
    assert "not a PDF" in errors and "over the 1 MB limit" in errors and "not a Word" in errors
    assert docs_files(own_kb) == before


def test_a_running_ingest_blocks_a_second_one(admin_page: Callable[..., AppTest], own_kb: Settings,
                                              make_engine: Callable[[Settings], SpyEngine]) -> None:
    with FileLock(own_kb.store.path):
        at = admin_page(make_engine(own_kb))
        assert any("An ingest is running" in w.value for w in at.sidebar.warning)
        assert at.button(key="admin_add").disabled
        assert at.button(key="admin_sync").disabled
    at.run()
    assert not at.button(key="admin_sync").disabled


def test_cli_sync_shows_without_restart(page: Callable[..., AppTest], own_kb: Settings, embedder: object,
                                        make_engine: Callable[[Settings], SpyEngine]) -> None:
    at = page(make_engine(own_kb))
    assert {m.label: m.value for m in at.sidebar.metric}["Documents"] == "4"
    # Another process (the CLI) adds a document and syncs its own index of the same store.
    shutil.copy(SAMPLES / "Product Datasheet NR-200.pdf", own_kb.store.docs_dir / "NR-300 Datasheet.pdf")
    run_sync(own_kb, own_kb.store.docs_dir, progress=False, index=KnowledgeBase(own_kb, embedder=embedder))  # type: ignore[arg-type]
    at.run()
    assert {m.label: m.value for m in at.sidebar.metric}["Documents"] == "5"
    assert "NR-300 Datasheet.pdf" in at.multiselect(key="filter_files").options


def test_sync_now_reports_removed_files(admin_page: Callable[..., AppTest], own_kb: Settings,
                                        make_engine: Callable[[Settings], SpyEngine]) -> None:
    at = admin_page(make_engine(own_kb))
    at.multiselect(key="filter_files").select("Product Datasheet NR-200.pdf").run()
    (own_kb.store.docs_dir / "Product Datasheet NR-200.pdf").unlink()
    at.button(key="admin_sync").click().run()
    assert not at.exception
    assert report(at) == [f"- **deleted** {escape_md('Product Datasheet NR-200.pdf')}"]
    assert at.multiselect(key="filter_files").value == []  # a removed file is no longer a choice
    assert "Product Datasheet NR-200.pdf" not in at.multiselect(key="filter_files").options
    assert {m.label: m.value for m in at.sidebar.metric}["Documents"] == "3"


def test_the_sync_runs_with_the_page_settings(admin_page: Callable[..., AppTest], own_kb: Settings,
                                              make_engine: Callable[[Settings], SpyEngine]) -> None:
    """The child process gets the engine's settings, not the environment's: its own limit refuses the file."""
    at = admin_page(make_engine(own_kb.replace(max_chunks=1)))
    upload(at, ("Remote Work Policy.docx", DOCX, DOCX_MIME))
    assert report(at) == [f"- **failed** {escape_md('Remote Work Policy.docx')}: "
                          f"{escape_md('more than 1 passages (setting max_chunks)')}"]
    assert {m.label: m.value for m in at.sidebar.metric}["Documents"] == "4"


def test_a_sync_that_crashes_is_one_line_and_the_page_goes_on(admin_page: Callable[..., AppTest], own_kb: Settings,
                                                               make_engine: Callable[[Settings], SpyEngine]) -> None:
    at = admin_page(make_engine(own_kb))
    killed: list[int] = []

    def kill_the_sync() -> None:  # kill -9, as the kernel's OOM killer would
        deadline = time.monotonic() + 120
        while not killed and time.monotonic() < deadline:
            for pid in descendants(os.getpid()):
                with contextlib.suppress(OSError):
                    if Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[1:3] == [b"-m", b"ingest"]:
                        os.kill(pid, signal.SIGKILL)
                        killed.append(pid)
            time.sleep(0.05)

    killer = threading.Thread(target=kill_the_sync)
    killer.start()
    try:
        upload(at, ("Remote Work Policy.docx", DOCX, DOCX_MIME))
    finally:
        killer.join()
    assert killed
    assert [e.value for e in at.sidebar.error] == [escape_md(
        "the sync failed: the sync process was killed (signal 9). The files were saved; they will be indexed "
        "by the next sync.")]
    at.button(key="admin_sync").click().run()  # the page goes on, and the next sync indexes the file
    assert not at.exception
    assert report(at) == [f"- **added** {escape_md('Remote Work Policy.docx')}"]
    assert {m.label: m.value for m in at.sidebar.metric}["Documents"] == "5"
