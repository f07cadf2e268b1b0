"""What an answer looks like: its text, its source cards, or the calm refusal with passages to look at."""

from __future__ import annotations

from functools import partial
from pathlib import Path, PurePosixPath

import streamlit as st

from app.files import Originals, has_page_preview, mime_type, read_bytes
from app.preview import page_text
from app.text import answer_md, escape_md, one_line, quote_md
from rag.settings import LimitsSettings
from rag.types import Answer, Citation, RetrievedChunk

REFUSAL_TITLE = "The documents don't say."


def answer_block(answer: Answer, originals: Originals, key: str, *, closest: int, filtered: bool = False) -> None:
    rewritten = answer.standalone_question
    if rewritten and answer.question and rewritten.strip() != answer.question.strip():
        st.caption(f"Searched for: {escape_md(rewritten)}")  # a follow-up, completed from the conversation
    if answer.refused:
        refusal_block(answer, originals, key, closest=closest, filtered=filtered)
        return
    st.markdown(answer_md(answer.text, cited_texts(answer)))
    if answer.citations:
        st.caption("Sources")
        for c in answer.citations:
            citation_card(c, originals, f"{key}-c{c.n}")
    st.caption(_footer(answer))


def cited_texts(answer: Answer) -> list[str]:
    """The cited passages' texts: the only addresses an answer may link to are written there."""
    cited = {c.chunk_id for c in answer.citations}
    return [chunk.text for chunk in answer.sources if chunk.id in cited]


def refusal_block(answer: Answer, originals: Originals, key: str, *, closest: int, filtered: bool = False) -> None:
    st.info(f"**{REFUSAL_TITLE}** Nothing in the knowledge base answers this closely enough, "
            "so no answer was made up.", icon=":material/search_off:")
    nearest = answer.sources[:closest]
    if nearest:
        st.caption("You may want to look at:")
        for i, chunk in enumerate(nearest, 1):
            passage_card(chunk, originals, f"{key}-p{i}")
    elif filtered:
        st.caption("Only the files and folders chosen in the sidebar were searched.")


def citation_card(c: Citation, originals: Originals, key: str) -> None:
    with st.container(border=True, key=f"card-{key}"):
        st.markdown(_title(f"[{c.n}]", c.file, str(c.page) if c.page else "", c.heading))
        st.markdown(quote_md(one_line(c.snippet)))
        _original(c.file, c.page, originals, key)


def passage_card(chunk: RetrievedChunk, originals: Originals, key: str) -> None:
    with st.container(border=True, key=f"card-{key}"):
        st.markdown(_title("", chunk.file, chunk.pages, chunk.heading))
        st.markdown(quote_md(one_line(chunk.text, 320)))
        _original(chunk.file, chunk.page, originals, key)


def _title(label: str, rel: str, pages: str, heading: str) -> str:
    path = PurePosixPath(rel)
    parts = [f"**{escape_md(label + ' ' if label else '')}{escape_md(path.name)}**"]
    if pages:
        parts.append(f"page {escape_md(pages)}")
    if heading:
        parts.append(f"*{escape_md(one_line(heading, 80))}*")
    if str(path.parent) != ".":
        parts.append(f"in {escape_md(str(path.parent))}/")
    return " · ".join(parts)


def _original(rel: str, page: int | None, originals: Originals, key: str) -> None:
    """The way to the original: download the file, and for a PDF read the cited page right here."""
    path = originals.path(rel)
    if path is None:
        st.caption("The original file is not available: no longer in the documents folder, or no longer "
                   "open to you.")
        return
    st.download_button(
        # A button label renders markdown (images included): the file name is escaped.
        f"Download {escape_md(path.name)}", data=partial(read_bytes, path), file_name=path.name,
        mime=mime_type(path), key=f"dl-{key}", on_click="ignore", icon=":material/download:",
    )
    if page and has_page_preview(path):
        with st.expander(f"Page {page} of the PDF as text"):
            text = _page_text(str(path), path.stat().st_mtime_ns, page, originals.limits)
            if text:
                st.markdown(quote_md(text))
            else:
                st.caption("This page's text cannot be shown; download the file to read it.")


@st.cache_data(max_entries=64, show_spinner=False)
def _page_text(path: str, mtime_ns: int, page: int, limits: LimitsSettings) -> str | None:
    return page_text(Path(path), page, limits)


def _footer(answer: Answer) -> str:
    parts = []
    if answer.model:
        parts.append(escape_md(answer.model))
    total = answer.timings.get("total")
    if total is not None:
        parts.append(f"{total:.1f} s")
    return " · ".join(parts)
