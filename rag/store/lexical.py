"""BM25 over the committed chunks (bm25s), kept beside the store and rebuilt by each sync that changes it.

The packaged encoder is English-only, so for Chinese text this side carries retrieval (tokens:
`rag.text.words.tokenize`).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from rag.text.words import TOKENIZER_VERSION, tokenize


class LexicalIndex:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.ids: list[str] = []
        self._retriever = None
        self._pos: dict[str, int] = {}
        self.stale = False  # built by another tokenizer version

    @classmethod
    def load(cls, path: Path) -> LexicalIndex:
        index = cls(path)
        ids_file = path / "ids.json"
        if ids_file.exists():
            import bm25s

            saved = json.loads(ids_file.read_text(encoding="utf-8"))
            if not isinstance(saved, dict) or saved.get("version") != TOKENIZER_VERSION:
                index.stale = True
                return index
            index.ids = saved["ids"]
            if index.ids:
                index._retriever = bm25s.BM25.load(str(path / "bm25"))
            index._pos = {cid: i for i, cid in enumerate(index.ids)}
        return index

    @classmethod
    def build(cls, path: Path, ids: list[str], texts: Iterable[str]) -> LexicalIndex:
        """Build in a sibling folder and swap it in, so a reader never sees half an index."""
        import bm25s

        tmp = path.with_name(path.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        index = cls(path)
        index.ids = list(ids)
        if index.ids:
            corpus = [tokenize(t) or ["\u2205"] for t in texts]
            retriever = bm25s.BM25()
            retriever.index(corpus, show_progress=False)
            retriever.save(str(tmp / "bm25"))
            index._retriever = retriever
        (tmp / "ids.json").write_text(json.dumps({"version": TOKENIZER_VERSION, "ids": index.ids}), encoding="utf-8")
        old = path.with_name(path.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if path.exists():
            path.rename(old)
        tmp.rename(path)
        shutil.rmtree(old, ignore_errors=True)
        index._pos = {cid: i for i, cid in enumerate(index.ids)}
        return index

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, query: str, k: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        if self._retriever is None or k <= 0:
            return []
        vocab = self._retriever.vocab_dict
        q = [t for t in tokenize(query) if t in vocab]
        if not q:
            return []
        mask = None
        if allowed is not None:
            mask = np.zeros(len(self.ids), dtype=np.float32)
            for cid in allowed:
                if (i := self._pos.get(cid)) is not None:
                    mask[i] = 1.0
            if not mask.any():
                return []
        k = min(k, len(self.ids))
        docs, scores = self._retriever.retrieve([q], k=k, weight_mask=mask, show_progress=False, n_threads=1)
        return [(self.ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]
