"""Who is asking, on the page: each auth mode, the sign-in form and its locks, sessions ending, sign-out,
and the admin panel for admins only."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from streamlit.testing.v1 import AppTest

import app.auth
import app.engine
from app.auth import WRONG
from app.text import escape_md
from rag.engine import Engine
from rag.users.passwords import hash_password
from rag.users.store import UsersFile
from tests.app.pagekit import MAIN, PASSWORD, SpyEngine, add_users, ask, sign_in, texts

ADMIN_PANEL = "Admin: add documents"


@pytest.fixture
def users_file(tmp_path: Path) -> Path:
    return add_users(tmp_path / "users.toml", {"ada": {"admins", "hr"}, "bob": {"staff"}})


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch, engine: SpyEngine) -> list[int]:
    """Counts the page's engine loads: nothing of the knowledge base may load before a sign-in."""
    calls: list[int] = []

    def get_engine() -> Engine:
        calls.append(1)
        return engine

    monkeypatch.setattr(app.engine, "get_engine", get_engine)
    return calls


@pytest.fixture
def open_page(monkeypatch: pytest.MonkeyPatch, entry_point_log: Path, loads: list[int]) -> Callable[..., AppTest]:
    """A new browser session on the page in `mode` (the users file and other settings as RAG_* variables)."""

    def make(mode: str, **env: str) -> AppTest:
        monkeypatch.setenv("RAG_AUTH_MODE", mode)
        monkeypatch.setenv("RAG_BCRYPT_ROUNDS", "4")
        for key, value in env.items():
            monkeypatch.setenv(f"RAG_{key.upper()}", value)
        app.auth._gate.clear()  # a server started with these settings
        at = AppTest.from_file(str(MAIN), default_timeout=120)
        at.run()
        assert not at.exception, at.exception
        return at

    return make


def signed_out(at: AppTest, loads: list[int]) -> bool:
    """Only the sign-in form shows: no chat, no sidebar, no engine loaded."""
    return (len(at.chat_input) == 0 and len(at.sidebar.metric) == 0 and not loads
            and len(at.text_input) == 2 and at.title[0].value == "Sign in")


def sidebar_user(at: AppTest) -> str | None:
    return next((c.value for c in at.sidebar.caption if c.value.startswith("Signed in as")), None)


def shown(name: str, groups: str) -> str:
    return f"Signed in as **{escape_md(name)}**  \nGroups: {escape_md(groups)}"


def admin_panel(at: AppTest) -> bool:
    return ADMIN_PANEL in [e.label for e in at.sidebar.expander]


def test_open_mode_asks_nobody_and_nobody_is_admin(open_page: Callable[..., AppTest], users_file: Path) -> None:
    at = open_page("open", users_file=str(users_file))  # a users file does not matter in open mode
    assert len(at.chat_input) == 1 and len(at.text_input) == 0
    assert sidebar_user(at) is None and not admin_panel(at)
    assert at.session_state["auth"].user.anonymous


def test_auto_mode_follows_the_users_file(open_page: Callable[..., AppTest], tmp_path: Path,
                                          loads: list[int]) -> None:
    missing = tmp_path / "none.toml"
    assert len(open_page("auto", users_file=str(missing)).chat_input) == 1
    loads.clear()
    add_users(missing, {"carol": set()})
    assert signed_out(open_page("auto", users_file=str(missing)), loads)


def test_users_mode_shows_only_the_form_until_signed_in(open_page: Callable[..., AppTest], users_file: Path,
                                                        loads: list[int]) -> None:
    at = open_page("users", users_file=str(users_file))
    assert signed_out(at, loads)
    sign_in(at, "bob")
    assert len(at.chat_input) == 1 and loads
    assert sidebar_user(at) == shown("bob", "staff")
    assert not admin_panel(at)  # bob is not in admins
    assert at.button(key="sign_out")


def test_wrong_password_and_unknown_name_read_the_same(open_page: Callable[..., AppTest], users_file: Path,
                                                       loads: list[int]) -> None:
    at = open_page("users", users_file=str(users_file))
    sign_in(at, "bob", "not his password")
    wrong_password = [e.value for e in at.error]
    sign_in(at, "nobody", "not his password")
    unknown = [e.value for e in at.error]
    assert wrong_password == unknown == [WRONG]
    assert signed_out(at, loads)


def test_sixth_attempt_is_locked_even_with_the_right_password(open_page: Callable[..., AppTest], users_file: Path,
                                                              loads: list[int]) -> None:
    at = open_page("users", users_file=str(users_file))
    for i in range(5):
        assert [e.value for e in sign_in(at, "bob", f"guess {i}").error] == [WRONG]
    sign_in(at, "bob", PASSWORD)
    assert [e.value for e in at.error] == ["Too many failed sign-ins: try again in 5 minutes."]
    assert signed_out(at, loads)
    # Another browser session is locked out too: the counts belong to the server, not to the tab.
    other = sign_in(open_page("users", users_file=str(users_file)), "ada", PASSWORD)
    assert "Too many failed sign-ins" in other.error[0].value and signed_out(other, loads)


def test_admin_panel_only_for_admins(open_page: Callable[..., AppTest], users_file: Path) -> None:
    ada = sign_in(open_page("users", users_file=str(users_file)), "ada")
    assert admin_panel(ada) and sidebar_user(ada) == shown("ada", "admins, hr")
    bob = sign_in(open_page("users", users_file=str(users_file)), "bob")
    assert not admin_panel(bob) and len(bob.file_uploader) == 0


def test_sign_out_forgets_the_conversation(open_page: Callable[..., AppTest], users_file: Path,
                                           loads: list[int]) -> None:
    at = sign_in(open_page("users", users_file=str(users_file)), "bob")
    ask(at, "How many days of annual leave do full-time employees get?")
    assert len(at.chat_message) == 2
    at.button(key="sign_out").click().run()
    loads.clear()
    assert signed_out(at, loads)
    sign_in(at, "ada")
    assert len(at.chat_message) == 0 and sidebar_user(at) == shown("ada", "admins, hr")


def test_idle_and_absolute_session_ends(open_page: Callable[..., AppTest], users_file: Path, loads: list[int],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1_000_000.0]
    monkeypatch.setattr(app.auth, "time", SimpleNamespace(time=lambda: now[0]))
    at = sign_in(open_page("users", users_file=str(users_file), idle_minutes="10", session_minutes="60"), "bob")
    for _ in range(6):  # active every 9 minutes: the idle limit never ends it
        now[0] += 9 * 60
        at.run()
        assert len(at.chat_input) == 1
    now[0] += 7 * 60  # 61 minutes after the sign-in
    at.run()
    loads.clear()
    assert signed_out(at, loads) and "1 hour at most" in at.info[0].value
    sign_in(at, "bob")
    now[0] += 11 * 60
    at.run()
    loads.clear()
    assert signed_out(at, loads) and "after 10 minutes without activity" in at.info[0].value


def test_password_change_and_removal_end_sessions_group_changes_apply(
    open_page: Callable[..., AppTest], users_file: Path, loads: list[int],
) -> None:
    at = sign_in(open_page("users", users_file=str(users_file)), "bob")
    UsersFile(users_file).set_groups("bob", frozenset({"staff", "admins"}))
    at.run()
    assert admin_panel(at)  # no new sign-in needed
    UsersFile(users_file).set_password("bob", hash_password("a new password", 4))
    at.run()
    loads.clear()
    assert signed_out(at, loads) and "changed or removed" in at.info[0].value
    sign_in(at, "bob", "a new password")
    UsersFile(users_file).remove("bob")
    at.run()
    loads.clear()
    assert signed_out(at, loads)


def test_a_broken_users_file_refuses_everyone(open_page: Callable[..., AppTest], tmp_path: Path,
                                              loads: list[int]) -> None:
    broken = tmp_path / "users.toml"
    broken.write_text("[users\n", encoding="utf-8")
    at = open_page("users", users_file=str(broken))
    assert at.error[0].value.startswith("Sign-in is not available: users file")
    assert len(at.text_input) == 0 and len(at.chat_input) == 0 and not loads


def test_users_mode_without_users_says_how_to_add_one(open_page: Callable[..., AppTest], tmp_path: Path) -> None:
    at = open_page("users", users_file=str(tmp_path / "none.toml"))
    assert "python -m rag.users add NAME" in at.warning[0].value and len(at.text_input) == 0


@pytest.mark.parametrize(("headers", "admin"), [
    ([("X-Forwarded-User", "carol@example.com"), ("X-Forwarded-Groups", "admins,hr")], True),
    ([("X-Forwarded-User", "dave")], False),
])
def test_proxy_mode_trusts_the_headers(open_page: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch,
                                       headers: list[tuple[str, str]], admin: bool) -> None:
    # AppTest cannot send request headers: the page's reader of them is given these.
    monkeypatch.setattr(app.auth, "request_headers", lambda: headers)
    at = open_page("proxy", proxy_sign_out_url="/oauth2/sign_out")
    assert len(at.chat_input) == 1 and admin_panel(at) is admin
    assert sidebar_user(at) == shown(headers[0][1], "admins, hr" if admin else "none")
    assert at.get("link_button")[0].proto.url == "/oauth2/sign_out"
    assert at.session_state["auth"].user.name == headers[0][1]


def test_proxy_mode_without_headers_is_refused(open_page: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch,
                                               loads: list[int]) -> None:
    monkeypatch.setattr(app.auth, "request_headers", lambda: [("Host", "kb.example")])
    at = open_page("proxy")
    assert at.error[0].value.startswith("Sign-in needed: the request came without the X\\-Forwarded\\-User header")
    assert len(at.chat_input) == 0 and len(at.text_input) == 0 and not loads
    assert not any("Documents" in t for t in texts(at))


def test_current_user_for_the_other_page_parts(users_file: Path, monkeypatch: pytest.MonkeyPatch,
                                               entry_point_log: Path) -> None:
    def part_of_the_page() -> None:
        import streamlit as st

        from app import auth
        from rag.settings import get_settings

        auth.sign_in(get_settings())
        st.write(f"asked by {auth.current_user().name} of {sorted(auth.current_user().groups)}")

    monkeypatch.setenv("RAG_AUTH_MODE", "users")
    monkeypatch.setenv("RAG_USERS_FILE", str(users_file))
    at = AppTest.from_function(part_of_the_page, default_timeout=30)
    at.run()
    sign_in(at, "ada")
    assert [m.value for m in at.markdown] == ["asked by ada of ['admins', 'hr']"]


def test_a_proxy_session_ends_too(open_page: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1_000_000.0]
    monkeypatch.setattr(app.auth, "time", SimpleNamespace(time=lambda: now[0]))
    monkeypatch.setattr(app.auth, "request_headers", lambda: [("X-Forwarded-User", "dave")])
    at = open_page("proxy", idle_minutes="10")
    assert len(at.chat_input) == 1
    now[0] += 11 * 60
    at.run()
    assert len(at.chat_input) == 0 and "Reload the page to sign in again" in at.info[0].value
    at.run()  # the same tab stays signed out: only a reload goes through the proxy again
    assert len(at.chat_input) == 0
