"""Admin part (only for members of the `admins` group): upload files into the docs folder and sync."""

from __future__ import annotations

import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import streamlit as st

from app.engine import exclusive
from app.text import escape_md
from app.uploads import UploadRejected, folders, save_upload, upload_suffixes
from rag.logs import report_error
from rag.store.lock import holder

if TYPE_CHECKING:
    from streamlit.delta_generator import DeltaGenerator

    from ingest.sync import SyncReport
    from rag.engine import Engine
    from rag.store.protocol import Catalog
    from rag.users import User

logger = logging.getLogger(__name__)

_RESULT = "admin_result"
_UPLOADER = "admin_uploader_generation"


@dataclass
class AdminResult:
    saved: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    report: SyncReport | None = None
    error: str | None = None


def render(engine: Engine, user: User) -> None:
    if not user.is_admin:
        return
    with st.sidebar.expander("Admin: add documents", icon=":material/upload_file:"):
        panel(engine, user)


def panel(engine: Engine, user: User) -> None:
    s = engine.settings
    limit = s.app.upload_max_mb
    running = holder(s.store.path)
    if running:
        st.warning(f"An ingest is running: {escape_md(running)}. Wait for it to finish before adding files.")
    generation = st.session_state.setdefault(_UPLOADER, 0)
    uploads = st.file_uploader("PDF or Word files", type=[s.lstrip(".") for s in upload_suffixes()],
                               accept_multiple_files=True, max_upload_size=limit,
                               key=f"admin_uploader_{generation}")
    choices = folders(s.store.docs_dir)
    folder = st.selectbox("Into folder", choices, key="admin_folder",
                          format_func=lambda f: f or "(top level)")
    replace = st.checkbox("Replace files with the same name", key="admin_replace")
    add = st.button("Add and sync", type="primary", disabled=bool(running) or not uploads, key="admin_add")
    sync_only = st.button("Sync the folder now", disabled=bool(running), key="admin_sync",
                          help="Pick up files added, changed or removed in the docs folder by other means.")
    if add or sync_only:
        logger.info("%s from the page, by %s", "upload and sync" if add else "sync", user.name)
        result = AdminResult()
        for upload in (uploads or []) if add else []:
            try:
                rel, _ = save_upload(s.store.docs_dir, folder or "", upload.name, upload.getvalue(),
                                     max_bytes=limit * 1024 * 1024, replace=replace)
                result.saved.append(rel)
            except (UploadRejected, OSError) as e:
                result.rejected.append(report_error(logger, f"upload of {upload.name}", e))
        if result.saved or sync_only:
            _sync(engine, result)
        st.session_state[_RESULT] = result
        if result.report is not None:
            st.session_state[_UPLOADER] = generation + 1  # empty the uploader
            st.rerun()  # the whole page (sidebar counts, filters) sees the new documents
    shown = st.session_state.get(_RESULT)
    if shown is not None:
        show_result(shown)


def _sync(engine: Engine, result: AdminResult) -> None:
    """The CLI's sync, as a child process: whatever it meets cannot take the page down. Its per-file
    progress shows meanwhile; then the page's engine reads what it wrote."""
    s = engine.settings
    expected = {rel: (s.store.docs_dir / rel).stat() for rel in result.saved}
    bar = st.progress(0.0, text="Starting the sync…")
    _run(engine, expected, bar, result)
    bar.empty()
    with exclusive("Waiting for the answer in progress to finish…"):
        engine.index.refresh()


def _run(engine: Engine, expected: dict[str, os.stat_result], bar: DeltaGenerator,
         result: AdminResult) -> None:
    from ingest.process import SyncFailed, run_sync_process
    from rag.store.backends import open_catalog

    s = engine.settings
    catalog = open_catalog(s.store)  # the child's commits, read as they land
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="page-sync") as pool:
        job = pool.submit(run_sync_process, s, s.store.docs_dir)
        while not job.done():
            if expected:
                catalog.load()
                done = [rel for rel, stat in expected.items()
                        if _handled(catalog, rel, stat.st_size, stat.st_mtime_ns)]
                text = f"Indexed {len(done)} of {len(expected)} new files…"
                bar.progress(len(done) / len(expected), text=text)
            else:
                bar.progress(0.5, text="Syncing the folder…")
            time.sleep(0.25)
        try:
            result.report = job.result()
        except Exception as e:  # shown to the admin; an unexpected one's traceback goes to the log
            line = report_error(logger, "sync from the page", e)
            if not (isinstance(e, SyncFailed) and e.known):  # a known one's line says the fix itself
                line = f"the sync failed: {line}"
            if result.saved:
                line += ". The files were saved; they will be indexed by the next sync."
            result.error = line


def _handled(manifest: Catalog, rel: str, size: int, mtime_ns: int) -> bool:
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
    summary = (f"Sync finished in {report.seconds:.1f} s: {report.summary()}. "
               f"The knowledge base holds {report.files} documents, {report.chunks} passages.")
    (st.warning if report.failed else st.success)(summary)
    rows = report_rows(report)
    if rows:
        lines = [f"- **{result}** {escape_md(name)}" + (f": {escape_md(detail)}" if detail else "")
                 for result, name, detail in rows]
        st.markdown("\n".join(lines))


def report_rows(report: SyncReport) -> list[tuple[str, str, str]]:
    """(result, file, detail) per file the sync touched, for the per-file report."""
    return ([("added", f, "") for f in report.added]
            + [("updated", f, "") for f in report.updated]
            + [("deleted", f, "") for f in report.deleted]
            + [("failed", f["file"], f["error"]) for f in report.failed]
            + [("warning", w["file"], w["warning"]) for w in report.warnings])
