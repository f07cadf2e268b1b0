"""The engine as LangChain runnables, for tools that compose chains with LCEL.

`answer_runnable(engine).invoke({"question": ...})` returns the `Answer`; `.stream(...)` yields the text
pieces and then the `Answer`: the same `Engine.ask_stream` as the page and `rag.ask()`, with its refusal gate
and citation check, which a plain retriever | prompt | llm chain would lose.

`as_langchain(retriever, k=3, filters={...})` is a LangChain `BaseRetriever` that keeps LangChain's calling
conventions: the number of results as `k` or `top_k`, and `filters`, both in the constructor and per call
(`.invoke(question, k=1, filters={...})`), a call's values over the constructor's. `groups` (whose files it
may read, access.toml) are fixed when it is made: one retriever per user.

Only LangChain users import this module, so langchain-core is imported here and nowhere else in `rag`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForRetrieverRun, CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import RunnableLambda, run_in_executor

from rag.access import caller_groups
from rag.engine import Engine
from rag.errors import InvalidInput
from rag.query.filters import check_filters
from rag.query.requests import check_top_k, field_upper
from rag.query.retriever import EVERYONE_ONLY, Filters, Retriever
from rag.settings import RetrievalSettings
from rag.types import Answer, RetrievedChunk


def answer_runnable(engine: Engine) -> RunnableLambda:
    def run(request: str | dict[str, Any]) -> Iterator[str | Answer]:
        # A generator: RunnableLambda streams its items, and invoke() keeps the last one (the Answer)
        # because a str and an Answer cannot be added together.
        req = {"question": request} if isinstance(request, str) else dict(request)
        question = req.pop("question")
        yield from engine.ask_stream(question, **req)

    return RunnableLambda(run, name="rag_answer")


def retriever_runnable(engine: Engine, **options: Any) -> LangChainRetriever:
    """The hybrid retriever as a LangChain `BaseRetriever`; `options`: `k`/`top_k`, `filters`, `groups`."""
    return as_langchain(engine.retriever, **options)


def as_langchain(retriever: Retriever, *, k: int | None = None, top_k: int | None = None,
                 filters: Filters | None = None, groups: Iterable[str] | None = None) -> LangChainRetriever:
    """This retriever as a LangChain `BaseRetriever`: `.invoke(question)` → Documents with file/page metadata."""
    return LangChainRetriever(retriever=retriever, k=k, top_k=top_k, filters=filters, groups=groups)


def result_count(k: Any = None, top_k: Any = None) -> int | None:
    """The number of results asked for under either spelling; None when neither is given."""
    if k is not None and top_k is not None and k != top_k:
        raise InvalidInput(f"k={k!r} and top_k={top_k!r} disagree: give one of them")
    name, value = ("k", k) if k is not None else ("top_k", top_k)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput(f"{name} must be a whole number of at least 1, got {value!r}")
    return value


def filter_dict(filters: Any) -> dict[str, Any]:
    """`filters` as a plain dict (None: no filter); anything but a mapping with string keys is refused."""
    if filters is None:
        return {}
    if not isinstance(filters, Mapping) or not all(isinstance(key, str) for key in filters):
        raise InvalidInput(f"filters must map metadata keys (str) to values, got {type(filters).__name__}")
    return dict(filters)


class LangChainRetriever(BaseRetriever):
    """A `Retriever` behind LangChain's retriever interface.

    Per-call `filters` are merged over the constructor's key by key, so a call narrows a scope set at
    construction instead of silently widening it; a key given as None drops it.
    """

    retriever: Retriever
    top_k: int | None = None  # None: the retrieval settings' top_k
    filters: dict[str, Any] | None = None
    who: frozenset[str] = EVERYONE_ONLY  # the caller's groups (caller_groups)

    def __init__(self, **data: Any) -> None:
        # Checked before pydantic sees them, so a bad value is one InvalidInput line, not a ValidationError.
        top_k = result_count(data.pop("k", None), data.pop("top_k", None))
        filters = check_filters(filter_dict(data.pop("filters", None))) or None
        who = caller_groups(data.pop("groups", None))
        super().__init__(top_k=top_k, filters=filters, who=who, **data)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun,
        k: Any = None, top_k: Any = None, filters: Any = None,
    ) -> list[Document]:
        # The engine's own checks: known filter keys, top_k within the setting's bounds.
        count = check_top_k(result_count(k, top_k) or self.top_k, field_upper(RetrievalSettings, "top_k"))
        scope = check_filters({**(self.filters or {}), **filter_dict(filters)})
        return [_document(c) for c in self.retriever.search(query, top_k=count, filters=scope or None, who=self.who)]

    async def _aget_relevant_documents(
        self, query: str, *, run_manager: AsyncCallbackManagerForRetrieverRun,
        k: Any = None, top_k: Any = None, filters: Any = None,
    ) -> list[Document]:
        # BaseRetriever's own executor hop would drop the per-call options.
        return await run_in_executor(None, self._get_relevant_documents, query,
                                     run_manager=run_manager.get_sync(), k=k, top_k=top_k, filters=filters)


def _document(chunk: RetrievedChunk) -> Document:
    return Document(
        id=chunk.id,
        page_content=chunk.text,
        metadata={
            **chunk.metadata, "file": chunk.file, "page": chunk.page, "page_end": chunk.page_end,
            "page_label": chunk.page_label, "heading": chunk.heading, "score": chunk.score,
            "similarity": chunk.similarity,
        },
    )
