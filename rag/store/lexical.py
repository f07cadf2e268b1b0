"""BM25 over the committed chunks (bm25s), a folder beside the store rebuilt by each sync that changes it.

The packaged encoder is English-only, so for Chinese text this side carries retrieval (tokens:
`rag.text.words.tokenize`).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rag.text.words import TOKENIZER_VERSION, tokenize

_FORMAT = 2  # 2: each chunk's file is kept, for access and file scopes


@dataclass(frozen=True)
class _Loaded:
    """One version of the index, swapped in whole: a search running meanwhile keeps the one it started with."""

    ids: list[str] = field(default_factory=list)
    retriever: Any = None
    stale: bool = False  # built by another tokenizer version or format
    pos: dict[str, int] = field(default_factory=dict)
    # Each chunk's file as a number into `files`: a scope of files becomes a mask in one step.
    names: list[str] = field(default_factory=list)
    files: dict[str, int] = field(default_factory=dict)  # name → its number
    file_of: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))

    @classmethod
    def of(cls, ids: list[str], retriever: Any, files: list[str], file_of: list[int]) -> _Loaded:
        return cls(ids, retriever, pos={cid: i for i, cid in enumerate(ids)}, names=files,
                   files={f: i for i, f in enumerate(files)}, file_of=np.asarray(file_of, dtype=np.int32))

    def mask(self, files: Collection[str] | None, ids: Collection[str] | None) -> np.ndarray | None:
        """1.0 for the chunks a search may return, None when it may return any."""
        mask = None
        if files is not None:
            table = np.zeros(len(self.files), dtype=np.float32)
            table[[self.files[f] for f in files if f in self.files]] = 1.0
            mask = table[self.file_of]
        if ids is not None:
            chosen = np.zeros(len(self.ids), dtype=np.float32)
            chosen[[i for cid in ids if (i := self.pos.get(cid)) is not None]] = 1.0
            mask = chosen if mask is None else mask * chosen
        return mask


class BM25Index:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._now = _Loaded()

    @property
    def ids(self) -> list[str]:
        return self._now.ids

    @property
    def stale(self) -> bool:
        return self._now.stale

    def load(self) -> None:
        ids_file = self.path / "ids.json"
        if not ids_file.exists():
            self._now = _Loaded()
            return
        saved = json.loads(ids_file.read_text(encoding="utf-8"))
        if (not isinstance(saved, dict) or saved.get("version") != TOKENIZER_VERSION
                or saved.get("format") != _FORMAT):
            self._now = _Loaded(stale=True)
            return
        import bm25s

        ids = saved["ids"]
        self._now = _Loaded.of(ids, bm25s.BM25.load(str(self.path / "bm25")) if ids else None,
                               saved["files"], saved["file_of"])

    def build(self, ids: list[str], texts: Iterable[str], files: Sequence[str]) -> None:
        """Build in a sibling folder and swap it in, so a reader never sees half an index."""
        import bm25s

        path = self.path
        tmp = path.with_name(path.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        ids = list(ids)
        names = sorted(set(files))
        number = {f: i for i, f in enumerate(names)}
        file_of = [number[f] for f in files]
        retriever = None
        if ids:
            corpus = [tokenize(t) or ["\u2205"] for t in texts]
            retriever = bm25s.BM25()
            retriever.index(corpus, show_progress=False)
            retriever.save(str(tmp / "bm25"))
        saved = {"version": TOKENIZER_VERSION, "format": _FORMAT, "ids": ids, "files": names, "file_of": file_of}
        (tmp / "ids.json").write_text(json.dumps(saved), encoding="utf-8")
        old = path.with_name(path.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if path.exists():
            path.rename(old)
        tmp.rename(path)
        shutil.rmtree(old, ignore_errors=True)
        self._now = _Loaded.of(ids, retriever, names, file_of)

    def __len__(self) -> int:
        return len(self._now.ids)

    def files_of(self, ids: Sequence[str]) -> list[str | None]:
        now = self._now
        return [now.names[now.file_of[i]] if (i := now.pos.get(cid)) is not None else None for cid in ids]

    def search(self, query: str, k: int, *, files: Collection[str] | None = None,
               ids: Collection[str] | None = None) -> list[tuple[str, float]]:
        now = self._now
        if now.retriever is None or k <= 0:
            return []
        vocab = now.retriever.vocab_dict
        q = [t for t in tokenize(query) if t in vocab]
        if not q:
            return []
        mask = now.mask(files, ids)
        if mask is not None and not mask.any():
            return []
        k = min(k, len(now.ids))
        docs, scores = now.retriever.retrieve([q], k=k, weight_mask=mask, show_progress=False, n_threads=1)
        return [(now.ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]
