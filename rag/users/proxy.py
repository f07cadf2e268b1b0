"""`proxy` mode: the user and groups a reverse proxy (oauth2-proxy, ...) puts in each request's headers.

Trusting them is right only when nothing but the proxy can reach the page (the page listens on 127.0.0.1
by default) and the proxy replaces these headers in what a client sends.
"""

from __future__ import annotations

from collections.abc import Iterable

from rag.access.groups import parse_groups
from rag.errors import InvalidInput
from rag.users.names import check_name
from rag.users.user import User


def user_from_headers(headers: Iterable[tuple[str, str]], user_header: str, groups_header: str) -> User:
    """The user named by the request's `user_header`, in the comma-separated groups of `groups_header`.
    No user header is refused, never taken for nobody; a header sent twice is refused too (one of the two
    did not come from the proxy)."""
    values: dict[str, list[str]] = {}
    for key, value in headers:
        values.setdefault(key.lower(), []).append(value)
    names = values.get(user_header.lower(), [])
    if not names or not names[0].strip():
        raise InvalidInput(f"the request came without the {user_header} header: open the page through the "
                           "company's sign-in address")
    groups = values.get(groups_header.lower(), [])
    for header, found in ((user_header, names), (groups_header, groups)):
        if len(found) > 1:
            raise InvalidInput(f"the request came with {len(found)} {header} headers: only one is trusted")
    try:
        return User(check_name(names[0].strip()), parse_groups(groups[0]) if groups else frozenset())
    except InvalidInput as e:
        raise InvalidInput(f"the sign-in proxy's headers are not usable: {e}") from e
