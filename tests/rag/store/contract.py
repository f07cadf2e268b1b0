"""Contract tests of the store protocols (rag/store/protocol.py), as mixins in the spirit of Haystack's
document-store tests: a backend's test class inherits one and provides the fixture that opens it, and gets
the whole suite. The classes are not named Test*, so they run only where a backend subclasses them."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import docx
import numpy as np
import pytest

from ingest.sync import chunk_settings, run_sync
from rag.embeddings import SentenceTransformerEmbedder
from rag.errors import StoreLocked, StoreMismatch
from rag.query.filters import scope
from rag.settings import Settings
from rag.store.catalog import FailedRecord, FileRecord
from rag.store.filters import All, Eq, Filter, In, Ne
from rag.store.knowledge_base import KnowledgeBase, store_fingerprint
from rag.store.protocol import Catalog, LexicalIndex, Metadata, VectorStore, WriterLock

DIM = 8


def vectors(n: int, seed: int = 0) -> np.ndarray:
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


def fill(store: VectorStore, per_file: int = 3) -> dict[str, Metadata]:
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
    store.upsert(ids, vectors(len(ids)), docs, metas)
    return dict(zip(ids, metas, strict=True))


def assert_selects(store: VectorStore, where: Filter, expected_ids: set[str], all_ids: set[str]) -> None:
    """`where` restricts ids, get, query and delete alike to `expected_ids`."""
    assert set(store.ids(where)) == expected_ids
    got = store.get(where=where)
    assert set(got.ids) == expected_ids
    assert {str(m["file"]) for m in got.metadatas} == {cid.split("#")[0] for cid in expected_ids}
    hits = store.query(vectors(1, seed=9)[0], 100, where)
    assert {cid for cid, _ in hits} == expected_ids
    store.delete(where=where)
    assert set(store.ids()) == all_ids - expected_ids


class VectorStoreContract:
    """Subclasses provide `open_store`: each call opens a new client on the same, initially empty data,
    and `small_batches`: lowers the store's per-call limit so a few hundred rows take several calls."""

    @pytest.fixture
    def open_store(self) -> Callable[[], VectorStore]:
        raise NotImplementedError

    @pytest.fixture
    def small_batches(self, store: VectorStore) -> int:
        raise NotImplementedError

    @pytest.fixture
    def store(self, open_store: Callable[[], VectorStore]) -> Iterator[VectorStore]:
        s = open_store()
        yield s
        s.reset()  # a shared server keeps an empty collection, not the test's rows

    def test_empty_store(self, store: VectorStore) -> None:
        assert store.count() == 0
        assert store.fingerprint() == {}
        assert store.ids() == []
        assert store.get().ids == []
        assert store.get(ids=[]).ids == []
        assert store.query(vectors(1)[0], 5) == []

    def test_upsert_get_roundtrip_keeps_documents_metadata_and_vectors(self, store: VectorStore) -> None:
        vecs = vectors(3)
        metas: list[Metadata] = [
            {"file": "x.pdf", "page": 1, "score": 0.5, "flag": True, "heading": "Intro"},
            {"file": "x.pdf", "page": 2, "score": 1.5, "flag": False, "heading": ""},
            {"file": "中文/报销.docx", "page": 3, "score": -2.0, "flag": True, "heading": "第一章"},
        ]
        store.upsert(["1", "2", "3"], vecs, ["one", "two", "三"], metas)
        assert store.count() == 3
        got = store.get(ids=["3", "1"], embeddings=True)
        assert sorted(got.ids) == ["1", "3"]
        assert got.embeddings is not None and got.embeddings.dtype == np.float32
        by_id = {cid: (doc, meta, vec) for cid, doc, meta, vec in
                 zip(got.ids, got.documents, got.metadatas, got.embeddings, strict=True)}
        assert by_id["3"][0] == "三" and by_id["3"][1] == metas[2]
        assert by_id["1"][1] == metas[0]
        # Types survive the trip (a bool must not come back as 1, a page as 1.0).
        assert type(by_id["1"][1]["flag"]) is bool and type(by_id["1"][1]["page"]) is int
        np.testing.assert_allclose(by_id["1"][2], vecs[0], atol=1e-6)
        np.testing.assert_allclose(by_id["3"][2], vecs[2], atol=1e-6)
        assert store.get(ids=["1"]).embeddings is None  # vectors only when asked for
        assert sorted(store.ids()) == ["1", "2", "3"]
        assert store.get(ids=["nope"]).ids == []  # unknown ids are simply absent

    def test_upsert_of_an_existing_id_replaces_it(self, store: VectorStore) -> None:
        vecs = vectors(3)
        store.upsert(["1", "2", "3"], vecs, ["one", "two", "three"], [{"file": "x.pdf", "page": i} for i in range(3)])
        # No duplicate; new text, values and vector. (Chroma merges metadata keys rather than replacing the
        # dict; harmless, as chunk ids are content hashes.)
        store.upsert(["2"], vecs[:1], ["two v2"], [{"file": "y.pdf", "page": 9}])
        assert store.count() == 3
        again = store.get(ids=["2"], embeddings=True)
        assert again.documents == ["two v2"]
        assert again.metadatas[0]["file"] == "y.pdf" and again.metadatas[0]["page"] == 9
        assert again.embeddings is not None
        np.testing.assert_allclose(again.embeddings[0], vecs[0], atol=1e-6)
        assert store.get(ids=["1"]).documents == ["one"]

    def test_query_is_cosine_similarity_best_first(self, store: VectorStore) -> None:
        vecs = vectors(20, seed=1)
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
        # Cosine: a scaled query scores the same (an L2 space would not), its opposite scores -1.
        scaled = store.query(vecs[7] * 5.0, 1)
        assert scaled[0][0] == "c7" and scaled[0][1] == pytest.approx(1.0, abs=1e-4)
        opposite = store.query(-vecs[7], 20)
        assert opposite[-1][0] == "c7" and opposite[-1][1] == pytest.approx(-1.0, abs=1e-4)
        # k larger than the store returns what there is; k <= 0 returns nothing.
        assert len(store.query(vecs[0], 50)) == 20
        assert store.query(vecs[0], 0) == []

    def test_query_honours_the_filter_before_k(self, store: VectorStore) -> None:
        metas = fill(store)
        target = vectors(len(metas))[0]  # the vector of a.pdf#0: nearest to itself unfiltered
        assert store.query(target, 1)[0][0] == "a.pdf#0"
        hits = store.query(target, 4, Eq("kind", "docx"))
        assert len(hits) == 4 and all(metas[cid]["kind"] == "docx" for cid, _ in hits)
        sims = [s for _, s in hits]
        assert sims == sorted(sims, reverse=True)

    @pytest.mark.parametrize(
        ("where", "selected"),
        [
            (Eq("file", "a.pdf"), lambda m: m["file"] == "a.pdf"),
            (Eq("page", 2), lambda m: m.get("page") == 2),
            (Ne("kind", "pdf"), lambda m: m["kind"] != "pdf"),
            (In("folder", ("docs", "other")), lambda m: m["folder"] in ("docs", "other")),
            (In("file", ("a.pdf",)), lambda m: m["file"] == "a.pdf"),
            (All((Eq("kind", "docx"), Ne("folder", "other"))),
             lambda m: m["kind"] == "docx" and m["folder"] != "other"),
            (All((Eq("file", "a.pdf"),)), lambda m: m["file"] == "a.pdf"),
            (All((In("kind", ("pdf", "docx")), Eq("chunk_index", 1), Ne("file", "a.pdf"))),
             lambda m: m["chunk_index"] == 1 and m["file"] != "a.pdf"),
        ],
        ids=["eq", "eq-int", "ne", "in", "in-one", "all", "all-of-one", "all-of-three"],
    )
    def test_each_filter_kind_restricts_get_ids_query_and_delete(
        self, store: VectorStore, where: Filter, selected: Callable[[Metadata], bool]
    ) -> None:
        metas = fill(store)
        expected = {cid for cid, m in metas.items() if selected(m)}
        assert expected and expected != set(metas)  # the filter has work to do
        assert_selects(store, where, expected, set(metas))

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
    def test_callers_filters_restrict_get_ids_query_and_delete(
        self, store: VectorStore, filters: dict[str, object], expected_files: set[str]
    ) -> None:
        metas = fill(store)
        where = scope(filters, FILES, None).store_filter  # folders resolve through the catalog's file list
        assert where is not None
        assert_selects(store, where, {cid for cid, m in metas.items() if m["file"] in expected_files}, set(metas))

    def test_delete_of_a_files_other_versions(self, store: VectorStore) -> None:
        """How KnowledgeBase.replace_file drops a file's old chunks once the new version is committed."""
        metas = fill(store)
        store.upsert(["a.pdf#new"], vectors(1), ["new"], [{"file": "a.pdf", "doc_version": "v2", "kind": "pdf"}])
        store.delete(where=All((Eq("file", "a.pdf"), Ne("doc_version", "v2"))))
        assert store.ids(Eq("file", "a.pdf")) == ["a.pdf#new"]
        assert store.count() == len(metas) - 3 + 1

    def test_delete_by_ids(self, store: VectorStore) -> None:
        metas = fill(store)
        store.delete(ids=["a.pdf#0", "docs/b.pdf#1", "not-there"])
        assert set(store.ids()) == set(metas) - {"a.pdf#0", "docs/b.pdf#1"}
        count = store.count()
        store.delete(ids=[])  # an empty id list deletes nothing (Chroma alone would reject or wipe)
        store.delete()  # neither ids nor a filter: nothing
        store.delete(where=Eq("file", "not-there.pdf"))
        assert store.count() == count

    def test_update_metadata_changes_only_the_keys_given(self, store: VectorStore) -> None:
        metas = fill(store)
        before = store.get(ids=["a.pdf#0", "a.pdf#1"], embeddings=True)
        store.update_metadata(["a.pdf#0", "a.pdf#1", "not-there"],
                              [{"access": "hr"}, {"access": "all", "kind": "scan"}, {"access": "x"}])
        after = store.get(ids=["a.pdf#0", "a.pdf#1"], embeddings=True)
        by_id = dict(zip(after.ids, after.metadatas, strict=True))
        assert by_id["a.pdf#0"] == {**metas["a.pdf#0"], "access": "hr"}
        assert by_id["a.pdf#1"] == {**metas["a.pdf#1"], "access": "all", "kind": "scan"}
        assert sorted(after.documents) == sorted(before.documents)
        assert before.embeddings is not None and after.embeddings is not None
        np.testing.assert_allclose(after.embeddings[after.ids.index("a.pdf#0")],
                                   before.embeddings[before.ids.index("a.pdf#0")], atol=1e-6)
        assert store.count() == len(metas)  # an unknown id is not created
        assert store.ids(Eq("access", "hr")) == ["a.pdf#0"]  # the new key filters like any other
        store.update_metadata([], [])

    def test_batches_larger_than_one_call(self, store: VectorStore, small_batches: int) -> None:
        """Every call splits into batches under the limit and pages through results."""
        n = 2 * small_batches + 37
        ids = [f"id{i:05d}" for i in range(n)]
        vecs = vectors(n, seed=3)
        store.upsert(ids, vecs, ids, [{"file": f"f{i % 2}.pdf", "kind": "pdf"} for i in range(n)])
        assert store.count() == n
        assert sorted(store.ids()) == ids
        assert sorted(store.ids(Eq("kind", "pdf"))) == ids  # a filter that matches more than one page
        everything = store.get(embeddings=True)
        assert sorted(everything.ids) == ids
        assert everything.embeddings is not None and everything.embeddings.shape == (n, DIM)
        row = everything.ids.index("id00042")
        np.testing.assert_allclose(everything.embeddings[row], vecs[42], atol=1e-6)
        by_ids = store.get(ids=ids)
        assert sorted(by_ids.ids) == ids and len(by_ids.documents) == n
        assert len(store.get(where=Eq("file", "f1.pdf")).ids) == n // 2
        store.update_metadata(ids, [{"kind": "docx"} for _ in ids])
        assert len(store.ids(Eq("kind", "docx"))) == n
        store.delete(ids=ids[:-5])
        assert sorted(store.ids()) == ids[-5:]
        store.reset()
        assert store.count() == 0

    def test_fingerprint_merges_and_survives_reopen(
        self, store: VectorStore, open_store: Callable[[], VectorStore]
    ) -> None:
        fp: dict[str, str | int | bool] = {"embed_model": "m", "embed_dim": DIM, "embed_normalized": True}
        store.set_fingerprint(fp)
        assert store.fingerprint() == fp
        store.set_fingerprint({"chunk_tokens": 160, "embed_model": "m2"})  # merges, later value wins
        assert store.fingerprint() == {**fp, "chunk_tokens": 160, "embed_model": "m2"}
        # Recorded with the store, not in the process: a new client sees it.
        assert open_store().fingerprint() == store.fingerprint()
        store.reopen()
        assert store.fingerprint() == {**fp, "chunk_tokens": 160, "embed_model": "m2"}

    def test_reset_clears_rows_and_fingerprint(self, store: VectorStore, open_store: Callable[[], VectorStore]) -> None:
        fill(store)
        store.set_fingerprint({"embed_model": "m"})
        store.reset()  # a reset store is a new, unmarked one
        assert store.count() == 0 and store.ids() == [] and store.fingerprint() == {}
        assert open_store().count() == 0 and open_store().fingerprint() == {}
        fill(store)  # and usable at once
        assert store.count() == 3 * len(FILES)

    def test_reopen_sees_another_clients_writes(
        self, store: VectorStore, open_store: Callable[[], VectorStore]
    ) -> None:
        other = open_store()
        fill(other)
        store.reopen()
        assert store.count() == 3 * len(FILES)
        assert sorted(store.ids(Eq("file", "a.pdf"))) == ["a.pdf#0", "a.pdf#1", "a.pdf#2"]

    def test_fingerprint_mismatch_is_refused_with_reindex_hint(
        self, open_store: Callable[[], VectorStore], make_settings: Callable[..., Settings],
        embedder: SentenceTransformerEmbedder, tmp_path: Path,
    ) -> None:
        settings = make_settings()
        docs = tmp_path / "few"
        docs.mkdir()
        d = docx.Document()
        d.add_paragraph("The lighthouse keeper logs every passing ship in the harbour register.")
        d.save(str(docs / "note.docx"))
        index = KnowledgeBase(settings, embedder=embedder, store=open_store())
        other = {"embed_model": "BAAI/bge-small-en-v1.5", "embed_dim": 384, "embed_normalized": True}
        index.store.set_fingerprint(other)
        with pytest.raises(StoreMismatch, match="--reindex") as err:
            run_sync(settings, docs, progress=False, index=index)
        assert "embed_model" in str(err.value)
        assert index.store.count() == 0 and index.store.fingerprint() == other  # refused before any write

        report = run_sync(settings, docs, progress=False, index=index, reindex=True)
        assert report.added == ["note.docx"] and index.store.count() == report.chunks > 0
        expected = store_fingerprint(embedder, chunk_settings(settings, embedder))
        assert index.store.fingerprint() == expected
        assert open_store().fingerprint() == expected
        index.store.reset()


class CatalogContract:
    """Subclasses provide `open_catalog`: each call opens the same, initially empty catalog anew."""

    @pytest.fixture
    def open_catalog(self) -> Callable[[], Catalog]:
        raise NotImplementedError

    def test_new_catalog_is_empty_and_unsaved(self, open_catalog: Callable[[], Catalog]) -> None:
        c = open_catalog()
        assert (c.files, c.failed, c.pending, c.synced_at, c.cleared) == ({}, {}, {}, None, {})
        assert c.versions == {} and c.chunk_total == 0
        assert not c.exists()

    def test_save_then_open_round_trip(self, open_catalog: Callable[[], Catalog]) -> None:
        c = open_catalog()
        c.files["a.pdf"] = FileRecord("s1", 10, 20, chunks=3, pages=2, kind="pdf", parser_version=3, ingested_at=1.5)
        c.files["中文/b.docx"] = FileRecord("s2", 11, 21, chunks=4, pages=0, kind="docx", ingested_at=2.5)
        c.failed["bad.pdf"] = FailedRecord(5, 6, "encrypted", kind="pdf", parser_version=3)
        c.pending["c.pdf"] = "s3"
        c.synced_at = 123.0
        c.cleared["a.pdf"] = ["h1", "h2"]
        c.save()
        again = open_catalog()
        assert again.exists()
        assert again.files == c.files and again.failed == c.failed and again.pending == {"c.pdf": "s3"}
        assert again.synced_at == 123.0 and again.cleared == {"a.pdf": ["h1", "h2"]}
        assert again.versions == {"a.pdf": "s1", "中文/b.docx": "s2"} and again.chunk_total == 7

    def test_load_sees_another_writers_save_and_stamp_changes(self, open_catalog: Callable[[], Catalog]) -> None:
        reader, writer = open_catalog(), open_catalog()
        seen = reader.stamp()
        writer.files["a.pdf"] = FileRecord("s1", 1, 2, chunks=3, pages=1, kind="pdf")
        writer.save()
        assert reader.stamp() != seen and reader.files == {}  # not read until asked
        reader.load()
        assert reader.versions == {"a.pdf": "s1"}
        seen = reader.stamp()
        writer.files["b.pdf"] = FileRecord("s2", 1, 2, chunks=1, pages=1, kind="pdf")
        writer.save()
        assert reader.stamp() != seen

    def test_clear_forgets_every_file_once_saved(self, open_catalog: Callable[[], Catalog]) -> None:
        c = open_catalog()
        c.files["a.pdf"] = FileRecord("s1", 1, 2, chunks=3, pages=1, kind="pdf")
        c.failed["bad.pdf"] = FailedRecord(1, 2, "no text")
        c.synced_at = 1.0
        c.cleared["a.pdf"] = ["h1"]
        c.save()
        c.clear()
        assert (c.files, c.failed, c.pending, c.synced_at) == ({}, {}, {}, None)
        assert open_catalog().files  # not committed yet
        c.save()
        assert open_catalog().files == {} and open_catalog().exists()
        assert open_catalog().cleared == {"a.pdf": ["h1"]}  # an admin's judgment of a text outlives a reindex


LEXICAL_FILES = {"c1": "sea/log.pdf", "c2": "sea/night.docx", "c3": "hr/expenses.pdf", "c4": "hr/expenses.pdf"}
LEXICAL_TEXTS = {
    "c1": "The lighthouse keeper logs every passing ship.",
    "c2": "Ships pass the harbour at night; the keeper sleeps.",
    "c3": "Expense reports are due within 30 days of travel.",
    "c4": "差旅报销须在出差结束后三十天内提交。",
}


class LexicalIndexContract:
    """Subclasses provide `open_lexical`: each call opens the same, initially empty index anew (not loaded)."""

    @pytest.fixture
    def open_lexical(self) -> Callable[[], LexicalIndex]:
        raise NotImplementedError

    def built(self, open_lexical: Callable[[], LexicalIndex]) -> LexicalIndex:
        index = open_lexical()
        index.build(list(LEXICAL_TEXTS), iter(LEXICAL_TEXTS.values()), [LEXICAL_FILES[c] for c in LEXICAL_TEXTS])
        return index

    def test_empty_index_finds_nothing(self, open_lexical: Callable[[], LexicalIndex]) -> None:
        index = open_lexical()
        index.load()
        assert len(index) == 0 and not index.stale
        assert index.search("keeper", 5) == []
        index.build([], iter([]), [])
        assert len(index) == 0 and index.search("keeper", 5) == []

    def test_search_ranks_by_matching_words(self, open_lexical: Callable[[], LexicalIndex]) -> None:
        index = self.built(open_lexical)
        assert len(index) == 4
        hits = index.search("lighthouse keeper", 5)
        assert [cid for cid, _ in hits][:2] == ["c1", "c2"]
        assert all(score > 0 for _, score in hits) and {cid for cid, _ in hits} == {"c1", "c2"}
        assert index.search("报销", 5)[0][0] == "c4"
        assert len(index.search("keeper", 1)) == 1
        assert index.search("keeper", 0) == [] and index.search("zorblaxian", 5) == []

    def test_allowed_ids_restrict_the_search(self, open_lexical: Callable[[], LexicalIndex]) -> None:
        index = self.built(open_lexical)
        assert [cid for cid, _ in index.search("keeper", 5, ids={"c2", "c3"})] == ["c2"]
        assert index.search("keeper", 5, ids={"c3"}) == []
        assert index.search("keeper", 5, ids=set()) == []
        assert index.search("keeper", 5, ids={"unknown"}) == []

    def test_files_restrict_the_search(self, open_lexical: Callable[[], LexicalIndex]) -> None:
        """How access and file filters reach the lexical side: by file, without listing chunk ids."""
        index = self.built(open_lexical)
        assert [cid for cid, _ in index.search("keeper", 5, files={"sea/night.docx"})] == ["c2"]
        assert {cid for cid, _ in index.search("keeper", 5, files={"sea/log.pdf", "sea/night.docx"})} == {"c1", "c2"}
        assert index.search("keeper", 5, files={"hr/expenses.pdf"}) == []
        assert index.search("keeper", 5, files=set()) == [] and index.search("keeper", 5, files={"x.pdf"}) == []
        assert [cid for cid, _ in index.search("报销", 5, files={"hr/expenses.pdf"})] == ["c4"]
        # Files and ids together: chunks both allow.
        assert index.search("keeper", 5, files={"sea/log.pdf"}, ids={"c2"}) == []
        assert [cid for cid, _ in index.search("keeper", 5, files={"sea/log.pdf"}, ids={"c1", "c2"})] == ["c1"]

    def test_build_replaces_and_another_reader_loads_it(self, open_lexical: Callable[[], LexicalIndex]) -> None:
        reader = self.built(open_lexical)
        other = open_lexical()
        other.load()
        assert len(other) == 4 and other.search("expense", 5)[0][0] == "c3"
        writer = open_lexical()
        writer.build(["n1"], iter(["A zorblaxian notice replaces everything."]), ["notice.pdf"])
        assert [cid for cid, _ in writer.search("zorblaxian", 5)] == ["n1"]
        assert reader.search("zorblaxian", 5) == []  # until it loads again
        reader.load()
        assert len(reader) == 1 and [cid for cid, _ in reader.search("zorblaxian", 5)] == ["n1"]
        assert reader.search("keeper", 5) == []


class WriterLockContract:
    """Subclasses provide `open_lock`: each call a new lock object on the same store."""

    @pytest.fixture
    def open_lock(self) -> Callable[[], WriterLock]:
        raise NotImplementedError

    def test_one_writer_at_a_time_and_the_holder_is_named(self, open_lock: Callable[[], WriterLock]) -> None:
        first, second = open_lock(), open_lock()
        assert first.holder() is None
        with first:
            held = second.holder()
            assert held is not None and f"pid {os.getpid()}" in held
            with pytest.raises(StoreLocked, match="locked by another ingest") as err, second:
                pass
            assert f"pid {os.getpid()}" in str(err.value)
        assert second.holder() is None
        with second:  # released on exit: the next writer gets it
            assert first.holder() is not None
        assert first.holder() is None

    def test_released_when_the_block_raises(self, open_lock: Callable[[], WriterLock]) -> None:
        lock = open_lock()
        with pytest.raises(RuntimeError), lock:
            raise RuntimeError("the sync failed")
        assert lock.holder() is None
        with open_lock():
            pass
