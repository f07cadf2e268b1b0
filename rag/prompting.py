"""Numbered sources and the question into chat messages that fit the model's context window.

The system prompt is fixed text placed first, so llama.cpp reuses its evaluated prefix across questions.
The citation example says [n], not a number: a literal "[2]" biases small models to cite [2] (measured).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rag.types import Chunk

Message = dict[str, str]

SYSTEM = (
    "You answer questions about a company's documents using ONLY the numbered sources given with the "
    "question. Answer in one to three short sentences, in the language of the question. After each fact, "
    "cite the source it comes from with its number in square brackets, like [n]. Never use outside "
    "knowledge. If the sources do not contain the answer, reply with exactly this sentence and nothing "
    "else: {refusal}"
)

REWRITE = (
    "Rewrite the last user question as one standalone question that can be understood without the "
    "conversation. Keep its language. Reply with the question only.\n\nConversation:\n{history}\n\n"
    "Last question: {question}\n\nStandalone question:"
)


def source_header(n: int, chunk: Chunk) -> str:
    where = [f"file: {chunk.file}"]
    if chunk.page is not None:
        where.append(f"page {chunk.pages}")
    if chunk.heading:
        where.append(f"section: {chunk.heading}")
    return f"[{n}] ({', '.join(where)})"


def select_sources(
    chunks: Sequence[Chunk], count_tokens: Callable[[str], int], *, max_sources: int, budget: int
) -> list[Chunk]:
    """The best few passages that fit the token budget; a best passage too long alone is cut, not dropped."""
    chosen: list[Chunk] = []
    used = 0
    for chunk in chunks[:max_sources]:
        cost = count_tokens(chunk.text) + 16
        if used + cost > budget:
            room = budget - used - 16
            if room > 40 and not chosen:
                # Even the best passage is too long: keep the start that fits.
                chosen.append(_truncate(chunk, room, count_tokens))
            break
        chosen.append(chunk)
        used += cost
    return chosen


def _truncate(chunk: Chunk, tokens: int, count_tokens: Callable[[str], int]) -> Chunk:
    from dataclasses import replace

    # Start at ~4 characters a token and shrink: a fixed ratio overshoots 3x on CJK (a token a character).
    text = chunk.text[: tokens * 4]
    while text and count_tokens(text) > tokens:
        text = text[: int(len(text) * 0.85)]
    return replace(chunk, text=text)


def build_messages(question: str, sources: Sequence[Chunk], refusal: str) -> list[Message]:
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
