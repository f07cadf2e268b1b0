"""Sign-in attempts: the lock per user name and per client, shared through its file, and nothing that tells
a wrong name from a wrong password."""

from __future__ import annotations

import json
import stat
import time
from pathlib import Path

import pytest

from rag.settings import AuthSettings, Settings
from rag.users import User
from rag.users.passwords import hash_password
from rag.users.ratelimit import FailureLimiter
from rag.users.session import Session
from rag.users.signin import Gate, failures_file
from rag.users.store import UsersFile

PASSWORD = "correct horse battery"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def auth(tmp_path: Path) -> AuthSettings:
    auth = Settings(users_file=tmp_path / "users.toml", bcrypt_rounds=4, max_failed_signins=5,
                    lockout_seconds=300).auth
    UsersFile(auth.users_file).add("alice", frozenset({"hr"}), hash_password(PASSWORD, 4))
    return auth


def gate(auth: AuthSettings, clock: Clock) -> Gate:
    """A gate as another server process would have: its own limiter over the same failures file."""
    limiter = FailureLimiter(failures_file(auth.users_file), auth.max_failed_signins, auth.lockout_seconds, clock)
    return Gate(auth, limiter)


def test_right_password_signs_in_wrong_one_does_not(auth: AuthSettings) -> None:
    g = gate(auth, Clock())
    assert g.attempt("alice", "wrong password", "10.0.0.1").account is None
    account = g.attempt(" Alice ", PASSWORD, "10.0.0.1").account
    assert account is not None and account.user == User("alice", frozenset({"hr"}))


def test_sixth_attempt_is_locked_even_with_the_right_password(auth: AuthSettings) -> None:
    clock = Clock()
    g = gate(auth, clock)
    for i in range(5):
        outcome = g.attempt("alice", f"guess {i}", f"10.0.0.{i}")  # each from another address: the name locks
        assert outcome.account is None and outcome.wait == 0
    locked = g.attempt("alice", PASSWORD, "10.0.0.99")
    assert locked.account is None and locked.wait == pytest.approx(300)
    # Shared: another server process on the same users file sees the lock.
    assert gate(auth, clock).attempt("alice", PASSWORD, "10.0.0.100").wait > 0
    clock.now += 301
    assert g.attempt("alice", PASSWORD, "10.0.0.99").account is not None


def test_one_client_trying_many_names_is_locked(auth: AuthSettings) -> None:
    g = gate(auth, Clock())
    for i in range(5):
        assert g.attempt(f"user{i}", "guess", "10.9.9.9").wait == 0
    assert g.attempt("alice", PASSWORD, "10.9.9.9").wait > 0  # this client is locked for every name
    assert g.attempt("alice", PASSWORD, "10.1.1.1").account is not None  # others are not


def test_unknown_names_count_and_lock_like_known_ones(auth: AuthSettings) -> None:
    clock = Clock()
    known, unknown = gate(auth, clock), gate(auth, clock)
    results = {"known": [known.attempt("alice", "bad", f"a{i}") for i in range(6)],
               "unknown": [unknown.attempt("mallory", "bad", f"b{i}") for i in range(6)]}
    assert [o.wait > 0 for o in results["known"]] == [o.wait > 0 for o in results["unknown"]] == [False] * 5 + [True]


def test_unknown_name_takes_as_long_as_a_wrong_password(tmp_path: Path) -> None:
    auth = Settings(users_file=tmp_path / "users.toml", bcrypt_rounds=10, max_failed_signins=100).auth
    UsersFile(auth.users_file).add("alice", frozenset(), hash_password(PASSWORD, 10))
    g = Gate(auth)

    def took(name: str) -> float:
        start = time.perf_counter()
        g.attempt(name, "wrong password", "local")
        return time.perf_counter() - start

    took("nobody")  # the dummy hash is made once
    known = min(took("alice") for _ in range(3))
    unknown = min(took("nobody") for _ in range(3))
    assert unknown > known * 0.5  # a bcrypt check each (~60 ms at cost 10), not a quick "no such user"


def test_success_clears_the_name_count(auth: AuthSettings) -> None:
    g = gate(auth, Clock())
    for _ in range(4):
        g.attempt("alice", "bad", "x")
    assert g.attempt("alice", PASSWORD, "y").account is not None
    for _ in range(4):
        g.attempt("alice", "bad", "z")
    assert g.attempt("alice", PASSWORD, "w").account is not None  # 4 + 4 failures: never 5 in a row


def test_failures_far_apart_never_lock_and_the_file_forgets_them(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "failures.json"
    limiter = FailureLimiter(path, 3, 60, clock)
    for _ in range(5):
        limiter.failed("name:alice")
        clock.now += 61
    assert limiter.wait("name:alice") == 0
    limiter.failed("name:bob")
    assert set(json.loads(path.read_text())) == {"name:bob"}  # alice's old count was dropped
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_an_unwritable_failures_file_still_limits_in_this_process(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be")
    limiter = FailureLimiter(blocked / "failures.json", 2, 60, Clock())
    limiter.failed("name:alice")
    limiter.failed("name:alice")
    assert limiter.wait("name:alice") == pytest.approx(60)


def test_a_damaged_failures_file_starts_afresh(tmp_path: Path) -> None:
    path = tmp_path / "failures.json"
    path.write_text("{not json")
    limiter = FailureLimiter(path, 2, 60, Clock())
    assert limiter.wait("name:alice") == 0
    limiter.failed("name:alice")
    assert json.loads(path.read_text())["name:alice"][0] == 1


def test_sessions_end_absolute_and_idle() -> None:
    auth = Settings(session_minutes=480, idle_minutes=60).auth
    start = 1_000_000.0
    s = Session(User("alice"), "users", start, start)
    assert s.ended(start + 59 * 60, auth) is None
    assert "without activity" in (s.ended(start + 61 * 60, auth) or "")
    busy = s
    for minute in range(30, 481, 30):  # active every half hour: idle never ends it
        assert busy.ended(start + minute * 60, auth) is None
        busy = busy.touched(start + minute * 60, busy.user)
    assert "8 hours at most" in (busy.ended(start + 481 * 60, auth) or "")
