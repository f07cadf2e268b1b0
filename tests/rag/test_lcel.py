"""The LCEL adapter streams the engine's pieces and invokes to its final Answer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rag.lcel import answer_runnable
from rag.types import Answer


class RecordingEngine:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def ask_stream(self, question: str, **kwargs: Any) -> Iterator[str | Answer]:
        self.calls.append((question, kwargs))
        yield "Twenty-six "
        yield "days [1]."
        yield Answer(text="Twenty-six days [1].", citations=[], refused=False, timings={"total": 0.1}, model="fake",
                     question=question)


def test_invoke_returns_the_answer_and_passes_options() -> None:
    engine = RecordingEngine()
    answer = answer_runnable(engine).invoke({"question": "leave?", "filters": {"file": "a.pdf"}, "top_k": 3})
    assert isinstance(answer, Answer) and answer.text == "Twenty-six days [1]."
    assert engine.calls == [("leave?", {"filters": {"file": "a.pdf"}, "top_k": 3})]


def test_stream_yields_pieces_then_the_answer() -> None:
    items = list(answer_runnable(RecordingEngine()).stream("leave?"))
    assert items[:2] == ["Twenty-six ", "days [1]."]
    assert isinstance(items[-1], Answer) and len(items) == 3
