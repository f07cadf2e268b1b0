"""The one core: question → retrieval → refusal gate → grounded, streamed answer → verified citations.

The page, `python -m rag`, `rag.ask()` and the eval all drive `Engine.ask_stream`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from rag.access import caller_groups
from rag.llm import LLM, GenerationConfig, Message, complete, generation_config
from rag.llm.thinking import strip_thinking, visible
from rag.query.citations import is_refusal, verify
from rag.query.conflicts import with_disagreements
from rag.query.filters import check_filters
from rag.query.focus import focus
from rag.query.followup import is_follow_up
from rag.query.gate import has_evidence
from rag.query.prompt import build_messages, rewrite_messages, trim_history
from rag.query.requests import check_history, check_question, check_top_k, field_upper
from rag.query.retriever import Filters, Retriever
from rag.settings import RetrievalSettings, Settings
from rag.store.knowledge_base import KnowledgeBase
from rag.types import Answer, RetrievedChunk


class Engine:
    def __init__(self, settings: Settings, *, index: KnowledgeBase | None = None, llm: LLM | None = None) -> None:
        self.settings = settings
        self.index = index or KnowledgeBase(settings)
        self.retriever = Retriever(self.index, settings.retrieval, keep_ranked=settings.answer.sources)
        self._llm = llm

    @property
    def llm(self) -> LLM:
        if self._llm is None:
            from rag.llm import load_llm

            self._llm = load_llm(self.settings.llm, self.settings.models)
        return self._llm

    def retrieve(self, question: str, *, top_k: int | None = None, filters: Filters | None = None,
                 groups: Iterable[str] | None = None) -> list[RetrievedChunk]:
        """The best chunks among the files `groups` may read (no groups: what is open to everyone)."""
        question = check_question(question, self.settings.answer.question_chars)
        top_k = check_top_k(top_k, field_upper(RetrievalSettings, "top_k"))
        return self.retriever.search(question, top_k=top_k, filters=check_filters(filters),
                                     who=caller_groups(groups))

    def readable_files(self, groups: Iterable[str] | None = None) -> list[str]:
        """The committed files `groups` may read, sorted: what a sidebar, a file list or a download may show."""
        self.index.refresh()
        files = self.index.manifest.files
        allowed = self.index.readable(caller_groups(groups))
        return sorted(files if allowed is None else allowed)

    def standalone(self, question: str, history: Sequence[Message] | None) -> str:
        if not is_follow_up(question, history):
            return question
        assert history is not None
        kept = trim_history(history, self.llm.count_tokens, self.settings.answer.history_tokens)
        rewritten = complete(
            self.llm, rewrite_messages(question, kept),
            GenerationConfig(max_tokens=self.settings.answer.rewrite_tokens, temperature=0.0),
        )
        lines = [ln.strip().strip('"“”').strip() for ln in strip_thinking(rewritten).splitlines()]
        return next((ln for ln in lines if ln), question)

    def ask_stream(
        self,
        question: str,
        *,
        history: Sequence[Message] | None = None,
        filters: Filters | None = None,
        top_k: int | None = None,
        groups: Iterable[str] | None = None,
        **generation: Any,
    ) -> Iterator[str | Answer]:
        """Yield the answer's text pieces as they come, then the final `Answer` (its text is the verified one).
        Only files `groups` may read are searched (no groups: what is open to everyone)."""
        s = self.settings
        t0 = time.perf_counter()
        question = check_question(question, s.answer.question_chars)
        history = check_history(history, s.answer.question_chars)
        caller_groups(groups)  # a bad value is refused before the follow-up rewrite costs an LLM call
        query = self.standalone(question, history)
        chunks = self.retrieve(query, top_k=top_k, filters=filters, groups=groups)
        t_retrieve = time.perf_counter() - t0
        timings = {"retrieve": round(t_retrieve, 3)}

        def refusal(model: str) -> Answer:
            timings["total"] = round(time.perf_counter() - t0, 3)
            return Answer(text=s.answer.refusal_text, citations=[], refused=True, timings=timings, model=model,
                          question=question, standalone_question=query, sources=chunks)

        if not has_evidence(query, chunks, s.answer):
            timings["first_token"] = timings["retrieve"]
            yield s.answer.refusal_text
            yield refusal("")
            return

        llm = self.llm
        sources = focus(query, chunks[: s.answer.sources], llm.count_tokens, s.answer.passage_tokens,
                        keep=s.answer.source_keep,
                        budget=llm.context_tokens - s.llm.max_new_tokens - s.answer.prompt_reserve_tokens,
                        similarity=self.retriever.similarity_to(query) if s.answer.focus_dense_weight else None,
                        dense_weight=s.answer.focus_dense_weight)
        messages = build_messages(query, sources, s.answer.refusal_text)
        raw: list[str] = []
        for piece in visible(llm.stream(messages, generation_config(s.llm, **generation))):
            if not raw:
                timings["first_token"] = round(time.perf_counter() - t0, 3)
            raw.append(piece)
            yield piece
        timings.setdefault("first_token", round(time.perf_counter() - t0, 3))
        text = strip_thinking("".join(raw))
        if is_refusal(text, s.answer.refusal_text):
            yield refusal(llm.name)
            return
        text = with_disagreements(text, query, sources, same_claim=s.answer.conflict_overlap,
                                  cjk_question_share=s.retrieval.cjk_question_share)
        text, citations = verify(text, sources, snippet_chars=s.answer.snippet_chars,
                                 snippet_slack=s.answer.snippet_slack)
        timings["total"] = round(time.perf_counter() - t0, 3)
        yield Answer(text=text, citations=citations, refused=False, timings=timings, model=llm.name,
                     question=question, standalone_question=query, sources=chunks)

    def ask(self, question: str, **kwargs: Any) -> Answer:
        answer = None
        for item in self.ask_stream(question, **kwargs):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return answer
