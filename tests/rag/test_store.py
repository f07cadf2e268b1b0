"""Contract tests for the vector store (rag.store.ChromaStore), run against an embedded folder and a
real Chroma server reached over HTTP, in the spirit of Haystack's document-store contract tests."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import docx
import numpy as np
import pytest

from ingest.sync import chunk_settings, run_sync
from rag.embeddings import SentenceTransformerEmbedder
from rag.errors import StoreMismatch
from rag.query.retriever import build_where
from rag.settings import PROJECT_ROOT, Settings
from rag.store.catalog import FileRecord
from rag.store.chroma import ChromaStore, Metadata, open_store, where_all
from rag.store.knowledge_base import KnowledgeBase, store_fingerprint
from tests.processes import stop

CHROMA_CLI = PROJECT_ROOT / ".venv" / "bin" / "chroma"
DIM = 8


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


@pytest.fixture(params=["persistent", "server"])
def store_settings(request: pytest.FixtureRequest, make_settings: Callable[..., Settings]) -> Settings:
    if request.param == "persistent":
        return make_settings()
    port = request.getfixturevalue("chroma_server")
    # One collection per test: the server outlives the test, the collection name keeps tests apart.
    return make_settings(chroma_host="127.0.0.1", chroma_port=port, collection=f"t-{uuid.uuid4().hex[:12]}")


@pytest.fixture
def store(store_settings: Settings) -> Iterator[ChromaStore]:
    s = open_store(store_settings.store)
    yield s
    s.reset()  # leaves an empty collection on the shared server, not thousands of rows


def _vectors(n: int, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


# A small corpus shaped like the sync's metadata: two folders, two kinds, pages on PDFs only.
FILES = {
    "a.pdf": {"folder": "", "kind": "pdf"},
    "docs/b.pdf": {"folder": "docs", "kind": "pdf"},
    "docs/c.docx": {"folder": "docs", "kind": "docx"},
    "docs/sub/d.docx": {"folder": "docs/sub", "kind": "docx"},
    "other/e.docx": {"folder": "other", "kind": "docx"},
}


def _fill(store: ChromaStore, per_file: int = 3) -> dict[str, Metadata]:
    ids: list[str] = []
    docs: list[str] = []
    metas: list[Metadata] = []
    for rel, extra in FILES.items():
        for i in range(per_file):
            meta: Metadata = {"file": rel, "chunk_index": i, "doc_version": "v1", **extra}
            if extra["kind"] == "pdf":
                meta["page"] = i + 1
            ids.append(f"{rel}#{i}")
            docs.append(f"text {i} of {rel}")
            metas.append(meta)
    store.upsert(ids, _vectors(len(ids)), docs, metas)
    return dict(zip(ids, metas, strict=True))


def _index_for(settings: Settings, store: ChromaStore) -> KnowledgeBase:
    """A real KnowledgeBase whose manifest lists FILES: build_where resolves folder prefixes through it."""
    index = KnowledgeBase(settings, store=store)
    for rel, extra in FILES.items():
        index.manifest.files[rel] = FileRecord("v1", 0, 0, 3, 1, extra["kind"])
    return index


def test_empty_store(store: ChromaStore) -> None:
    assert store.count() == 0
    assert store.fingerprint() == {}
    assert store.ids() == []
    assert store.get().ids == []
    assert store.get(ids=[]).ids == []
    assert store.query(_vectors(1)[0], 5) == []


def test_upsert_get_roundtrip_keeps_documents_metadata_and_vectors(store: ChromaStore) -> None:
    vecs = _vectors(3)
    metas: list[Metadata] = [
        {"file": "x.pdf", "page": 1, "score": 0.5, "flag": True, "heading": "Intro"},
        {"file": "x.pdf", "page": 2, "score": 1.5, "flag": False, "heading": ""},
        {"file": "中文/报销.docx", "page": 3, "score": -2.0, "flag": True, "heading": "第一章"},
    ]
    store.upsert(["1", "2", "3"], vecs, ["one", "two", "三"], metas)
    assert store.count() == 3
    got = store.get(ids=["3", "1"], embeddings=True)
    assert sorted(got.ids) == ["1", "3"]
    by_id = {cid: (doc, meta, vec) for cid, doc, meta, vec in
             zip(got.ids, got.documents, got.metadatas, got.embeddings, strict=True)}  # type: ignore[arg-type]
    assert by_id["3"][0] == "三" and by_id["3"][1] == metas[2]
    assert by_id["1"][1] == metas[0]
    # Types survive the trip (a bool must not come back as 1, a page as 1.0).
    assert type(by_id["1"][1]["flag"]) is bool and type(by_id["1"][1]["page"]) is int
    np.testing.assert_allclose(by_id["1"][2], vecs[0], atol=1e-6)
    np.testing.assert_allclose(by_id["3"][2], vecs[2], atol=1e-6)
    assert got.embeddings is not None and got.embeddings.dtype == np.float32

    # Upsert of an existing id updates it in place: no duplicate, new text, values and vector. (Chroma
    # merges metadata keys rather than replacing the dict; harmless here, as chunk ids are content hashes.)
    store.upsert(["2"], vecs[:1], ["two v2"], [{"file": "y.pdf", "page": 9}])
    assert store.count() == 3
    again = store.get(ids=["2"], embeddings=True)
    assert again.documents == ["two v2"]
    assert again.metadatas[0]["file"] == "y.pdf" and again.metadatas[0]["page"] == 9
    np.testing.assert_allclose(again.embeddings[0], vecs[0], atol=1e-6)  # type: ignore[index]
    assert sorted(store.ids()) == ["1", "2", "3"]
    # Unknown ids are simply absent.
    assert store.get(ids=["nope"]).ids == []


def test_query_is_cosine_similarity_best_first(store: ChromaStore) -> None:
    vecs = _vectors(20, seed=1)
    ids = [f"c{i}" for i in range(20)]
    store.upsert(ids, vecs, ids, [{"file": "f.pdf"} for _ in ids])
    hits = store.query(vecs[7], 5)
    assert len(hits) == 5
    assert hits[0][0] == "c7" and hits[0][1] == pytest.approx(1.0, abs=1e-4)
    sims = [s for _, s in hits]
    assert sims == sorted(sims, reverse=True)
    expected = sorted(range(20), key=lambda i: -float(vecs[i] @ vecs[7]))[:5]
    assert [cid for cid, _ in hits] == [f"c{i}" for i in expected]
    for cid, sim in hits:
        assert sim == pytest.approx(float(vecs[int(cid[1:])] @ vecs[7]), abs=1e-4)
    # Cosine space: a scaled query scores the same (an L2 space would not), its opposite scores -1.
    scaled = store.query(vecs[7] * 5.0, 1)
    assert scaled[0][0] == "c7" and scaled[0][1] == pytest.approx(1.0, abs=1e-4)
    opposite = store.query(-vecs[7], 20)
    assert opposite[-1][0] == "c7" and opposite[-1][1] == pytest.approx(-1.0, abs=1e-4)
    # k larger than the collection returns what there is; k <= 0 returns nothing.
    assert len(store.query(vecs[0], 50)) == 20
    assert store.query(vecs[0], 0) == []


@pytest.mark.parametrize(
    ("filters", "expected_files"),
    [
        ({"file": "a.pdf"}, {"a.pdf"}),
        ({"file": ["a.pdf", "docs/c.docx"]}, {"a.pdf", "docs/c.docx"}),
        ({"folder": "docs"}, {"docs/b.pdf", "docs/c.docx", "docs/sub/d.docx"}),
        ({"folder": ["docs/sub", "other/"]}, {"docs/sub/d.docx", "other/e.docx"}),
        ({"kind": "docx"}, {"docs/c.docx", "docs/sub/d.docx", "other/e.docx"}),
        ({"kind": ["pdf", "docx"], "folder": "docs"}, {"docs/b.pdf", "docs/c.docx", "docs/sub/d.docx"}),
        ({"folder": "docs", "kind": "docx", "file": ["docs/c.docx", "a.pdf"]}, {"docs/c.docx"}),
    ],
)
def test_where_from_build_where_restricts_get_ids_query_and_delete(
    store: ChromaStore, store_settings: Settings, filters: dict[str, object], expected_files: set[str]
) -> None:
    metas = _fill(store)
    where = build_where(filters, _index_for(store_settings, store))
    expected_ids = {cid for cid, m in metas.items() if m["file"] in expected_files}

    assert set(store.ids(where)) == expected_ids
    got = store.get(where=where)
    assert set(got.ids) == expected_ids
    assert {m["file"] for m in got.metadatas} == expected_files
    hits = store.query(_vectors(1, seed=9)[0], 100, where)
    assert {cid for cid, _ in hits} == expected_ids

    store.delete(where=where)
    assert set(store.ids()) == set(metas) - expected_ids


def test_where_operators_used_by_the_index(store: ChromaStore) -> None:
    metas = _fill(store)
    assert set(store.ids({"page": {"$gte": 2}})) == {c for c, m in metas.items() if int(m.get("page", 0)) >= 2}
    assert where_all(file="a.pdf", kind=None) == {"file": "a.pdf"}
    assert where_all() is None
    both = where_all(file="a.pdf", page=3)
    assert store.ids(both) == ["a.pdf#2"]
    # How KnowledgeBase.replace_file drops a file's other versions: $and with $ne.
    store.upsert(["a.pdf#new"], _vectors(1), ["new"], [{"file": "a.pdf", "doc_version": "v2", "kind": "pdf"}])
    store.delete(where={"$and": [{"file": "a.pdf"}, {"doc_version": {"$ne": "v2"}}]})
    assert store.ids({"file": "a.pdf"}) == ["a.pdf#new"]
    assert store.count() == len(metas) - 3 + 1


def test_delete_by_ids(store: ChromaStore) -> None:
    metas = _fill(store)
    store.delete(ids=["a.pdf#0", "docs/b.pdf#1", "not-there"])
    assert set(store.ids()) == set(metas) - {"a.pdf#0", "docs/b.pdf#1"}
    count = store.count()
    store.delete(ids=[])  # an empty id list deletes nothing (Chroma alone would reject or wipe)
    store.delete()  # neither ids nor where: nothing
    assert store.count() == count


def test_batches_larger_than_one_chroma_batch(store: ChromaStore) -> None:
    """Every call must split into batches under the client's limit and page through results."""
    assert 0 < store.max_batch <= int(store.client.get_max_batch_size())  # the real cap fits the server
    # A smaller cap forces every path through several batches at a fraction of 5000+ rows' cost.
    store.max_batch = 300
    n = 2 * store.max_batch + 37
    ids = [f"id{i:05d}" for i in range(n)]
    vecs = _vectors(n, seed=3)
    store.upsert(ids, vecs, ids, [{"file": f"f{i % 2}.pdf", "kind": "pdf"} for i in range(n)])
    assert store.count() == n
    assert sorted(store.ids()) == ids
    assert sorted(store.ids({"kind": "pdf"})) == ids  # a where that matches more than one page
    everything = store.get(embeddings=True)
    assert sorted(everything.ids) == ids
    assert everything.embeddings is not None and everything.embeddings.shape == (n, DIM)
    row = everything.ids.index("id00042")
    np.testing.assert_allclose(everything.embeddings[row], vecs[42], atol=1e-6)
    by_ids = store.get(ids=ids)
    assert sorted(by_ids.ids) == ids and len(by_ids.documents) == n
    assert len(store.get(where={"file": "f1.pdf"}).ids) == n // 2
    store.delete(ids=ids[:-5])
    assert sorted(store.ids()) == ids[-5:]
    store.reset()
    assert store.count() == 0


def test_fingerprint_lives_in_collection_metadata(store: ChromaStore, store_settings: Settings) -> None:
    fp: dict[str, str | int | bool] = {"embed_model": "m", "embed_dim": DIM, "embed_normalized": True}
    store.set_fingerprint(fp)
    assert store.fingerprint() == fp
    assert store.collection.metadata["fp_embed_model"] == "m"
    store.set_fingerprint({"chunk_tokens": 160, "embed_model": "m2"})  # merges, later value wins
    assert store.fingerprint() == {**fp, "chunk_tokens": 160, "embed_model": "m2"}
    # Recorded with the collection, not in the process: a new client sees it.
    assert open_store(store_settings.store).fingerprint() == store.fingerprint()
    store.upsert(["1"], _vectors(1), ["x"], [{"file": "x"}])
    store.reset()  # a reset store is a new, unmarked one
    assert store.count() == 0 and store.fingerprint() == {}
    assert open_store(store_settings.store).fingerprint() == {}


def test_fingerprint_mismatch_is_refused_with_reindex_hint(
    store_settings: Settings, embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    docs = tmp_path / "few"
    docs.mkdir()
    d = docx.Document()
    d.add_paragraph("The lighthouse keeper logs every passing ship in the harbour register.")
    d.save(str(docs / "note.docx"))
    index = KnowledgeBase(store_settings, embedder=embedder)  # opens the store through open_store(settings)
    other = {"embed_model": "BAAI/bge-small-en-v1.5", "embed_dim": 384, "embed_normalized": True}
    index.store.set_fingerprint(other)
    with pytest.raises(StoreMismatch, match="--reindex") as err:
        run_sync(store_settings, docs, progress=False, index=index)
    assert "embed_model" in str(err.value)
    assert index.store.count() == 0 and index.store.fingerprint() == other  # refused before any write

    report = run_sync(store_settings, docs, progress=False, index=index, reindex=True)
    assert report.added == ["note.docx"] and index.store.count() == report.chunks > 0
    expected = store_fingerprint(embedder, chunk_settings(store_settings, embedder))
    assert index.store.fingerprint() == expected
    assert open_store(store_settings.store).fingerprint() == expected
    index.store.reset()
