"""Salted password hashes: bcrypt, the hasher streamlit-authenticator uses too (a random salt in each hash)."""

from __future__ import annotations

import re
from functools import lru_cache

import bcrypt

from rag.users.names import MAX_PASSWORD_BYTES

_BCRYPT = re.compile(r"\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}")


def hash_password(password: str, rounds: int) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


def is_hash(text: str) -> bool:
    return bool(_BCRYPT.fullmatch(text))


def verify(password: str, hashed: str | None, rounds: int) -> bool:
    """Whether `password` matches `hashed`. Without a hash (no such user) a dummy hash of the same cost is
    checked all the same, so a name that does not exist is not answered any faster."""
    try:
        candidate = password.encode("utf-8")
    except UnicodeEncodeError:
        candidate = b""
    if len(candidate) > MAX_PASSWORD_BYTES:
        candidate = b""  # bcrypt refuses it; no stored password is that long
    ok = bcrypt.checkpw(candidate, (hashed or _dummy(rounds)).encode("ascii"))
    return ok and hashed is not None and bool(candidate)


@lru_cache(maxsize=4)
def _dummy(rounds: int) -> str:
    return hash_password("no such user", rounds)
