"""Who is asking, settled before anything else renders (`auth_mode`):

- `open`: nobody is asked; everyone is the anonymous user (no groups, not an admin).
- `users`: a sign-in form checked against the users file; nothing else shows until it succeeds.
- `proxy`: the reverse proxy's user and group headers; a request without them is refused, never let in.
- `auto`: `users` when the users file exists, else `open`.

The sign-in lives in this browser tab's session (`_KEY`, server side: nothing is stored in the browser);
a reload asks again. It ends after `session_minutes` (absolute), after `idle_minutes` without an action,
when the user's password changes or the user is removed; group changes apply at the next action.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Literal, NoReturn

import streamlit as st

from app.text import escape_md
from rag.errors import InvalidInput
from rag.logs import report_error
from rag.settings import AuthSettings, Settings
from rag.users import ANONYMOUS, User
from rag.users.names import MAX_NAME_CHARS
from rag.users.proxy import user_from_headers
from rag.users.session import Session
from rag.users.signin import Gate

logger = logging.getLogger(__name__)

_KEY = "auth"  # the Session, or the reason the last one ended
WRONG = "Wrong user name or password."
Mode = Literal["open", "users", "proxy"]


def mode(auth: AuthSettings) -> Mode:
    if auth.mode == "auto":
        return "users" if auth.users_file.is_file() else "open"
    return auth.mode


def sign_in(settings: Settings) -> User:
    """The user of this run; in `users` and `proxy` mode the run stops here until someone is signed in."""
    auth = settings.auth
    now = time.time()
    how = mode(auth)
    if how == "open":
        st.session_state[_KEY] = Session(ANONYMOUS, "open", now, now)
        return ANONYMOUS
    if how == "proxy":
        return _from_proxy(auth, now)
    return _from_password(auth, now)


def current_user() -> User:
    """The user `sign_in` settled for this session, for the page's other parts."""
    session = st.session_state.get(_KEY)
    if not isinstance(session, Session):
        raise RuntimeError("nobody is signed in: app.auth.sign_in runs first")
    return session.user


def sign_out() -> None:
    """Forget the whole session, the conversation included: the next person at this screen sees nothing."""
    st.session_state.clear()


def account(user: User, auth: AuthSettings) -> None:
    """Who is signed in, with the way out (in the sidebar)."""
    session = st.session_state.get(_KEY)
    if user.anonymous or not isinstance(session, Session):
        return
    groups = ", ".join(sorted(user.groups)) or "none"
    with st.sidebar:
        st.caption(f"Signed in as **{escape_md(user.name)}**  \nGroups: {escape_md(groups)}")
        if session.via == "users":
            st.button("Sign out", on_click=sign_out, key="sign_out", icon=":material/logout:", width="stretch")
        elif auth.proxy_sign_out_url:  # the proxy holds the sign-in: signing out is its job
            st.link_button("Sign out", auth.proxy_sign_out_url, icon=":material/logout:", width="stretch")


def request_headers() -> list[tuple[str, str]]:
    """The headers of the request that opened this session, every value of a repeated one."""
    headers = st.context.headers
    return [(name, value) for name in headers for value in headers.get_all(name)]


def client_address() -> str:
    # None for a browser on this machine; behind a proxy on this machine, the address it forwards.
    address = st.context.ip_address
    return address if isinstance(address, str) and address else "local"


def _from_proxy(auth: AuthSettings, now: float) -> User:
    try:
        user = user_from_headers(request_headers(), auth.proxy_user_header, auth.proxy_groups_header)
    except InvalidInput as e:
        logger.warning("page refused: %s", e)
        st.error(f"Sign-in needed: {escape_md(str(e))}.", icon=":material/lock:")
        st.stop()
    session = st.session_state.get(_KEY)
    if isinstance(session, str):
        _stop_ended(session + " Reload the page to sign in again.")
    if not isinstance(session, Session) or session.via != "proxy" or session.user.name != user.name:
        logger.info("signed in through the proxy: %s, groups %s", user.name, sorted(user.groups))
        session = Session(user, "proxy", now, now)
    ended = session.ended(now, auth)
    if ended:
        sign_out()
        st.session_state[_KEY] = ended
        _stop_ended(ended + " Reload the page to sign in again.")
    st.session_state[_KEY] = session.touched(now, user)
    return user


def _stop_ended(text: str) -> NoReturn:
    st.info(escape_md(text), icon=":material/lock_clock:")
    st.stop()


def _from_password(auth: AuthSettings, now: float) -> User:
    gate = _gate(auth)
    session = st.session_state.get(_KEY)
    notice = session if isinstance(session, str) else None
    try:
        if isinstance(session, Session) and session.via == "users":
            found = gate.users.get(session.user.name)
            ended = session.ended(now, auth)
            if ended is None and (found is None or found.stamp != session.stamp):
                ended = "You were signed out: your account was changed or removed."
            if ended is None and found is not None:
                st.session_state[_KEY] = session.touched(now, found.user)
                return found.user
            logger.info("session of %s ended: %s", session.user.name, ended)
            sign_out()
            st.session_state[_KEY] = notice = ended
        _form(gate, notice, now)
    except InvalidInput as e:  # a broken users file lets nobody in
        st.error(f"Sign-in is not available: {escape_md(report_error(logger, 'reading the users file', e))}",
                 icon=":material/error:")
    st.stop()


def _form(gate: Gate, notice: str | None, now: float) -> None:
    st.title("Sign in")
    st.caption("The knowledge base answers from the company's documents to the people signed in.")
    if not gate.users.load():
        st.warning("Nobody can sign in yet: an admin adds users with `python -m rag.users add NAME`.")
        return
    if notice:
        st.info(escape_md(notice), icon=":material/lock_clock:")
    with st.form("sign_in", clear_on_submit=True, enter_to_submit=True):
        name = st.text_input("User name", key="sign_in_name", max_chars=MAX_NAME_CHARS, autocomplete="username")
        password = st.text_input("Password", key="sign_in_password", type="password",
                                 autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary", key="sign_in_submit")
    if not submitted:
        return
    outcome = gate.attempt(name, password, client_address())
    if outcome.account is not None:
        sign_out()  # a fresh session: nothing of an earlier user's stays
        st.session_state[_KEY] = Session(outcome.account.user, "users", now, now, outcome.account.stamp)
        st.rerun()
    elif outcome.wait:
        st.error(f"Too many failed sign-ins: try again in {_duration(outcome.wait)}.", icon=":material/lock:")
    else:
        st.error(WRONG, icon=":material/error:")


def _duration(seconds: float) -> str:
    whole = math.ceil(seconds)
    return f"{whole} s" if whole < 120 else f"{math.ceil(whole / 60)} minutes"


@st.cache_resource(show_spinner=False)
def _gate(auth: AuthSettings) -> Gate:
    """One per server process and settings: its failure counts are shared by every browser session."""
    return Gate(auth)
