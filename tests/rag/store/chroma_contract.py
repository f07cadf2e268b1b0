"""The vector-store contract plus what is particular to Chroma, for every way of reaching it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from chromadb.errors import InternalError

from rag.store.chroma import ChromaStore
from tests.rag.store.contract import DIM, FILES, VectorStoreContract, fill


class ChromaStoreContract(VectorStoreContract):
    """Subclasses provide `open_store` returning `ChromaStore`s."""

    @pytest.fixture
    def small_batches(self, store: ChromaStore) -> int:
        # A smaller cap sends every path through several batches at a fraction of 5000+ rows' cost.
        store.max_batch = 300
        return store.max_batch

    def test_max_batch_fits_the_client(self, store: ChromaStore) -> None:
        assert 0 < store.max_batch <= int(store.client.get_max_batch_size())

    def test_fingerprint_lives_in_collection_metadata(self, store: ChromaStore) -> None:
        store.set_fingerprint({"embed_model": "m", "embed_dim": DIM})
        assert store.collection.metadata["fp_embed_model"] == "m"
        assert store.collection.metadata["fp_embed_dim"] == DIM

    def test_reset_of_a_collection_someone_else_deleted(
        self, store: ChromaStore, open_store: Callable[[], ChromaStore]
    ) -> None:
        fill(store)
        other = open_store()
        other.client.delete_collection(other.name)
        store.reset()  # "not found" is what a reset wants anyway
        assert store.count() == 0
        fill(store)
        assert open_store().count() == 3 * len(FILES)

    def test_reset_that_fails_is_raised_not_swallowed(
        self, store: ChromaStore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A failed delete must not pass for a reset: a --reindex would keep the old rows."""
        fill(store)

        def fail(name: str) -> None:
            raise InternalError(f"cannot delete {name}")

        monkeypatch.setattr(store.client, "delete_collection", fail)
        with pytest.raises(InternalError, match="cannot delete"):
            store.reset()
        assert store.count() == 3 * len(FILES)
