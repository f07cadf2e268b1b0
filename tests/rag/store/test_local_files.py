"""The store parts kept as files in the store folder: the JSON manifest, the BM25 folder, the flock."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from rag.store.catalog import Manifest
from rag.store.lexical import BM25Index
from rag.store.lock import FileLock, holder
from tests.rag.store.contract import CatalogContract, LexicalIndexContract, WriterLockContract


class TestManifest(CatalogContract):
    @pytest.fixture
    def open_catalog(self, tmp_path: Path) -> Callable[[], Manifest]:
        return lambda: Manifest.open(tmp_path / "store" / "documents.manifest.json")

    def test_save_replaces_the_file_whole(self, open_catalog: Callable[[], Manifest]) -> None:
        m = open_catalog()
        m.synced_at = 5.0
        m.save()
        assert json.loads(m.path.read_text(encoding="utf-8"))["synced_at"] == 5.0
        assert [p.name for p in m.path.parent.iterdir()] == [m.path.name]  # no temporary file left

    def test_a_catalog_from_before_cleared_flags_loads(self, open_catalog: Callable[[], Manifest]) -> None:
        m = open_catalog()
        m.path.parent.mkdir(parents=True)
        m.path.write_text(json.dumps({"files": {}, "failed": {}, "pending": {}, "synced_at": 1.0}), encoding="utf-8")
        m.load()
        assert m.cleared == {} and m.synced_at == 1.0


class TestBM25Index(LexicalIndexContract):
    @pytest.fixture
    def open_lexical(self, tmp_path: Path) -> Callable[[], BM25Index]:
        return lambda: BM25Index(tmp_path / "store" / "documents.lexical")

    def test_an_index_of_another_tokenizer_version_is_stale(self, open_lexical: Callable[[], BM25Index]) -> None:
        index = open_lexical()
        index.build(["c1"], iter(["The lighthouse keeper."]), ["sea.pdf"])
        ids_file = index.path / "ids.json"
        saved = json.loads(ids_file.read_text(encoding="utf-8"))
        ids_file.write_text(json.dumps({**saved, "version": saved["version"] - 1}), encoding="utf-8")
        old = open_lexical()
        old.load()
        assert old.stale and len(old) == 0 and old.search("keeper", 5) == []
        old.build(["c1"], iter(["The lighthouse keeper."]), ["sea.pdf"])
        assert not old.stale and old.search("keeper", 5)[0][0] == "c1"


class TestFileLock(WriterLockContract):
    @pytest.fixture
    def open_lock(self, tmp_path: Path) -> Callable[[], FileLock]:
        return lambda: FileLock(tmp_path / "store")

    def test_the_page_asks_by_store_folder(self, tmp_path: Path) -> None:
        assert holder(tmp_path / "store") is None  # no lock file yet
        with FileLock(tmp_path / "store"):
            assert "pid" in (holder(tmp_path / "store") or "")
        assert holder(tmp_path / "store") is None
