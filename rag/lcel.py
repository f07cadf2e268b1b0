"""The engine as LangChain runnables, for tools that compose chains with LCEL.

`answer_runnable(engine).invoke({"question": ...})` returns the `Answer`; `.stream(...)` yields the text
pieces and then the `Answer`: the same `Engine.ask_stream` as the page and `rag.ask()`, with its refusal gate
and citation check, which a plain retriever | prompt | llm chain would lose.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from rag.engine import Engine
from rag.query.retriever import Filters, Retriever
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


def as_langchain(retriever: Retriever, *, top_k: int | None = None, filters: Filters | None = None) -> Any:
    """This retriever as a LangChain `BaseRetriever`: `.invoke(question)` → Documents with file/page metadata."""
    return _langchain_class()(retriever=retriever, top_k=top_k, filters=dict(filters) if filters else None)


@lru_cache(maxsize=1)
def _langchain_class() -> type:
    # Imported on first use: langchain-core costs import time nobody else here needs.
    from langchain_core.callbacks import CallbackManagerForRetrieverRun
    from langchain_core.documents import Document
    from langchain_core.retrievers import BaseRetriever

    class LangChainRetriever(BaseRetriever):
        retriever: Any
        top_k: int | None = None
        filters: dict[str, Any] | None = None

        def _get_relevant_documents(
            self, query: str, *, run_manager: CallbackManagerForRetrieverRun
        ) -> list[Document]:
            return [
                Document(
                    id=c.id,
                    page_content=c.text,
                    metadata={
                        **c.metadata, "file": c.file, "page": c.page, "page_end": c.page_end,
                        "page_label": c.page_label, "heading": c.heading, "score": c.score,
                        "similarity": c.similarity,
                    },
                )
                for c in self.retriever.search(query, top_k=self.top_k, filters=self.filters)
            ]

    return LangChainRetriever
