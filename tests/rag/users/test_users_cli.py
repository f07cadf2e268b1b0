"""`python -m rag.users` as an admin runs it: a real process, its exit codes and one-line errors."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from rag.settings import PROJECT_ROOT
from rag.users.__main__ import main
from rag.users.passwords import verify
from rag.users.store import UsersFile


@pytest.fixture
def users_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restore_logging: None) -> Path:
    for key in list(os.environ):
        if key.upper().startswith("RAG_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("RAG_CONFIG", str(tmp_path / "no-rag.toml"))
    monkeypatch.setenv("RAG_LOG_FILE", str(tmp_path / "log" / "rag.log"))
    monkeypatch.setenv("RAG_USERS_FILE", str(tmp_path / "users.toml"))
    monkeypatch.setenv("RAG_BCRYPT_ROUNDS", "4")
    return tmp_path / "users.toml"


def run(*args: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rag.users", *args], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=60, input=password, env=os.environ.copy())


def users(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str,
          password: str = "") -> tuple[int, str, str]:
    """The same command in this process (fast), the password on stdin."""
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_add_list_passwd_remove_in_a_real_process(users_file: Path) -> None:
    added = run("add", "alice", "--groups", "hr,admins", "--password-stdin", password="first password\n")
    assert added.returncode == 0, added.stderr
    assert "added alice (groups: admins, hr)" in added.stdout
    assert stat.S_IMODE(users_file.stat().st_mode) == 0o600
    listed = run("list")
    assert listed.returncode == 0 and listed.stdout == "alice  admins,hr\n"
    assert "$2b$" not in listed.stdout + listed.stderr  # never a hash
    old = UsersFile(users_file).get("alice").password_hash  # type: ignore[union-attr]
    changed = run("passwd", "alice", "--password-stdin", password="second password\n")
    assert changed.returncode == 0, changed.stderr
    new = UsersFile(users_file).get("alice").password_hash  # type: ignore[union-attr]
    assert verify("second password", new, 4) and not verify("first password", new, 4) and new != old
    assert run("remove", "alice").returncode == 0
    assert UsersFile(users_file).load() == {}


def test_bad_input_is_one_line_and_exit_2(users_file: Path) -> None:
    bad = run("add", "bad\x1bname", "--password-stdin", password="long enough password\n")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "\x1b" not in bad.stderr
    assert bad.stderr.startswith("users: user name 'bad\\x1bname'")
    short = run("add", "alice", "--password-stdin", password="short\n")
    assert short.returncode == 2 and "too short: at least 10 characters" in short.stderr
    no_terminal = run("add", "alice")  # stdin is not a terminal: nothing to ask on
    assert no_terminal.returncode == 2 and "--password-stdin" in no_terminal.stderr
    assert not users_file.exists()  # nothing was written by any of them


def test_duplicate_add_is_refused_before_the_password(users_file: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert users(monkeypatch, capsys, "add", "alice", "--password-stdin", password="first password")[0] == 0
    before = users_file.read_bytes()
    code, _, err = users(monkeypatch, capsys, "add", "ALICE", "--password-stdin", password="other password")
    assert code == 2 and err == "users: user 'alice' exists already (change it with `passwd` or `groups`)\n"
    assert users_file.read_bytes() == before


def test_groups_show_and_set(users_file: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    users(monkeypatch, capsys, "add", "bob", "--groups", "staff", "--password-stdin", password="bob's password")
    assert users(monkeypatch, capsys, "groups", "bob")[1] == "bob: staff\n"
    assert users(monkeypatch, capsys, "groups", "bob", "--set", "hr, admins")[1] == "bob: admins, hr\n"
    assert UsersFile(users_file).get("bob").user.is_admin  # type: ignore[union-attr]
    assert users(monkeypatch, capsys, "groups", "bob", "--set", "")[1] == "bob: none\n"
    code, _, err = users(monkeypatch, capsys, "groups", "bob", "--set", "a b")
    assert code == 2 and "group 'a b'" in err


def test_unknown_user_and_broken_file(users_file: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = users(monkeypatch, capsys, "passwd", "carol", "--password-stdin", password="whatever it is")
    assert code == 2 and "no user named 'carol'" in err
    users_file.write_text('[users."x"]\ngroups = []\npassword = "plain"\n', encoding="utf-8")
    code, _, err = users(monkeypatch, capsys, "list")
    assert code == 2 and "not a bcrypt hash" in err and str(users_file) in err


def test_the_password_is_asked_twice_on_a_terminal(users_file: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    import getpass
    import io

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    answers = iter(["typed password", "typed pasword"])
    monkeypatch.setattr(sys, "stdin", Terminal())
    monkeypatch.setattr(getpass, "getpass", lambda prompt: next(answers))
    assert main(["add", "erin"]) == 2
    assert capsys.readouterr().err == "users: the two passwords differ; nothing was changed\n"
    assert not users_file.exists()
    answers = iter(["typed password", "typed password"])
    assert main(["add", "erin"]) == 0
    assert verify("typed password", UsersFile(users_file).get("erin").password_hash, 4)  # type: ignore[union-attr]
