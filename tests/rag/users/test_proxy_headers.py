"""`proxy` mode: the user from the reverse proxy's headers, refused without them, never anonymous."""

from __future__ import annotations

import pytest

from rag.errors import InvalidInput
from rag.users import User
from rag.users.proxy import user_from_headers

USER, GROUPS = "X-Forwarded-User", "X-Forwarded-Groups"


def test_user_and_groups_from_headers_case_insensitive() -> None:
    user = user_from_headers([("x-forwarded-user", "alice@example.com"), ("X-FORWARDED-GROUPS", "hr, admins")],
                             USER, GROUPS)
    assert user == User("alice@example.com", frozenset({"hr", "admins"})) and user.is_admin


def test_no_groups_header_means_no_groups() -> None:
    assert user_from_headers([(USER, "bob")], USER, GROUPS) == User("bob")


@pytest.mark.parametrize("headers", [[], [(GROUPS, "admins")], [(USER, "  ")]])
def test_no_user_header_is_refused(headers: list[tuple[str, str]]) -> None:
    with pytest.raises(InvalidInput, match="without the X-Forwarded-User header"):
        user_from_headers(headers, USER, GROUPS)


@pytest.mark.parametrize("headers", [[(USER, "mallory"), (USER, "alice")],
                                     [(USER, "alice"), (GROUPS, "staff"), (GROUPS, "admins")]])
def test_a_repeated_header_is_refused(headers: list[tuple[str, str]]) -> None:
    with pytest.raises(InvalidInput, match="only one is trusted"):
        user_from_headers(headers, USER, GROUPS)


@pytest.mark.parametrize("headers", [[(USER, "two words")], [(USER, "alice"), (GROUPS, "hr, bad group")]])
def test_unusable_values_are_refused(headers: list[tuple[str, str]]) -> None:
    with pytest.raises(InvalidInput, match="proxy's headers are not usable"):
        user_from_headers(headers, USER, GROUPS)


def test_other_header_names_from_settings() -> None:
    headers = [("Remote-User", "carol"), ("Remote-Groups", "staff"), (USER, "mallory")]
    assert user_from_headers(headers, "Remote-User", "Remote-Groups") == User("carol", frozenset({"staff"}))
