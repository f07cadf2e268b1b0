"""What a caller hands the engine, checked before any work: one clear `InvalidInput` line per problem.

`rag.ask(None)`, a 200,000-character question, `top_k=-3` or a history that is not a list of
{role, content} messages would otherwise end in a traceback deep inside retrieval, or in a silent
"I don't know".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rag.errors import InvalidInput
from rag.llm.base import Message

ROLES = ("user", "assistant")


def check_question(question: object, max_chars: int) -> str:
    if not isinstance(question, str):
        raise InvalidInput(f"the question must be text, not {type(question).__name__}")
    if len(question) > max_chars:
        raise InvalidInput(f"the question has {len(question):,} characters; at most {max_chars:,} are taken")
    return question


def check_top_k(top_k: object, upper: int) -> int | None:
    if top_k is None:
        return None
    if isinstance(top_k, bool) or not isinstance(top_k, int):
        raise InvalidInput(f"top_k must be a whole number, not {type(top_k).__name__}")
    if not 1 <= top_k <= upper:
        raise InvalidInput(f"top_k must be between 1 and {upper}, not {top_k}")
    return top_k


def check_history(history: object, max_chars: int) -> list[Message] | None:
    """A list of {"role": "user"|"assistant", "content": text} messages (None or empty: no history)."""
    if history is None:
        return None
    if isinstance(history, str | bytes) or not isinstance(history, Sequence):
        raise InvalidInput(f"history must be a list of messages, not {type(history).__name__}")
    out: list[Message] = []
    for i, msg in enumerate(history):
        if not isinstance(msg, Mapping):
            raise InvalidInput(f"history[{i}] must be a message {{role, content}}, not {type(msg).__name__}")
        role, content = msg.get("role"), msg.get("content")
        if role not in ROLES:
            raise InvalidInput(f"history[{i}] has role {role!r}; a role is one of {', '.join(ROLES)}")
        if not isinstance(content, str):
            raise InvalidInput(f"history[{i}] content must be text, not {type(content).__name__}")
        out.append({"role": str(role), "content": content[:max_chars]})
    return out


def field_upper(model: Any, field: str) -> int:
    """A settings field's upper bound (`le=`), so the check and the setting never disagree."""
    for meta in model.model_fields[field].metadata:
        if (le := getattr(meta, "le", None)) is not None:
            return int(le)
    raise LookupError(f"{field} has no upper bound")
