"""The engine as LangChain runnables, for tools that compose chains with LCEL.

`answer_runnable(engine).invoke({"question": ...})` returns the `Answer`; `.stream(...)` yields the text
pieces and then the `Answer`: the same `Engine.ask_stream` as the page and `rag.ask()`, with its refusal gate
and citation check, which a plain retriever | prompt | llm chain would lose.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rag.answer import Engine
from rag.retrieval import as_langchain
from rag.types import Answer


def answer_runnable(engine: Engine) -> Any:
    from langchain_core.runnables import RunnableLambda

    def run(request: str | dict[str, Any]) -> Iterator[str | Answer]:
        # A generator: RunnableLambda streams its items, and invoke() keeps the last one (the Answer)
        # because a str and an Answer cannot be added together.
        req = {"question": request} if isinstance(request, str) else dict(request)
        question = req.pop("question")
        yield from engine.ask_stream(question, **req)

    return RunnableLambda(run, name="rag_answer")


def retriever_runnable(engine: Engine, **kwargs: Any) -> Any:
    """The hybrid retriever as a LangChain `BaseRetriever`."""
    return as_langchain(engine.retriever, **kwargs)
