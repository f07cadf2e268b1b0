"""Bad input to the engine is refused before any work, with one line that names the problem."""

from __future__ import annotations

import pytest

from rag.engine import Engine
from rag.errors import InvalidInput
from rag.query.requests import check_history, check_question, check_top_k, field_upper
from rag.settings import RetrievalSettings, Settings
from rag.store.knowledge_base import KnowledgeBase
from tests.rag.test_answer import FakeLLM


@pytest.mark.parametrize(("value", "message"), [(None, "must be text, not NoneType"), (42, "not int"),
                                                ("x" * 2001, "2,001 characters; at most 2,000")])
def test_bad_questions(value: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        check_question(value, 2000)


@pytest.mark.parametrize(("value", "message"), [(-3, "between 1 and 100, not -3"), (0, "not 0"),
                                                (101, "not 101"), ("5", "not str"), (True, "not bool")])
def test_bad_top_k(value: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        check_top_k(value, field_upper(RetrievalSettings, "top_k"))
    assert check_top_k(None, 100) is None and check_top_k(7, 100) == 7


@pytest.mark.parametrize(("history", "message"), [
    ("hello", "list of messages, not str"),
    ([{"role": "system", "content": "x"}], r"history\[0\] has role 'system'"),
    ([{"role": "user", "content": "ok"}, ["user", "hi"]], r"history\[1\] must be a message"),
    ([{"role": "user"}], r"history\[0\] content must be text, not NoneType"),
])
def test_bad_history(history: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        check_history(history, 2000)


def test_history_messages_are_copied_and_cut() -> None:
    got = check_history([{"role": "user", "content": "a" * 50, "extra": 1}], 10)
    assert got == [{"role": "user", "content": "a" * 10}]


def test_engine_refuses_bad_input_before_retrieval(settings: Settings) -> None:
    llm = FakeLLM()
    engine = Engine(settings, index=KnowledgeBase(settings), llm=llm)
    with pytest.raises(InvalidInput, match="NoneType"):
        engine.ask(None)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="top_k"):
        engine.retrieve("annual leave", top_k=-3)
    with pytest.raises(InvalidInput, match="history"):
        engine.ask("and for part-time staff?", history="earlier")  # type: ignore[arg-type]
    assert llm.calls == []


@pytest.mark.parametrize(("filters", "message"), [
    ("file", "must be a mapping"),
    ({"owner": "x"}, "unknown filter key 'owner'; the keys are file, folder"),
    ({"file": {"a": 1}}, "takes text or numbers"),
])
def test_bad_filters(settings: Settings, filters: object, message: str) -> None:
    engine = Engine(settings, index=KnowledgeBase(settings), llm=FakeLLM())
    with pytest.raises(InvalidInput, match=message):
        engine.retrieve("annual leave", filters=filters)  # type: ignore[arg-type]


def test_langchain_retriever_applies_the_engine_checks(settings: Settings) -> None:
    from rag.lcel import retriever_runnable

    lc = retriever_runnable(Engine(settings, index=KnowledgeBase(settings), llm=FakeLLM()))
    with pytest.raises(InvalidInput, match="unknown filter key 'owner'"):
        lc.invoke("annual leave", filters={"owner": "x"})
    with pytest.raises(InvalidInput, match="between 1 and 100, not 500"):
        lc.invoke("annual leave", k=500)
