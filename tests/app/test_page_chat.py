"""The chat page with real retrieval over the sample documents and a fake LLM."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import app.engine
from app.components import REFUSAL_TITLE
from app.text import escape_md
from rag.engine import Engine
from rag.settings import Settings
from tests.app.pagekit import LEAVE_ANSWER, MAIN, FakeLLM, SpyEngine, ask, texts

LEAVE_QUESTION = "How many days of annual leave do full-time employees get?"
HANDBOOK = escape_md("Employee Handbook.pdf")


def test_answer_is_shown_with_its_source_card(page: Callable[..., AppTest], engine: SpyEngine) -> None:
    at = ask(page(engine), LEAVE_QUESTION)
    user, assistant = at.chat_message
    assert user.markdown[0].value == escape_md(LEAVE_QUESTION)
    # The final, verified text replaces the streamed pieces.
    assert assistant.markdown[0].value == LEAVE_ANSWER.replace(" [1]", "[1]")
    cards = [m.value for m in assistant.markdown if m.value.startswith("**")]
    assert cards == [f"**{escape_md('[1] ')}{HANDBOOK}** · page 3 · *{escape_md('3. Leave')}*"]
    assert any("26 days of paid annual leave" in m.value for m in assistant.markdown)
    assert [b.label for b in assistant.get("download_button")] == [f"Download {escape_md('Employee Handbook.pdf')}"]
    assert [e.label for e in assistant.expander] == ["Page 3 of the PDF as text"]
    page_text = " ".join(m.value for m in assistant.expander[0].markdown)
    assert "26 days" in page_text
    assert "fake" in assistant.caption[-1].value  # model and time under the answer
    assert len(engine.llm.calls) == 1  # type: ignore[attr-defined]


def test_conversation_survives_a_rerun_and_passes_history(page: Callable[..., AppTest],
                                                           engine: SpyEngine) -> None:
    at = ask(page(engine), LEAVE_QUESTION)
    at.run()  # any widget interaction reruns the script: the conversation stays
    assert len(at.chat_message) == 2
    ask(at, "What is the minimum length of a company password?")
    assert len(at.chat_message) == 4
    assert engine.calls[0]["history"] == []
    assert engine.calls[1]["history"] == [
        {"role": "user", "content": LEAVE_QUESTION},
        {"role": "assistant", "content": LEAVE_ANSWER.replace(" [1]", "[1]")},
    ]


def test_new_conversation_clears_the_chat(page: Callable[..., AppTest], engine: SpyEngine) -> None:
    at = ask(page(engine), LEAVE_QUESTION)
    at.button(key="new_conversation").click().run()
    assert len(at.chat_message) == 0
    ask(at, "What is the payload capacity of the NR-200?")
    assert engine.calls[-1]["history"] == []


def test_refusal_is_calm_and_offers_close_passages(page: Callable[..., AppTest], engine: SpyEngine) -> None:
    at = ask(page(engine), "Who is our dental insurance provider?")
    assistant = at.chat_message[1]
    assert len(assistant.info) == 1
    assert REFUSAL_TITLE in assistant.info[0].value
    assert "You may want to look at:" in [c.value for c in assistant.caption]
    cards = [m.value for m in assistant.markdown if m.value.startswith("**")]
    assert len(cards) == 3
    assert all(len(b.label) > len("Download ") for b in assistant.get("download_button"))
    assert engine.llm.calls == []  # type: ignore[attr-defined]  # the engine refused by itself
    assert "I don't know" not in " ".join(texts(at))  # the streamed refusal text was replaced


def test_filters_and_sliders_are_passed_to_the_engine(page: Callable[..., AppTest],
                                                      engine: SpyEngine) -> None:
    at = page(engine)
    assert at.multiselect(key="filter_files").options == [
        "Employee Handbook.pdf", "Product Datasheet NR-200.pdf",
        "policies/IT Security Policy.docx", "policies/差旅报销制度.docx",
    ]
    at.multiselect(key="filter_files").select("Employee Handbook.pdf").run()
    at.slider(key="top_k").set_value(3).run()
    at.slider(key="temperature").set_value(0.5).run()
    ask(at, LEAVE_QUESTION)
    call = engine.calls[-1]
    assert call["filters"] == {"file": ["Employee Handbook.pdf"]}
    assert call["top_k"] == 3
    assert call["temperature"] == 0.5
    assert engine.llm.calls[-1][1].temperature == 0.5  # type: ignore[attr-defined]

    at.multiselect(key="filter_files").unselect("Employee Handbook.pdf").run()
    at.multiselect(key="filter_folders").select("policies").run()
    ask(at, "How quickly must a leaver's accounts be disabled?")
    assert engine.calls[-1]["filters"] == {"folder": ["policies"]}
    assistant = at.chat_message[-1]
    cards = [m.value for m in assistant.markdown if m.value.startswith("**")]
    assert cards and all(escape_md("policies") in c for c in cards)


def test_sources_stay_inside_the_filter(page: Callable[..., AppTest], engine: SpyEngine) -> None:
    at = page(engine)
    at.multiselect(key="filter_files").select("Product Datasheet NR-200.pdf").run()
    ask(at, LEAVE_QUESTION)
    cards = [m.value for m in at.chat_message[1].markdown if m.value.startswith("**")]
    assert cards
    assert all(escape_md("Product Datasheet NR-200.pdf") in c for c in cards)
    assert all("Employee" not in c for c in cards)


def test_sidebar_describes_the_knowledge_base(page: Callable[..., AppTest], engine: SpyEngine) -> None:
    at = page(engine)
    metrics = {m.label: m.value for m in at.sidebar.metric}
    manifest = engine.index.manifest
    assert metrics == {"Documents": "4", "Passages": str(manifest.chunk_total)}
    info = " ".join(c.value for c in at.sidebar.caption)
    assert "Last sync:" in info and "never" not in info
    assert escape_md(engine.settings.embedding.model) in info
    assert escape_md(engine.settings.llm.model) in info
    assert "Documents (4)" in [e.label for e in at.sidebar.expander]


def test_model_text_cannot_render_html_or_math(page: Callable[..., AppTest], engine: SpyEngine) -> None:
    engine._llm = FakeLLM("Costs are $5 to $10 <script>alert(1)</script> ![x](http://example.com/x.png) "
                          "[refunds](http://example.com/login) Full-time employees get 26 days of annual leave [1].")
    at = ask(page(engine), LEAVE_QUESTION)
    text = at.chat_message[1].markdown[0]
    assert r"\$5 to \$10" in text.value and r"\<script>" in text.value
    # No image, and no link to an address the cited handbook page does not contain: shown as inert code.
    assert "![" not in text.value and "](" not in text.value
    assert "x (`http://example.com/x.png`)" in text.value and "refunds (`http://example.com/login`)" in text.value
    assert not text.proto.allow_html
    assert all(not m.proto.allow_html for m in at.markdown)


def test_an_engine_error_is_shown_and_the_chat_goes_on(page: Callable[..., AppTest], engine: SpyEngine,
                                                       entry_point_log: Path) -> None:
    class Broken(FakeLLM):
        def stream(self, messages, config):  # type: ignore[no-untyped-def]
            raise RuntimeError("model crashed")
            yield ""

    engine._llm = Broken()
    at = ask(page(engine), LEAVE_QUESTION)
    error = at.chat_message[1].error[0].value
    assert escape_md("unexpected error (RuntimeError: model crashed)") in error and "\n" not in error
    log = entry_point_log.read_text(encoding="utf-8")
    assert "answering a question" in log and "Traceback" in log and "RuntimeError: model crashed" in log
    engine._llm = FakeLLM()
    ask(at, LEAVE_QUESTION)
    assert engine.calls[-1]["history"] == []  # a failed turn is not context
    assert len(at.chat_message) == 4


def test_an_empty_knowledge_base_says_how_to_fill_it(page: Callable[..., AppTest], tmp_path: Path,
                                                      make_engine: Callable[[Settings], SpyEngine]) -> None:
    (tmp_path / "docs").mkdir()
    engine = make_engine(Settings(docs_dir=tmp_path / "docs", store_path=tmp_path / "store"))
    at = page(engine)
    assert {m.label: m.value for m in at.sidebar.metric} == {"Documents": "0", "Passages": "0"}
    assert f"`python -m ingest {tmp_path / 'docs'}`" in at.sidebar.warning[0].value
    ask(at, LEAVE_QUESTION)
    assert REFUSAL_TITLE in at.chat_message[1].info[0].value


def test_a_follow_up_shows_what_was_searched(page: Callable[..., AppTest], engine: SpyEngine) -> None:
    at = ask(page(engine), LEAVE_QUESTION)
    rewritten = "How many days of annual leave do part-time employees get?"
    engine._llm = FakeLLM(rewritten)  # the engine asks the LLM to complete the follow-up
    ask(at, "And part-time employees?")
    captions = [c.value for c in at.chat_message[3].caption]
    assert captions[0] == "Searched for: " + escape_md(rewritten)
    assert not any(c.value.startswith("Searched for") for c in at.chat_message[1].caption)


def test_an_engine_that_does_not_load_is_one_line_with_the_traceback_in_the_log(
        monkeypatch: pytest.MonkeyPatch, entry_point_log: Path) -> None:
    def unreadable_store() -> Engine:
        raise PermissionError(13, "Permission denied", "/srv/kb/store/chroma.sqlite3")

    monkeypatch.setattr(app.engine, "get_engine", unreadable_store)
    at = AppTest.from_file(str(MAIN), default_timeout=120)
    at.run()
    assert not at.exception and not at.chat_input  # the page stops after saying why
    [error] = at.error
    assert error.value.startswith(escape_md("The knowledge base did not open: unexpected error (PermissionError: "))
    assert escape_md(f"details in {entry_point_log}") in error.value and "\n" not in error.value
    log = entry_point_log.read_text(encoding="utf-8")
    assert "loading the engine" in log and "Traceback" in log and "in unreadable_store" in log
