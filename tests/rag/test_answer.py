"""Engine.ask_stream, also as the LCEL runnable, with a scripted fake LLM over a real index of the sample documents.

The fake records every prompt it gets, so the tests see exactly when the engine calls the model
(never when it refuses from retrieval, once for a rewrite, once for the answer).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator

import pytest

from ingest.sync import run_sync
from rag.embeddings import SentenceTransformerEmbedder
from rag.engine import Engine, has_evidence, is_follow_up
from rag.lcel import answer_runnable
from rag.llm import GenerationConfig, Message
from rag.settings import PROJECT_ROOT, Settings
from rag.store.knowledge_base import KnowledgeBase
from rag.types import Answer

Reply = str | list[str] | Callable[[list[Message]], list[str]]

VOLCANO = "Which minerals crystallise first in basaltic lava erupted by shield volcanoes?"
LEAVE_Q = "How many days of paid annual leave do full-time employees get?"


class FakeLLM:
    """Streams scripted replies in order; a reply may be computed from the prompt it answers."""

    name = "fake-llm"
    context_tokens = 4096

    def __init__(self, *replies: Reply) -> None:
        self.replies = list(replies)
        self.calls: list[list[Message]] = []
        self.configs: list[GenerationConfig] = []

    def stream(self, messages: list[Message], config: GenerationConfig) -> Iterator[str]:
        self.calls.append(messages)
        self.configs.append(config)
        assert self.replies, "the engine called the LLM more often than the test expected"
        reply = self.replies.pop(0)
        if callable(reply):
            reply = reply(messages)
        yield from [reply] if isinstance(reply, str) else reply

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    @property
    def rewrites(self) -> list[list[Message]]:
        return [m for m in self.calls if is_rewrite(m)]

    @property
    def answers(self) -> list[list[Message]]:
        return [m for m in self.calls if not is_rewrite(m)]


def is_rewrite(messages: list[Message]) -> bool:
    return messages[-1]["content"].startswith("Rewrite the last user question")


def prompt_sources(messages: list[Message]) -> list[tuple[int, str]]:
    """(number, file) of each source block in the answer prompt."""
    return [(int(n), f) for n, f in re.findall(r'^<source \[(\d+)\] file="([^"]*)"', messages[-1]["content"], re.M)]


def source_text(messages: list[Message], n: int) -> str:
    """The text of source block n (1-based)."""
    return re.findall(r"^<source [^\n]*>\n(.*?)\n</source>$", messages[-1]["content"], re.M | re.S)[n - 1]


def run(engine: Engine, question: str, **kwargs: object) -> tuple[list[str], Answer]:
    items = list(engine.ask_stream(question, **kwargs))  # type: ignore[arg-type]
    *pieces, answer = items
    assert isinstance(answer, Answer)
    assert all(isinstance(p, str) for p in pieces)
    return pieces, answer  # type: ignore[return-value]


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory,
       embedder: SentenceTransformerEmbedder) -> tuple[Settings, KnowledgeBase]:
    root = tmp_path_factory.mktemp("kb")
    docs = root / "docs"
    shutil.copytree(PROJECT_ROOT / "data" / "docs", docs)
    settings = Settings(store_path=root / "store", docs_dir=docs)
    index = KnowledgeBase(settings, embedder=embedder)
    report = run_sync(settings, docs, progress=False, index=index)
    assert not report.failed and report.files == 4
    return settings, index


def engine_with(kb: tuple[Settings, KnowledgeBase], *replies: Reply) -> tuple[Engine, FakeLLM]:
    settings, index = kb
    llm = FakeLLM(*replies)
    return Engine(settings, index=index, llm=llm), llm


# --- the refusal gate: no LLM call without evidence -------------------------------------------------


def test_empty_store_refuses_without_calling_the_llm(
    make_settings: Callable[..., Settings], embedder: SentenceTransformerEmbedder
) -> None:
    settings = make_settings()
    llm = FakeLLM()
    engine = Engine(settings, index=KnowledgeBase(settings, embedder=embedder), llm=llm)
    pieces, answer = run(engine, LEAVE_Q)
    assert llm.calls == []
    assert answer.refused and answer.citations == [] and answer.sources == []
    assert answer.text == settings.answer.refusal_text == "".join(pieces)
    assert answer.model == ""
    assert set(answer.timings) == {"retrieve", "first_token", "total"}


def test_irrelevant_question_has_no_evidence_with_default_thresholds(kb: tuple[Settings, KnowledgeBase]) -> None:
    settings, _ = kb
    engine, llm = engine_with(kb)
    chunks = engine.retrieve(VOLCANO)
    assert chunks, "retrieval always returns the nearest passages; the gate must reject them"
    assert not has_evidence(VOLCANO, chunks, Settings().answer)
    _pieces, answer = run(engine, VOLCANO)
    assert llm.calls == []
    assert answer.refused and answer.citations == [] and answer.text == settings.answer.refusal_text
    assert answer.sources  # the near misses stay available for "you may want to look at"


def test_unrelated_chinese_question_is_refused_by_the_gate(kb: tuple[Settings, KnowledgeBase]) -> None:
    engine, _ = engine_with(kb)
    question = "火山爆发时岩浆的温度是多少？"
    assert not has_evidence(question, engine.retrieve(question), Settings().answer)
    question = "在一类城市出差，每晚的住宿标准是多少？"
    assert has_evidence(question, engine.retrieve(question), Settings().answer)


def test_relevant_question_passes_the_gate(kb: tuple[Settings, KnowledgeBase]) -> None:
    engine, _ = engine_with(kb)
    chunks = engine.retrieve(LEAVE_Q)
    assert has_evidence(LEAVE_Q, chunks, Settings().answer)


def test_models_own_refusal_is_honoured(kb: tuple[Settings, KnowledgeBase]) -> None:
    settings, _ = kb
    engine, llm = engine_with(kb, ["I don't know: ", "the documents ", "do not say [1]."])
    _, answer = run(engine, LEAVE_Q)
    assert len(llm.calls) == 1
    assert answer.refused and answer.citations == []
    assert answer.text == settings.answer.refusal_text
    assert answer.model == "fake-llm"
    assert "total" in answer.timings


# --- streaming ---------------------------------------------------------------------------------------


def test_stream_pieces_then_verified_answer(kb: tuple[Settings, KnowledgeBase]) -> None:
    settings, _ = kb
    reply = ["Full-time employees ", "receive 26 days of ", "paid annual leave ", "[1]."]
    engine, llm = engine_with(kb, reply)
    pieces, answer = run(engine, LEAVE_Q, max_tokens=48)
    assert "".join(pieces) == "".join(reply)  # the stream is the model's raw text, before verification
    assert not answer.refused
    assert answer.text == "Full-time employees receive 26 days of paid annual leave[1]."
    assert set(answer.timings) == {"retrieve", "first_token", "total"}
    assert answer.model == "fake-llm"
    assert answer.question == answer.standalone_question == LEAVE_Q
    # What the model was given: the real retrieved passages, numbered, and the question.
    (messages,) = llm.calls
    assert messages[0]["role"] == "system" and settings.answer.refusal_text in messages[0]["content"]
    assert messages[-1]["content"].rstrip().endswith(f"Question: {LEAVE_Q}")
    numbered = prompt_sources(messages)
    assert [n for n, _ in numbered] == list(range(1, len(numbered) + 1))
    assert 1 <= len(numbered) <= settings.answer.sources
    assert [f for _, f in numbered] == [c.file for c in answer.sources[: len(numbered)]]
    assert llm.configs[0].max_tokens == 48  # per-call generation overrides reach the backend
    assert llm.configs[0].temperature == settings.llm.temperature
    # The model cited [1]: the citation is that source, if it supports the claim.
    assert len(answer.citations) == 1
    assert answer.citations[0].file == "Employee Handbook.pdf" and answer.citations[0].page == 3
    assert "26" in answer.citations[0].snippet


def test_thinking_is_hidden_from_stream_and_answer(kb: tuple[Settings, KnowledgeBase]) -> None:
    reply = ["<th", "ink>The user asks about leave; ", "source 1 says 26.</th", "ink>\n\n", "Full-time employees",
             " receive 26 days of paid annual leave [1]."]
    engine, _ = engine_with(kb, reply)
    pieces, answer = run(engine, LEAVE_Q)
    streamed = "".join(pieces)
    assert "think" not in streamed and "user asks" not in streamed
    assert streamed.strip() == "Full-time employees receive 26 days of paid annual leave [1]."
    assert "think" not in answer.text and not answer.refused
    assert answer.text.startswith("Full-time employees receive 26 days")


def test_thinking_only_reply_is_a_refusal(kb: tuple[Settings, KnowledgeBase]) -> None:
    engine, _ = engine_with(kb, ["<think>I cannot find it", " anywhere"])
    pieces, answer = run(engine, LEAVE_Q)
    assert "".join(pieces) == "" and answer.refused


def test_empty_reply_still_reports_all_timings(kb: tuple[Settings, KnowledgeBase]) -> None:
    engine, _ = engine_with(kb, [])
    _, answer = run(engine, LEAVE_Q)
    assert answer.refused
    assert set(answer.timings) == {"retrieve", "first_token", "total"}


# --- citations -----------------------------------------------------------------------------------


def cite_second_source(messages: list[Message]) -> list[str]:
    """Answer with the first sentence of source [2], cited correctly."""
    first = re.split(r"(?<=[.!?。])\s", source_text(messages, 2).strip())[0].rstrip(".。")
    return [first, " [2]."]


def test_citations_only_of_used_sources(kb: tuple[Settings, KnowledgeBase]) -> None:
    engine, llm = engine_with(kb, cite_second_source)
    _, answer = run(engine, "What is the payload capacity of the NR-200 and how long does it run?")
    assert len(prompt_sources(llm.calls[0])) >= 2
    assert len(answer.citations) == 1
    cite = answer.citations[0]
    assert cite.n == 1 and answer.text.endswith("[1].")  # renumbered from [2]
    assert cite.chunk_id == answer.sources[1].id
    assert (cite.file, cite.page) == (answer.sources[1].file, answer.sources[1].page)


def test_uncited_reply_is_attributed_to_its_source(kb: tuple[Settings, KnowledgeBase]) -> None:
    engine, _ = engine_with(kb, "Full-time employees receive 26 days of paid annual leave per year.")
    _, answer = run(engine, LEAVE_Q)
    assert [(c.file, c.page) for c in answer.citations] == [("Employee Handbook.pdf", 3)]
    assert answer.text.endswith("[1]")


# --- filters -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "allowed"),
    [
        ({"file": "Product Datasheet NR-200.pdf"}, {"Product Datasheet NR-200.pdf"}),
        ({"folder": "policies"}, {"policies/IT Security Policy.docx", "policies/差旅报销制度.docx"}),
    ],
)
def test_filters_restrict_the_sources(kb: tuple[Settings, KnowledgeBase], filters: dict[str, str],
                                      allowed: set[str]) -> None:
    question = "How long is the warranty and how long must records be retained?"
    engine, llm = engine_with(kb, "The documents list several periods.")
    unfiltered = {c.file for c in engine.retrieve(question)}
    assert unfiltered - allowed, "the question must reach other files without the filter"
    _, answer = run(engine, question, filters=filters)
    assert answer.sources and {c.file for c in answer.sources} <= allowed
    assert {f for _, f in prompt_sources(llm.calls[0])} <= allowed
    assert {c.file for c in answer.citations} <= allowed


def test_filter_matching_no_file_refuses_without_the_llm(kb: tuple[Settings, KnowledgeBase]) -> None:
    engine, llm = engine_with(kb)
    _, answer = run(engine, LEAVE_Q, filters={"file": "no such file.pdf"})
    assert answer.refused and answer.sources == [] and llm.calls == []


# --- as an LCEL runnable (rag.lcel) ---------------------------------------------------------------

LEAVE_REPLY = ["Full-time employees ", "receive 26 days of ", "paid annual leave ", "[1]."]
LEAVE_ANSWER = "Full-time employees receive 26 days of paid annual leave[1]."


def test_answer_runnable_invoke_passes_options(kb: tuple[Settings, KnowledgeBase]) -> None:
    engine, llm = engine_with(kb, LEAVE_REPLY)
    request = {"question": LEAVE_Q, "filters": {"file": "Employee Handbook.pdf"}, "top_k": 2, "max_tokens": 48}
    answer = answer_runnable(engine).invoke(request)
    assert isinstance(answer, Answer) and not answer.refused and answer.text == LEAVE_ANSWER
    assert [(c.file, c.page) for c in answer.citations] == [("Employee Handbook.pdf", 3)]
    assert len(answer.sources) == 2 and {c.file for c in answer.sources} == {"Employee Handbook.pdf"}
    assert len(llm.calls) == 1 and llm.configs[0].max_tokens == 48


def test_answer_runnable_streams_pieces_then_the_answer(kb: tuple[Settings, KnowledgeBase]) -> None:
    engine, _ = engine_with(kb, LEAVE_REPLY)
    *pieces, answer = answer_runnable(engine).stream(LEAVE_Q)
    assert pieces == LEAVE_REPLY
    assert isinstance(answer, Answer) and answer.text == LEAVE_ANSWER


def test_answer_runnable_batch_keeps_the_order_and_the_gate(kb: tuple[Settings, KnowledgeBase]) -> None:
    settings, _ = kb
    engine, llm = engine_with(kb, LEAVE_REPLY)  # one reply: the volcano question must not reach the LLM
    answered, refused = answer_runnable(engine).batch([LEAVE_Q, {"question": VOLCANO}])
    assert isinstance(answered, Answer) and answered.text == LEAVE_ANSWER and answered.question == LEAVE_Q
    assert isinstance(refused, Answer) and refused.refused and refused.text == settings.answer.refusal_text
    assert refused.question == VOLCANO and len(llm.calls) == 1


async def test_answer_runnable_ainvoke(kb: tuple[Settings, KnowledgeBase]) -> None:
    engine, llm = engine_with(kb, LEAVE_REPLY)
    answer = await answer_runnable(engine).ainvoke({"question": LEAVE_Q, "top_k": 3})
    assert isinstance(answer, Answer) and answer.text == LEAVE_ANSWER
    assert len(answer.sources) == 3 and len(llm.calls) == 1


# --- follow-up questions ---------------------------------------------------------------------------

HISTORY: list[Message] = [
    {"role": "user", "content": "What is the list price of the NR-200 robot?"},
    {"role": "assistant", "content": "The NR-200 costs €38,500 [1]."},
]


@pytest.mark.parametrize("question", ["and in 2022?", "what about its price?", "那它呢", "How about the warranty?",
                                      "And the battery?"])
def test_is_follow_up(question: str) -> None:
    assert is_follow_up(question, HISTORY)
    assert not is_follow_up(question, None) and not is_follow_up(question, [])


def sample_questions() -> list[str]:
    import json

    lines = (PROJECT_ROOT / "data" / "sample_questions.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


@pytest.mark.parametrize("question", sample_questions())
def test_standalone_questions_are_not_follow_ups(question: str) -> None:
    assert not is_follow_up(question, HISTORY)


def test_follow_up_is_rewritten_and_the_rewrite_is_retrieved(kb: tuple[Settings, KnowledgeBase]) -> None:
    rewritten = "How long is the battery warranty on the NR-200?"
    engine, llm = engine_with(kb, ['"How long is the battery warranty', ' on the NR-200?"\n'],
                              "The battery warranty is 36 months or 3,000 charge cycles [1].")
    _, answer = run(engine, "and the battery warranty?", history=HISTORY)
    assert len(llm.rewrites) == 1 and len(llm.answers) == 1
    assert llm.calls[0] is llm.rewrites[0]  # rewrite first, then answer
    rewrite_prompt = llm.rewrites[0][-1]["content"]
    assert "What is the list price of the NR-200 robot?" in rewrite_prompt
    assert "Last question: and the battery warranty?" in rewrite_prompt
    assert llm.configs[0].temperature == 0.0
    # The reply, unquoted, is the standalone question; it is what was retrieved and asked.
    assert answer.standalone_question == rewritten
    assert answer.question == "and the battery warranty?"
    assert [c.id for c in answer.sources] == [c.id for c in engine.retrieve(rewritten)]
    assert llm.answers[0][-1]["content"].rstrip().endswith(f"Question: {rewritten}")
    assert not answer.refused and answer.citations[0].file == "Product Datasheet NR-200.pdf"


def test_rewrite_keeps_only_the_first_line_unquoted(kb: tuple[Settings, KnowledgeBase]) -> None:
    engine, _ = engine_with(kb, '"How long is the battery warranty on the NR-200?"\nIt asks about the battery.',
                            "Answer.")
    _, answer = run(engine, "and the battery warranty?", history=HISTORY)
    assert answer.standalone_question == "How long is the battery warranty on the NR-200?"


def test_standalone_question_with_history_is_not_rewritten(kb: tuple[Settings, KnowledgeBase]) -> None:
    engine, llm = engine_with(kb, "Full-time employees receive 26 days of paid annual leave [1].")
    _, answer = run(engine, LEAVE_Q, history=HISTORY)
    assert llm.rewrites == [] and len(llm.answers) == 1
    assert answer.standalone_question == LEAVE_Q


def test_follow_up_words_without_history_are_not_rewritten(kb: tuple[Settings, KnowledgeBase]) -> None:
    engine, llm = engine_with(kb, "Answer.")
    _, answer = run(engine, "and what about its price?")
    assert llm.rewrites == []
    assert answer.standalone_question == "and what about its price?"


def test_empty_rewrite_falls_back_to_the_question(kb: tuple[Settings, KnowledgeBase]) -> None:
    engine, llm = engine_with(kb, "<think>hmm</think>  ", "Answer.")
    _, answer = run(engine, "what about its price?", history=HISTORY)
    assert len(llm.rewrites) == 1
    assert answer.standalone_question == "what about its price?"
