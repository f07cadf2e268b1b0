"""The one core: question → retrieval → refusal gate → grounded, streamed answer → verified citations.

The page, `python -m rag`, `rag.ask()` and the eval all drive `Engine.ask_stream`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from typing import Any

from rag import citations
from rag.citations import is_refusal, strip_thinking, verify
from rag.focus import focus
from rag.index import Index
from rag.llm import LLM, GenerationConfig, Message, complete, generation_config
from rag.prompting import build_messages, rewrite_messages, trim_history
from rag.retrieval import Filters, Retriever
from rag.settings import Settings
from rag.types import Answer, Chunk

_FOLLOW_UP_WORDS = frozenset(
    "it its they them their this that these those he she his her him there and also same".split()
)
_FOLLOW_UP_START = re.compile(r"^\s*(and|also|what about|how about|but|then|same)\b", re.IGNORECASE)
_FOLLOW_UP_ZH = re.compile(r"[它他她其呢那这]|那么|还有|同样")


def is_follow_up(question: str, history: Sequence[Message] | None) -> bool:
    """Rewrite only real follow-ups: a standalone question rewritten by a small model gets worse."""
    if not history:
        return False
    if _FOLLOW_UP_START.search(question):
        return True
    words = re.findall(r"[a-z']+", question.lower())
    if words:
        return len(words) <= 3 or bool(_FOLLOW_UP_WORDS & set(words))
    return bool(_FOLLOW_UP_ZH.search(question)) or len(question.strip()) <= 6


# Bigrams with these (question words, particles: 什么 哪 谁 的 是…) are in every Chinese question and
# passage; counted, they let any passage cover half of any question (measured on CMRC).
_ZH_FUNCTION_CHARS = frozenset("什么多少哪些里家儿位为怎样如何是否几个谁的在了由有")
# Words a question has whatever it asks ("Who is our…?", "Can I…?").
_QUESTION_STOP = frozenset(
    "what which who whom whose when where why how did does do not i me my we us our you your can could should "
    "would may must there any".split()
)


def coverage(question: str, text: str) -> float:
    """Share of the question's content units (words; character bigrams in CJK, which do not depend on
    how a question and a passage are cut into words) present in a passage: the lexical evidence."""
    units = citations.units(question)
    q = {u for u in units if u not in _QUESTION_STOP and not _ZH_FUNCTION_CHARS & set(u)} or units
    return len(q & citations.units(text)) / len(q) if q else 0.0


def has_evidence(question: str, chunks: Sequence[Chunk], settings: Settings) -> bool:
    """Decide from retrieval alone whether the documents can answer; small models do not refuse reliably."""
    if not chunks:
        return False
    best_sim = max(c.similarity for c in chunks)
    best_cov = max(coverage(question, c.text + " " + c.heading) for c in chunks)
    return best_sim >= settings.refusal_threshold or best_cov >= settings.refusal_coverage


def _visible(pieces: Iterator[str]) -> Iterator[str]:
    """Hide a reasoning model's <think>…</think> block while streaming."""
    buffer = ""
    thinking: bool | None = None
    for piece in pieces:
        if thinking is False:
            yield piece
            continue
        buffer += piece
        if thinking is None:
            stripped = buffer.lstrip()
            if len(stripped) < len("<think>") and "<think>".startswith(stripped):
                continue
            thinking = stripped.startswith("<think>")
            if not thinking:
                yield buffer
                continue
        if "</think>" in buffer:
            thinking = False
            rest = buffer.split("</think>", 1)[1].lstrip()
            if rest:
                yield rest
    if thinking is None and buffer:
        yield buffer


class Engine:
    def __init__(self, settings: Settings, *, index: Index | None = None, llm: LLM | None = None) -> None:
        self.settings = settings
        self.index = index or Index(settings)
        self.retriever = Retriever(self.index, settings)
        self._llm = llm

    @property
    def llm(self) -> LLM:
        if self._llm is None:
            from rag.llm import load_llm

            self._llm = load_llm(self.settings)
        return self._llm

    def retrieve(self, question: str, *, top_k: int | None = None, filters: Filters | None = None) -> list[Chunk]:
        return self.retriever.search(question, top_k=top_k, filters=filters)

    def standalone(self, question: str, history: Sequence[Message] | None) -> str:
        if not is_follow_up(question, history):
            return question
        assert history is not None
        kept = trim_history(history, self.llm.count_tokens, self.settings.history_tokens)
        rewritten = complete(
            self.llm, rewrite_messages(question, kept), GenerationConfig(max_tokens=64, temperature=0.0)
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
        **generation: Any,
    ) -> Iterator[str | Answer]:
        """Yield the answer's text pieces as they come, then the final `Answer` (its text is the verified one)."""
        s = self.settings
        t0 = time.perf_counter()
        query = self.standalone(question, history)
        chunks = self.retrieve(query, top_k=top_k, filters=filters)
        t_retrieve = time.perf_counter() - t0
        timings = {"retrieve": round(t_retrieve, 3)}

        def refusal(model: str) -> Answer:
            timings["total"] = round(time.perf_counter() - t0, 3)
            return Answer(text=s.refusal_text, citations=[], refused=True, timings=timings, model=model,
                          question=question, standalone_question=query, sources=chunks)

        if not has_evidence(query, chunks, s):
            timings["first_token"] = timings["retrieve"]
            yield s.refusal_text
            yield refusal("")
            return

        llm = self.llm
        sources = focus(query, chunks[: s.answer_sources], llm.count_tokens, s.passage_tokens,
                        keep=s.source_keep, budget=llm.context_tokens - s.max_new_tokens - 300,
                        similarity=self.retriever.similarity_to(query) if s.focus_dense_weight else None,
                        dense_weight=s.focus_dense_weight)
        messages = build_messages(query, sources, s.refusal_text)
        raw: list[str] = []
        for piece in _visible(llm.stream(messages, generation_config(s, **generation))):
            if not raw:
                timings["first_token"] = round(time.perf_counter() - t0, 3)
            raw.append(piece)
            yield piece
        timings.setdefault("first_token", round(time.perf_counter() - t0, 3))
        text = strip_thinking("".join(raw))
        if is_refusal(text, s.refusal_text):
            yield refusal(llm.name)
            return
        text, citations = verify(text, sources)
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
