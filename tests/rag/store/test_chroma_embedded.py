"""The store contract on embedded Chroma (a PersistentClient on the store folder)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rag.settings import Settings
from rag.store.chroma import ChromaStore
from tests.rag.store.chroma_contract import ChromaStoreContract


class TestEmbeddedChroma(ChromaStoreContract):
    @pytest.fixture
    def open_store(self, make_settings: Callable[..., Settings]) -> Callable[[], ChromaStore]:
        settings = make_settings()
        return lambda: ChromaStore(settings.store)

    def test_data_lives_in_the_store_folder(self, open_store: Callable[[], ChromaStore],
                                            make_settings: Callable[..., Settings]) -> None:
        assert not (make_settings().store.path / "chroma").exists()
        open_store()
        assert (make_settings().store.path / "chroma" / "chroma.sqlite3").is_file()
