"""Group names: what the rules, the users file, a proxy's header and a caller may name as a group."""

from __future__ import annotations

import re
from collections.abc import Iterable

from rag.errors import InvalidInput
from rag.text.display import printable

EVERYONE = "everyone"  # the group every caller is in, signed in or not
ADMINS = "admins"  # members manage the documents on the page
MAX_GROUP_CHARS = 64
MAX_GROUPS = 100
# Letters (any script), digits and . _ @ + : / -: never a space, comma or control character, so a group list
# splits on commas and prints on one line; ':' and '/' for an identity provider's "/org/team" or "role:admin".
_GROUP = re.compile(r"[\w.@+:/-]+")


def check_group(group: object, where: str = "group") -> str:
    if not isinstance(group, str):
        raise InvalidInput(f"{where}: a group name is text, not {type(group).__name__}")
    if not 1 <= len(group) <= MAX_GROUP_CHARS or not _GROUP.fullmatch(group):
        raise InvalidInput(f"{where}: group '{printable(group[:MAX_GROUP_CHARS])}': 1 to {MAX_GROUP_CHARS} "
                           "letters, digits and . _ @ + : / - only")
    return group


def check_groups(groups: Iterable[object], where: str = "groups") -> frozenset[str]:
    checked = frozenset(check_group(g, where) for g in groups)
    if len(checked) > MAX_GROUPS:
        raise InvalidInput(f"{where}: {len(checked)} groups, at most {MAX_GROUPS}")
    return checked


def parse_groups(text: str) -> frozenset[str]:
    """`hr, staff` → {"hr", "staff"}: comma-separated, spaces around names ignored, empty entries dropped."""
    return check_groups(part.strip() for part in text.split(",") if part.strip())


def caller_groups(groups: Iterable[str] | None) -> frozenset[str]:
    """The groups a caller reads as: the given ones and `everyone`."""
    if groups is None:
        return frozenset({EVERYONE})
    if isinstance(groups, str) or not isinstance(groups, Iterable):
        raise InvalidInput(f'groups must be a list of group names such as ["hr"], not {type(groups).__name__}')
    return check_groups(groups) | {EVERYONE}
