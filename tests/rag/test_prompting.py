"""rag.prompting: numbered sources within a token budget, history trimming, the rewrite prompt."""

from __future__ import annotations

import re

import pytest

from rag.prompting import build_messages, rewrite_messages, select_sources, trim_history
from rag.types import Chunk

REFUSAL = "I don't know: the documents do not say."


def words(text: str) -> int:
    """A simple, exact token counter: one token per word, one per CJK character."""
    return len(re.findall(r"[\u3400-\u9fff]|[^\s\u3400-\u9fff]+", text))


def chunk(n: int, text: str, *, file: str = "doc.pdf", page: int | None = 1, page_end: int | None = None,
          heading: str = "") -> Chunk:
    return Chunk(id=f"c{n}", text=text, file=file, page=page, page_end=page_end or page, heading=heading,
                 score=1.0 / n, similarity=0.5)


def cost(c: Chunk) -> int:
    return words(c.text) + 16  # select_sources' per-source overhead for the header


def test_build_messages_numbers_sources_with_location() -> None:
    sources = [
        chunk(1, "Full-time employees receive 26 days of paid annual leave.", file="Employee Handbook.pdf",
              page=3, heading="Annual leave"),
        chunk(2, "The NR-200 list price is €38,500.", file="Product Datasheet NR-200.pdf", page=2, page_end=3,
              heading="Pricing"),
        chunk(3, "Passwords must be at least 14 characters long.", file="policies/IT Security Policy.docx",
              page=None, heading="Passwords"),
    ]
    system, user = build_messages("How long is the leave?", sources, REFUSAL)
    assert system["role"] == "system" and user["role"] == "user"
    assert REFUSAL in system["content"]
    # Citation instructions: cite with [n] after each fact; no literal number that would bias the model.
    assert "[n]" in system["content"] and "cite" in system["content"].lower()
    assert not re.search(r"\[\d+\]", system["content"])
    body = user["content"]
    assert "[1] (file: Employee Handbook.pdf, page 3, section: Annual leave)\nFull-time employees" in body
    assert "[2] (file: Product Datasheet NR-200.pdf, page 2-3, section: Pricing)\nThe NR-200" in body
    assert "[3] (file: policies/IT Security Policy.docx, section: Passwords)\nPasswords must" in body
    assert "page None" not in body
    assert body.index("[1]") < body.index("[2]") < body.index("[3]")
    assert body.rstrip().endswith("Question: How long is the leave?")


def test_system_prompt_is_the_same_for_every_question() -> None:
    # A fixed first message lets llama.cpp reuse its evaluated prefix.
    a = build_messages("q1", [chunk(1, "alpha")], REFUSAL)[0]
    b = build_messages("q2", [chunk(1, "beta"), chunk(2, "gamma")], REFUSAL)[0]
    assert a == b


def test_select_sources_respects_max_sources() -> None:
    chunks = [chunk(i, f"passage number {i} with a few words") for i in range(1, 8)]
    chosen = select_sources(chunks, words, max_sources=3, budget=10_000)
    assert [c.id for c in chosen] == ["c1", "c2", "c3"]


def test_select_sources_fits_the_budget_in_rank_order() -> None:
    chunks = [chunk(i, " ".join(["word"] * 50)) for i in range(1, 6)]  # 66 tokens each with overhead
    chosen = select_sources(chunks, words, max_sources=5, budget=200)
    assert [c.id for c in chosen] == ["c1", "c2", "c3"]
    assert sum(cost(c) for c in chosen) <= 200
    assert all(c.text == chunks[0].text for c in chosen)  # whole passages, not cut


def test_select_sources_cuts_an_oversized_best_passage_to_fit() -> None:
    long = chunk(1, " ".join(f"w{i}" for i in range(500)))
    chosen = select_sources([long, chunk(2, "short")], words, max_sources=4, budget=120)
    assert len(chosen) == 1 and chosen[0].id == "c1"
    assert long.text.startswith(chosen[0].text) and words(chosen[0].text) > 40
    assert cost(chosen[0]) <= 120


def test_select_sources_cuts_cjk_to_fit_too() -> None:
    # One token per character: a characters-per-token guess made for English would overshoot.
    long = chunk(1, "出差住宿标准按城市类别执行。" * 60)
    chosen = select_sources([long], words, max_sources=4, budget=100)
    assert len(chosen) == 1 and long.text.startswith(chosen[0].text)
    assert words(chosen[0].text) > 40 and cost(chosen[0]) <= 100


def test_select_sources_with_no_room_returns_nothing() -> None:
    assert select_sources([chunk(1, " ".join(["x"] * 100))], words, max_sources=4, budget=50) == []
    assert select_sources([], words, max_sources=4, budget=500) == []


def test_trim_history_keeps_the_most_recent_turns_within_budget() -> None:
    history = [
        {"role": "user" if i % 2 == 0 else "assistant", "content": f"turn {i} " + "pad " * 8} for i in range(10)
    ]
    per_turn = words(history[0]["content"]) + 4
    kept = trim_history(history, words, budget=3 * per_turn + 1)
    assert [m["content"] for m in kept] == [m["content"] for m in history[-3:]]
    assert [m["role"] for m in kept] == ["assistant", "user", "assistant"]
    assert trim_history(history, words, budget=10_000) == history
    assert trim_history(history, words, budget=per_turn - 1) == []


def test_trim_history_stops_at_a_turn_that_does_not_fit() -> None:
    # An older short turn must not be kept once a newer one was dropped: the order of the talk matters.
    history = [
        {"role": "user", "content": "short"},
        {"role": "assistant", "content": "long " * 100},
        {"role": "user", "content": "recent"},
    ]
    assert trim_history(history, words, budget=20) == [{"role": "user", "content": "recent"}]


@pytest.mark.parametrize("question", ["and in 2022?", "那它呢？"])
def test_rewrite_messages_include_history_and_question(question: str) -> None:
    history = [
        {"role": "user", "content": "How many NR-200 robots were sold in 2021?"},
        {"role": "assistant", "content": "1,200 robots were sold in 2021 [1]."},
    ]
    (msg,) = rewrite_messages(question, history)
    assert msg["role"] == "user"
    content = msg["content"]
    assert "user: How many NR-200 robots were sold in 2021?" in content
    assert "assistant: 1,200 robots were sold in 2021 [1]." in content
    assert f"Last question: {question}" in content
    assert content.index("How many NR-200") < content.index("1,200 robots") < content.index("Last question")
    assert "standalone" in content.lower()
