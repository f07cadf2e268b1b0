"""Signing in for real: `streamlit run` in `users` and `proxy` mode, Chromium, the real models behind it.

Needs Debian's Chromium (`make browser`); each page loads the default models once it lets someone in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.auth import WRONG
from tests.app.pagekit import PASSWORD, add_users
from tests.app.test_browser import (
    ANSWER_TIMEOUT_MS,
    CHROMIUM,
    CHROMIUM_ARGS,
    ingested_store,
    sample_store,
    streamlit_page,
)
from tests.rag.test_access import FORBIDDEN, QUESTIONS, write_docs

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found: install it with `make browser`"),
]


@pytest.fixture(scope="module")
def store_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return sample_store(tmp_path_factory.mktemp("kb"))


@pytest.fixture
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def test_sign_in_with_a_password_in_chromium(store_env: dict[str, str], tmp_path: Path, chromium: object) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(chromium, Browser)
    users = add_users(tmp_path / "users.toml", {"erin": {"staff"}})
    env = {**store_env, "RAG_AUTH_MODE": "users", "RAG_USERS_FILE": str(users), "RAG_BCRYPT_ROUNDS": "4"}
    with streamlit_page(env, tmp_path / "streamlit.log") as url:
        page = chromium.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        name, password = page.get_by_role("textbox", name="User name"), page.get_by_role("textbox", name="Password")
        name.fill("erin")
        password.fill("not the password")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text(WRONG)).to_be_visible(timeout=30_000)
        assert page.get_by_test_id("stChatInputTextArea").count() == 0
        assert page.get_by_test_id("stSidebar").count() == 0  # nothing of the knowledge base shows

        name.fill("erin")
        password.fill(PASSWORD)
        password.press("Enter")
        page.get_by_test_id("stChatInputTextArea").wait_for(timeout=ANSWER_TIMEOUT_MS)  # models loaded
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar).to_contain_text("Signed in as erin")
        expect(sidebar).to_contain_text("Documents")
        assert not [c for c in page.context.cookies() if "erin" in c["value"]]  # the sign-in stays on the server

        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=30_000)
        assert page.get_by_test_id("stChatInputTextArea").count() == 0


def test_proxy_headers_in_chromium(store_env: dict[str, str], tmp_path: Path, chromium: object) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(chromium, Browser)
    env = {**store_env, "RAG_AUTH_MODE": "proxy"}
    with streamlit_page(env, tmp_path / "streamlit.log") as url:
        direct = chromium.new_page()
        direct.goto(url)
        expect(direct.get_by_text("Sign-in needed")).to_be_visible(timeout=30_000)
        assert direct.get_by_test_id("stChatInputTextArea").count() == 0

        # What oauth2-proxy adds to every request it passes on, the page's websocket included.
        proxied = chromium.new_context(extra_http_headers={"X-Forwarded-User": "frank",
                                                           "X-Forwarded-Groups": "admins,hr"}).new_page()
        proxied.goto(url)
        proxied.get_by_test_id("stChatInputTextArea").wait_for(timeout=ANSWER_TIMEOUT_MS)
        sidebar = proxied.get_by_test_id("stSidebar")
        expect(sidebar).to_contain_text("Signed in as frank")
        expect(sidebar).to_contain_text("Admin: add documents")  # frank is in admins


def test_two_users_see_only_their_documents_in_chromium(tmp_path: Path, chromium: object) -> None:
    """Access rules for real: the CLI ingests HR and open files, Chromium signs in as each user."""
    from playwright.sync_api import Browser, expect

    assert isinstance(chromium, Browser)
    env = ingested_store(tmp_path, write_docs)
    users = add_users(tmp_path / "users.toml", {"ada": {"hr"}, "bob": {"staff"}})
    env.update({"RAG_AUTH_MODE": "users", "RAG_USERS_FILE": str(users), "RAG_BCRYPT_ROUNDS": "4"})
    question = QUESTIONS[1]  # its answer is in an HR file only
    with streamlit_page(env, tmp_path / "streamlit.log") as url:
        bob = signed_in_page(chromium, url, "bob")
        sidebar = bob.get_by_test_id("stSidebar")
        expect(sidebar).to_contain_text("Documents (2)")
        box = bob.get_by_test_id("stChatInputTextArea")
        box.fill(question)
        box.press("Enter")
        done = bob.locator('[class*="st-key-card-t0"]').or_(bob.get_by_text("The documents don't say."))
        done.first.wait_for(timeout=ANSWER_TIMEOUT_MS)
        shown = bob.inner_text("body").replace(question, "")
        assert not FORBIDDEN.search(shown), FORBIDDEN.search(shown)
        html = bob.content()
        assert not re.search(r"400,000|95,000|Quokka|Alice Moreau|salaries\.docx|reviews\.docx", html)

        ada = signed_in_page(chromium, url, "ada")
        expect(ada.get_by_test_id("stSidebar")).to_contain_text("Documents (4)")
        ada.get_by_test_id("stSidebar").get_by_text("Documents (4)").click()
        expect(ada.get_by_test_id("stSidebar")).to_contain_text("hr/salaries.docx")


def signed_in_page(chromium: Any, url: str, name: str) -> Any:
    """A new browser context (its own session) signed in as `name`, once the chat box shows."""
    page = chromium.new_context().new_page()
    page.goto(url)
    page.get_by_role("textbox", name="User name").fill(name)
    password = page.get_by_role("textbox", name="Password")
    password.fill(PASSWORD)
    password.press("Enter")
    page.get_by_test_id("stChatInputTextArea").wait_for(timeout=ANSWER_TIMEOUT_MS)
    return page
