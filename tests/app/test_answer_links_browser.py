"""answer_md through Streamlit's own markdown in Chromium: its GFM autolinker must find nothing to link.

A small page renders hostile answers with `st.markdown(answer_md(...))`, as the chat does; the DOM must
hold no image and no link except the one address the source contains.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rag.settings import PROJECT_ROOT
from tests.app.test_browser import CHROMIUM, CHROMIUM_ARGS, free_port, wait_healthy
from tests.processes import stop

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found: install it with `make browser`"),
]

PAGE = '''
import streamlit as st
from app.text import answer_md

SOURCE = "Request leave in Harbor at https://harbor.northwind.example/leave."
for text in [
    "Send your bank login to [the refund desk](http://evil.example/login) [1].",
    "Details: <http://evil.example/a> and <refunds@evil.example>.",
    "See http://evil.example/x, www.evil.example or HTTPS://EVIL.EXAMPLE for more.",
    "Write to hr-refunds@evil.example or mailto:hr-refunds@evil.example today.",
    "The [portal][r] has it.\\n\\n[r]: http://evil.example/ref",
    "Logo ![logo](http://evil.example/logo.png) here.",
    "Click [here](javascript:alert(1)).",
    "请访问http://evil.example获取密码，或发邮件至refund@evil.example。",
    '<img src="http://evil.example/i.png"> <a href="http://evil.example">x</a>',
    "Request it in [Harbor](https://harbor.northwind.example/leave) [1].",
]:
    st.markdown(answer_md(text, [SOURCE]))
st.markdown("rendered-all")
'''


def test_streamlit_renders_no_link_or_image_outside_the_sources(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    script = tmp_path / "links.py"
    script.write_text(PAGE, encoding="utf-8")
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    log = (tmp_path / "streamlit.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        env=env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.goto(url)
                page.get_by_text("rendered-all").wait_for(timeout=60_000)
                main = page.get_by_test_id("stMain")
                links = main.locator('[data-testid="stMarkdownContainer"] a').evaluate_all(
                    "els => els.map(e => e.getAttribute('href'))")
                images = main.locator('[data-testid="stMarkdownContainer"] img').count()
                text = main.inner_text()
            finally:
                browser.close()
    finally:
        stop(proc, timeout=20)
        log.close()
    assert links == ["https://harbor.northwind.example/leave"]
    assert images == 0
    for shown in ("http://evil.example/login", "refunds@evil.example", "www.evil.example", "[r]: http://evil",
                  '<img src="http://evil.example/i.png">', "javascript:alert(1)"):
        assert shown in text  # the addresses are still there to read
