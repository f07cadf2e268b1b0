"""The conversation: kept in the session, replayed on every rerun, new answers streamed in place."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import streamlit as st

from app.components import answer_block
from app.engine import exclusive
from app.files import Originals
from app.options import AskOptions
from app.text import answer_md, escape_md
from rag.logs import report_error
from rag.types import Answer
from rag.users import User

if TYPE_CHECKING:
    from rag.engine import Engine
    from rag.settings import Settings

logger = logging.getLogger(__name__)

_KEY = "turns"


@dataclass
class Turn:
    question: str
    answer: Answer | None = None
    error: str | None = None
    filtered: bool = False


def conversation() -> list[Turn]:
    turns: list[Turn] = st.session_state.setdefault(_KEY, [])
    return turns


def new_conversation() -> None:
    st.session_state[_KEY] = []


def history(turns: list[Turn]) -> list[dict[str, str]]:
    """Earlier answered turns as chat messages for the engine (it trims them to its token budget)."""
    messages: list[dict[str, str]] = []
    for turn in turns:
        if turn.answer is not None:
            messages += [{"role": "user", "content": turn.question},
                         {"role": "assistant", "content": turn.answer.text}]
    return messages


def render(engine: Engine, options: AskOptions, user: User) -> None:
    """The conversation and the question box; everything is searched and shown with `user`'s groups."""
    settings = engine.settings
    originals = Originals(settings.store.docs_dir, frozenset(engine.readable_files(user.groups)), settings.limits)
    turns = conversation()
    for i, turn in enumerate(turns):
        _show(turn, i, settings, originals)
    question = st.chat_input("Ask a question about the documents", max_chars=engine.settings.answer.question_chars,
                             submit_mode="stop")
    if isinstance(question, str) and question.strip():
        past = history(turns)
        turn = Turn(question.strip(), filtered=options.filters is not None)
        turns.append(turn)  # before answering: a stopped answer still shows its question
        with st.chat_message("user"):
            st.markdown(escape_md(turn.question))
        with st.chat_message("assistant"):
            _answer(engine, turn, past, options, user, originals, len(turns) - 1)


def _show(turn: Turn, i: int, settings: Settings, originals: Originals) -> None:
    with st.chat_message("user"):
        st.markdown(escape_md(turn.question))
    with st.chat_message("assistant"):
        _result(turn, i, settings, originals)


def _result(turn: Turn, i: int, settings: Settings, originals: Originals) -> None:
    if turn.answer is not None:
        answer_block(turn.answer, originals, f"t{i}", closest=settings.app.closest_sources,
                     filtered=turn.filtered)
    elif turn.error is not None:
        st.error(f"No answer: {escape_md(turn.error)}", icon=":material/error:")
    else:
        st.caption("Stopped before the answer was finished.")


def _answer(engine: Engine, turn: Turn, past: list[dict[str, str]], options: AskOptions, user: User,
            originals: Originals, i: int) -> None:
    """Stream the answer into one slot, then replace it with the verified text and its source cards."""
    slot = st.empty()
    try:
        with exclusive("Another question or a document sync is in progress; yours is next…"):
            pieces = engine.ask_stream(turn.question, history=past, filters=options.filters,
                                       top_k=options.top_k, groups=user.groups, temperature=options.temperature)
            try:
                shown = ""
                with slot.container(), st.spinner("Searching the documents and writing the answer…",
                                                  show_time=True):
                    item = next(pieces, None)
                while item is not None:
                    if isinstance(item, Answer):
                        turn.answer = item
                        break
                    shown += item
                    slot.markdown(answer_md(shown) + " ▌")
                    item = next(pieces, None)
            finally:
                close = getattr(pieces, "close", None)
                if close is not None:
                    close()  # a stopped answer: let the model's generator clean up now
    except Exception as e:  # one line for the user, the traceback in the log; the conversation goes on
        turn.error = report_error(logger, "answering a question", e)
    with slot.container():
        _result(turn, i, engine.settings, originals)
