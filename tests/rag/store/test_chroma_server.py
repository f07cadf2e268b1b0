"""The store contract on a real `chroma run` server reached over HTTP (HttpClient), started here on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from rag.embeddings import SentenceTransformerEmbedder
from rag.settings import Settings
from rag.store.chroma import ChromaStore
from rag.store.knowledge_base import KnowledgeBase
from tests.processes import stop
from tests.rag.store.chroma_contract import ChromaStoreContract
from tests.rag.store.contract import FILES, fill

CHROMA_CLI = Path(sys.executable).parent / "chroma"  # the CLI of the environment running the tests


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _heartbeat(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1) as r:
            return bool(r.status == 200)
    except OSError:
        return False


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A real `chroma run` server for this module; its port. Skipped (with the reason) if it cannot start."""
    if not CHROMA_CLI.exists():
        pytest.skip(f"no chroma CLI at {CHROMA_CLI}: cannot test the HttpClient store")
    path = tmp_path_factory.mktemp("chroma-server")
    port = _free_port()
    log = (path / "server.log").open("wb")
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    proc = subprocess.Popen(
        [str(CHROMA_CLI), "run", "--path", str(path / "data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env=env,
    )
    try:
        # Startup wait only (not an assertion): a slow machine just waits longer, up to a minute.
        deadline = time.monotonic() + 60
        while not _heartbeat(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = (path / "server.log").read_text(errors="replace")[-400:]
                pytest.skip(f"`chroma run` did not start (exit code {proc.poll()}): {tail!r}")
            time.sleep(0.2)
        yield port
    finally:
        stop(proc, timeout=10)
        log.close()


@pytest.fixture
def server_settings(chroma_server: int, make_settings: Callable[..., Settings]) -> Settings:
    # One collection per test: the server outlives the test, the collection name keeps tests apart.
    return make_settings(chroma_host="127.0.0.1", chroma_port=chroma_server, collection=f"t-{uuid.uuid4().hex[:12]}")


class TestChromaServer(ChromaStoreContract):
    @pytest.fixture
    def open_store(self, server_settings: Settings) -> Callable[[], ChromaStore]:
        return lambda: ChromaStore(server_settings.store)

    def test_settings_with_a_host_put_the_rows_on_the_server(
        self, server_settings: Settings, embedder: SentenceTransformerEmbedder
    ) -> None:
        index = KnowledgeBase(server_settings, embedder=embedder)  # the store from the settings alone
        fill(index.store)
        try:
            assert ChromaStore(server_settings.store).count() == 3 * len(FILES)
            assert not (server_settings.store.path / "chroma").exists()  # nothing embedded on the side
        finally:
            index.store.reset()
