"""Numbered sources and the question into chat messages; recent history trimmed to a token budget.

The system prompt is fixed text placed first, so llama.cpp reuses its evaluated prefix across questions.
The citation example says [n], not a number: a literal "[2]" biases small models to cite [2] (measured).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rag.types import RetrievedChunk

Message = dict[str, str]

SYSTEM = (
    "You answer questions about a company's documents using ONLY the numbered sources given with the "
    "question. Answer briefly, in the language of the question: start with the answer itself, do not "
    "repeat the question, and use at most three short sentences. After each fact, cite the source it "
    "comes from with its number in square brackets, like [n]. Never use outside knowledge. If the "
    "sources do not contain the answer, reply with exactly this sentence and nothing else: {refusal}"
)

REWRITE = (
    "Rewrite the last user question as one standalone question that can be understood without the "
    "conversation. Keep its language. Reply with the question only.\n\nConversation:\n{history}\n\n"
    "Last question: {question}\n\nStandalone question:"
)


def source_header(n: int, chunk: RetrievedChunk) -> str:
    where = [f"file: {chunk.file}"]
    if chunk.page is not None:
        where.append(f"page {chunk.pages}")
    if chunk.heading:
        where.append(f"section: {chunk.heading}")
    return f"[{n}] ({', '.join(where)})"


def build_messages(question: str, sources: Sequence[RetrievedChunk], refusal: str) -> list[Message]:
    blocks = "\n\n".join(f"{source_header(n, c)}\n{c.text}" for n, c in enumerate(sources, 1))
    user = f"Sources:\n\n{blocks}\n\nQuestion: {question}"
    return [{"role": "system", "content": SYSTEM.format(refusal=refusal)}, {"role": "user", "content": user}]


def trim_history(history: Sequence[Message], count_tokens: Callable[[str], int], budget: int) -> list[Message]:
    """Keep the most recent turns that fit the budget."""
    kept: list[Message] = []
    used = 0
    for msg in reversed(history):
        cost = count_tokens(msg.get("content", "")) + 4
        if used + cost > budget:
            break
        kept.append({"role": msg.get("role", "user"), "content": msg.get("content", "")})
        used += cost
    return list(reversed(kept))


def rewrite_messages(question: str, history: Sequence[Message]) -> list[Message]:
    convo = "\n".join(f"{m['role']}: {m['content']}" for m in history)
    return [{"role": "user", "content": REWRITE.format(history=convo, question=question)}]
