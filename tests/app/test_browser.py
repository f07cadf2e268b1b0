"""The real thing: `streamlit run app/main.py` on a copy of the samples, the real default model, Chromium.

Needs Debian's Chromium (`make browser`); the answer takes 10-60 s on a 2-core CPU.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from rag.settings import PROJECT_ROOT
from tests.processes import stop

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
QUESTION = "How many days of annual leave do full-time employees get?"
ANSWER_TIMEOUT_MS = 300_000  # model loading plus the answer, on a slow CPU

# Counts the distinct partial answers (ending in the streaming cursor) the page showed.
WATCH_STREAMING = """() => {
  window.__streamed = 0;
  const seen = new Set();
  new MutationObserver(() => {
    for (const el of document.querySelectorAll('[data-testid="stChatMessage"]')) {
      const t = el.innerText;
      if (t.includes("\u258c") && !seen.has(t)) { seen.add(t); window.__streamed = seen.size; }
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found: install it with `make browser`"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"streamlit did not answer on {url} within {timeout} s")


def sample_store(root: Path) -> dict[str, str]:
    """A copy of the samples ingested by the CLI under `root`: the environment of a page on them (open mode)."""
    return ingested_store(root, lambda docs: shutil.copytree(PROJECT_ROOT / "data" / "docs", docs))


def ingested_store(root: Path, write: Callable[[Path], object]) -> dict[str, str]:
    """The documents `write` puts in root/docs, ingested by the CLI: the environment of a page on them."""
    docs, store = root / "docs", root / "store"
    write(docs)
    env = {**os.environ, "RAG_DOCS_DIR": str(docs), "RAG_STORE_PATH": str(store), "HF_HUB_OFFLINE": "1",
           "RAG_AUTH_MODE": "open"}
    ingest = subprocess.run([sys.executable, "-m", "ingest", str(docs)], env=env, cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=600)
    assert ingest.returncode == 0, ingest.stderr
    return env


@contextmanager
def streamlit_page(env: dict[str, str], log_path: Path) -> Iterator[str]:
    """`streamlit run app/main.py` with `env` on a free port; its address while it runs."""
    port = free_port()
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app/main.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        env=env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url
    finally:
        stop(proc, timeout=20)
        log.close()
        print(log_path.read_text(errors="replace")[-3000:])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    with streamlit_page(sample_store(tmp_path), tmp_path / "streamlit.log") as url:
        yield url


def test_question_answered_with_source_card_in_chromium(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.goto(server)
            box = page.get_by_test_id("stChatInputTextArea")
            box.wait_for(timeout=ANSWER_TIMEOUT_MS)  # appears once the models are loaded
            expect(page.get_by_test_id("stSidebar")).to_contain_text("Documents")
            page.evaluate(WATCH_STREAMING)
            box.fill(QUESTION)
            box.press("Enter")
            # Source cards replace the streamed text once the verified answer is in.
            card = page.locator('[class*="st-key-card-t0-c"]').filter(has_text="Employee Handbook.pdf")
            card.first.wait_for(timeout=ANSWER_TIMEOUT_MS)
            expect(card.first).to_contain_text("page 3")
            expect(card.first.get_by_role("button", name="Download Employee Handbook.pdf")).to_be_visible()
            answer = page.get_by_test_id("stChatMessage").nth(1)
            expect(answer).to_contain_text("26")
            assert page.evaluate("window.__streamed") > 1, "the answer was not streamed piece by piece"
            with page.expect_download() as download:
                card.first.get_by_role("button", name="Download Employee Handbook.pdf").click()
            original = PROJECT_ROOT / "data" / "docs" / "Employee Handbook.pdf"
            assert download.value.suggested_filename == original.name
            assert Path(download.value.path()).read_bytes() == original.read_bytes()
            time.sleep(0.5)  # let the last layout settle
            page.screenshot(path=str(ARTIFACTS / "app-answer.png"))
        finally:
            browser.close()
