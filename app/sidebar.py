"""The sidebar: what the knowledge base holds, where to search, how to answer."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import streamlit as st

from app.chat import new_conversation
from app.options import AskOptions, build_filters, folders_of
from app.text import escape_md
from rag.store.lock import holder

if TYPE_CHECKING:
    from rag.engine import Engine
    from rag.users import User

FILES_KEY = "filter_files"
FOLDERS_KEY = "filter_folders"


def render(engine: Engine, user: User) -> AskOptions:
    with st.sidebar:
        st.button("New conversation", on_click=new_conversation, icon=":material/add_comment:",
                  key="new_conversation", width="stretch")
        files = engine.readable_files(user.groups)  # the only documents this user hears of
        knowledge_base(engine, user, files)
        return ask_options(engine, files)


def knowledge_base(engine: Engine, user: User, files: list[str]) -> None:
    s = engine.settings
    m = engine.index.manifest
    records = [(rel, m.files[rel]) for rel in files if rel in m.files]
    st.subheader("Knowledge base")
    left, right = st.columns(2)
    left.metric("Documents", len(records))
    right.metric("Passages", sum(rec.chunks for _, rec in records))
    lines = [
        f"Last sync: {escape_md(synced(m.synced_at))}",
        f"Embedding model: {escape_md(s.embedding.model)}",
        f"Language model: {escape_md(s.llm.model)} ({escape_md(s.llm.backend)})",
    ]
    st.caption("  \n".join(lines))
    running = holder(s.store.path)
    if running:
        st.caption(f"An ingest is running now: {escape_md(running)}")
    if not records and not m.files:
        how = " or upload them below" if user.is_admin else ""
        docs = str(s.store.docs_dir)
        st.warning(f"The knowledge base is empty. Put PDF or Word files in {escape_md(docs)} and "
                   f"run `python -m ingest {docs.replace('`', '')}`{how}.")
        return
    if not records:
        st.info("No document is open to you yet. Ask an admin for access.")
        return
    with st.expander(f"Documents ({len(records)})"):
        for rel, rec in records:
            pages = f"{rec.pages} pages, " if rec.pages else ""
            st.markdown(f"- {escape_md(rel)}  \n  {pages}{rec.chunks} passages")
        if user.is_admin:  # a failed file has no readers yet: its name is for admins only
            for rel, bad in sorted(m.failed.items()):
                st.markdown(f"- ⚠ {escape_md(rel)}: not readable ({escape_md(bad.error)})")


def synced(at: float | None, now: float | None = None) -> str:
    if not at:
        return "never"
    ago = max(0.0, (now or time.time()) - at)
    if ago < 60:
        rel = "just now"
    elif ago < 3600:
        rel = f"{int(ago // 60)} min ago"
    elif ago < 86400:
        rel = f"{int(ago // 3600)} h ago"
    else:
        rel = f"{int(ago // 86400)} days ago"
    return f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(at))} ({rel})"


def ask_options(engine: Engine, files: list[str]) -> AskOptions:
    s = engine.settings
    folders = folders_of(files)
    st.subheader("Search in")
    chosen_files = _multiselect("Files", files, FILES_KEY, "Only these files (empty: all files)")
    chosen_folders = (
        _multiselect("Folders", folders, FOLDERS_KEY, "Only files in these folders and their subfolders")
        if folders else []
    )
    st.subheader("Answer settings")
    top_k = st.slider("Passages to retrieve (top-k)", 1, max(10, s.retrieval.top_k), s.retrieval.top_k, key="top_k",
                      help="How many passages are retrieved for each question.")
    temperature = st.slider("Temperature", 0.0, max(1.0, float(s.llm.temperature)), float(s.llm.temperature), 0.05,
                            key="temperature",
                            help="Higher gives more varied wording; keep it low for factual answers.")
    return AskOptions(build_filters(chosen_files, chosen_folders, files), int(top_k), float(temperature))


def _multiselect(label: str, options: list[str], key: str, help: str) -> list[str]:
    if key in st.session_state:  # a file removed by a sync is no longer a valid choice
        st.session_state[key] = [v for v in st.session_state[key] if v in options]
    return list(st.multiselect(label, options, key=key, help=help, placeholder="All"))
