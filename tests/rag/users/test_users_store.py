"""The users file: checked names and groups, salted hashes, atomic 0600 writes, clear errors for a bad file."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from rag.access.groups import parse_groups
from rag.errors import InvalidInput
from rag.users import User
from rag.users.names import check_name, check_password
from rag.users.passwords import hash_password, is_hash, verify
from rag.users.store import UsersFile

ROUNDS = 4  # the cheapest bcrypt cost: these tests check behaviour, not hashing speed


@pytest.fixture
def users(tmp_path: Path) -> UsersFile:
    return UsersFile(tmp_path / "conf" / "users.toml")


def test_add_get_list_remove_round_trip(users: UsersFile) -> None:
    users.add("alice", frozenset({"hr", "admins"}), hash_password("correct horse", ROUNDS))
    users.add("bob@example.com", frozenset(), hash_password("battery staple", ROUNDS))
    again = UsersFile(users.path)  # read back from the file alone
    alice = again.get("ALICE")  # found ignoring case, spelled as added
    assert alice is not None and alice.user == User("alice", frozenset({"admins", "hr"}))
    assert alice.user.is_admin and not again.get("bob@example.com").user.is_admin  # type: ignore[union-attr]
    assert sorted(a.name for a in again.load().values()) == ["alice", "bob@example.com"]
    again.remove("Bob@Example.com")
    assert again.get("bob@example.com") is None and again.get("alice") is not None


def test_file_is_private_and_replaced_whole(users: UsersFile) -> None:
    users.add("alice", frozenset({"hr"}), hash_password("correct horse", ROUNDS))
    assert stat.S_IMODE(users.path.stat().st_mode) == 0o600
    users.set_groups("alice", frozenset({"staff"}))
    assert stat.S_IMODE(users.path.stat().st_mode) == 0o600
    assert [p.name for p in users.path.parent.iterdir() if p.name.endswith(".tmp")] == []
    assert UsersFile(users.path).get("alice").groups == {"staff"}  # type: ignore[union-attr]


def test_same_password_two_different_salted_hashes(users: UsersFile) -> None:
    users.add("alice", frozenset(), hash_password("same password", ROUNDS))
    users.add("bob", frozenset(), hash_password("same password", ROUNDS))
    alice, bob = users.get("alice"), users.get("bob")
    assert alice is not None and bob is not None
    assert alice.password_hash != bob.password_hash and is_hash(alice.password_hash)
    assert "same password" not in users.path.read_text(encoding="utf-8")
    assert verify("same password", alice.password_hash, ROUNDS) and verify("same password", bob.password_hash, ROUNDS)
    assert not verify("Same password", alice.password_hash, ROUNDS)
    assert not verify("same password", None, ROUNDS)  # no such user: refused, after a dummy check
    assert not verify("x" * 100, alice.password_hash, ROUNDS)  # longer than bcrypt reads


def test_duplicate_names_are_refused_ignoring_case(users: UsersFile) -> None:
    users.add("alice", frozenset(), hash_password("correct horse", ROUNDS))
    with pytest.raises(InvalidInput, match="'alice' exists already"):
        users.add("Alice", frozenset(), hash_password("correct horse", ROUNDS))


@pytest.mark.parametrize("name", ["", "a" * 65, "with space", "tab\there", "new\nline", "esc\x1b[2J", "a,b",
                                  'quote"', "back\\slash", "semi;colon"])
def test_bad_names_are_refused_in_one_line(name: str) -> None:
    with pytest.raises(InvalidInput) as e:
        check_name(name)
    assert "\n" not in str(e.value) and "\x1b" not in str(e.value)


@pytest.mark.parametrize("name", ["alice", "a.b-c_d", "bob@example.com", "李雷", "x" * 64])
def test_good_names(name: str) -> None:
    assert check_name(name) == name


def test_groups_are_parsed_and_checked() -> None:
    assert parse_groups(" hr, staff ,,/org/team, role:admin") == {"hr", "staff", "/org/team", "role:admin"}
    assert parse_groups("") == frozenset()
    with pytest.raises(InvalidInput, match="group 'bad group'"):
        parse_groups("hr,bad group")


def test_password_bounds() -> None:
    assert check_password("ten chars!", 10) == "ten chars!"
    with pytest.raises(InvalidInput, match="too short"):
        check_password("short", 10)
    with pytest.raises(InvalidInput, match="too long"):
        check_password("é" * 40, 10)  # 80 bytes: bcrypt reads 72
    with pytest.raises(InvalidInput, match="line break"):
        check_password("line\nbreak in it", 10)


@pytest.mark.parametrize(("text", "problem"), [
    ("users = [", "not valid TOML"),
    ('[users."alice"]\ngroups = ["hr"]\n', "needs exactly `groups` and `password`"),
    ('[users."alice"]\ngroups = ["hr"]\npassword = "plain text"\n', "not a bcrypt hash"),
    ('[users."bad name"]\ngroups = []\npassword = "x"\n', "user name 'bad name'"),
    ('[users."alice"]\ngroups = ["b c"]\npassword = "$2b$04$' + "a" * 53 + '"\n', "group 'b c'"),
    ('[users."alice"]\ngroups = []\npassword = "$2b$04$' + "a" * 53 + '"\n[users."ALICE"]\ngroups = []\n'
     'password = "$2b$04$' + "a" * 53 + '"\n', "listed twice"),
    ('admins = ["alice"]\n', "only a [users"),
])
def test_a_bad_users_file_is_one_line_naming_it(users: UsersFile, text: str, problem: str) -> None:
    users.path.parent.mkdir(parents=True)
    users.path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput) as e:
        users.load()
    assert problem in str(e.value) and str(users.path) in str(e.value) and "\n" not in str(e.value)


def test_no_file_means_no_users(users: UsersFile) -> None:
    assert users.load() == {} and not users.exists()
    with pytest.raises(InvalidInput, match="no user named 'carol'"):
        users.remove("carol")
