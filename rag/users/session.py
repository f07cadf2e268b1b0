"""A page's sign-in: who, since when, last seen when; it ends after `session_minutes` however active
(absolute), or after `idle_minutes` without an action."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from rag.settings import AuthSettings
from rag.users.user import User


@dataclass(frozen=True)
class Session:
    user: User
    via: Literal["open", "users", "proxy"]  # how the user was told: nobody asked, a password, the proxy
    started: float
    seen: float
    stamp: str | None = None  # `users` mode: the password it was made with (Account.stamp)

    def ended(self, now: float, auth: AuthSettings) -> str | None:
        """Why this session is over, or None while it lasts."""
        if now - self.started > auth.session_minutes * 60:
            return f"A sign-in lasts {_minutes(auth.session_minutes)} at most: please sign in again."
        if now - self.seen > auth.idle_minutes * 60:
            return f"You were signed out after {_minutes(auth.idle_minutes)} without activity."
        return None

    def touched(self, now: float, user: User) -> Session:
        return replace(self, user=user, seen=now)


def _minutes(n: int) -> str:
    if n % 60 == 0:
        return f"{n // 60} hour{'s' if n != 60 else ''}"
    return f"{n} minute{'s' if n != 1 else ''}"
