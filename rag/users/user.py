"""The person a question comes from: a name and the groups the access rules speak of."""

from __future__ import annotations

from dataclasses import dataclass

from rag.access.groups import ADMINS


@dataclass(frozen=True)
class User:
    name: str
    groups: frozenset[str] = frozenset()

    @property
    def is_admin(self) -> bool:
        return ADMINS in self.groups

    @property
    def anonymous(self) -> bool:
        return not self.name


ANONYMOUS = User("")  # `open` mode: nobody signed in, no group, not an admin
