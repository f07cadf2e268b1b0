"""Admin part (only with RAG_ADMIN=1): upload PDF/Word files into the docs folder and sync the store."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import streamlit as st

from app.text import escape_md
from app.uploads import UploadRejected, admin_enabled, folders, max_upload_mb, save_upload
from rag.lock import holder

if TYPE_CHECKING:
    from ingest.sync import SyncReport
    from rag.answer import Engine
    from rag.manifest import Manifest

_RESULT = "admin_result"
_UPLOADER = "admin_uploader_generation"


@dataclass
class AdminResult:
    saved: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    report: SyncReport | None = None
    error: str | None = None


def render(engine: Engine) -> None:
    if not admin_enabled():
        return
    with st.sidebar.expander("Admin: add documents", icon=":material/upload_file:"):
        panel(engine)


def panel(engine: Engine) -> None:
    s = engine.settings
    limit = max_upload_mb()
    running = holder(s.store_path)
    if running:
        st.warning(f"An ingest is running: {escape_md(running)}. Wait for it to finish before adding files.")
    generation = st.session_state.setdefault(_UPLOADER, 0)
    uploads = st.file_uploader(f"PDF or Word files (up to {limit} MB each)", type=["pdf", "docx"],
                               accept_multiple_files=True, max_upload_size=limit,
                               key=f"admin_uploader_{generation}")
    choices = folders(s.docs_dir)
    folder = st.selectbox("Into folder", choices, key="admin_folder",
                          format_func=lambda f: f or "(top level)")
    replace = st.checkbox("Replace files with the same name", key="admin_replace")
    add = st.button("Add and sync", type="primary", disabled=bool(running) or not uploads, key="admin_add")
    sync_only = st.button("Sync the folder now", disabled=bool(running), key="admin_sync",
                          help="Pick up files added, changed or removed in the docs folder by other means.")
    if add or sync_only:
        result = AdminResult()
        for upload in (uploads or []) if add else []:
            try:
                rel, _ = save_upload(s.docs_dir, folder or "", upload.name, upload.getvalue(),
                                     max_bytes=limit * 1024 * 1024, replace=replace)
                result.saved.append(rel)
            except (UploadRejected, OSError) as e:
                result.rejected.append(str(e))
        if result.saved or sync_only:
            _sync(engine, result)
        st.session_state[_RESULT] = result
        if result.report is not None:
            st.session_state[_UPLOADER] = generation + 1  # empty the uploader
            st.rerun()  # the whole page (sidebar counts, filters) sees the new documents
    result = st.session_state.get(_RESULT)
    if result is not None:
        show_result(result)


def _sync(engine: Engine, result: AdminResult) -> None:
    """The CLI's sync, in a worker thread so the page can show per-file progress meanwhile."""
    from ingest.sync import run_sync
    from rag.lock import StoreLocked
    from rag.store import FingerprintMismatch

    s = engine.settings
    expected = {rel: (s.docs_dir / rel).stat() for rel in result.saved}
    bar = st.progress(0.0, text="Starting the sync…")
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="page-sync") as pool:
        job = pool.submit(run_sync, s, s.docs_dir, progress=False, index=engine.index)
        while not job.done():
            done = [rel for rel, stat in expected.items()
                    if _handled(engine.index.manifest, rel, stat.st_size, stat.st_mtime_ns)]
            if expected:
                text = f"Indexed {len(done)} of {len(expected)} new files…"
                bar.progress(len(done) / len(expected), text=text)
            else:
                bar.progress(0.5, text="Syncing the folder…")
            time.sleep(0.25)
        try:
            result.report = job.result()
        except StoreLocked as e:
            result.error = f"{e}. The files were saved; they will be indexed by the next sync."
        except FingerprintMismatch as e:
            result.error = str(e)
        except Exception as e:  # shown to the admin
            result.error = f"the sync failed: {e}"
    bar.empty()


def _handled(manifest: Manifest, rel: str, size: int, mtime_ns: int) -> bool:
    rec = manifest.files.get(rel)
    if rec is not None and rec.size == size and rec.mtime_ns == mtime_ns:
        return True
    bad = manifest.failed.get(rel)
    return bad is not None and bad.size == size and bad.mtime_ns == mtime_ns


def show_result(result: AdminResult) -> None:
    for reason in result.rejected:
        st.error(f"Not added: {escape_md(reason)}")
    if result.error:
        st.error(escape_md(result.error))
    report = result.report
    if report is None:
        return
    summary = (f"Sync finished in {report.seconds:.1f} s: {len(report.added)} added, "
               f"{len(report.updated)} updated, {len(report.deleted)} deleted, {report.unchanged} unchanged, "
               f"{len(report.failed)} failed. The knowledge base holds {report.files} documents, "
               f"{report.chunks} passages.")
    (st.warning if report.failed else st.success)(summary)
    rows = ([{"file": f, "result": "added"} for f in report.added]
            + [{"file": f, "result": "updated"} for f in report.updated]
            + [{"file": f, "result": "deleted"} for f in report.deleted]
            + [{"file": f["file"], "result": f"failed: {f['error']}"} for f in report.failed]
            + [{"file": w["file"], "result": f"warning: {w['warning']}"} for w in report.warnings])
    if rows:
        st.dataframe(rows, hide_index=True)
