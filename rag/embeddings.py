"""Text → vectors with a local sentence-transformers model, plus the tokenizer the chunker sizes by.

BGE models get their query instruction on queries only; every model's vectors are normalised so a
cosine distance is the same thing whichever model built the store.
"""

from __future__ import annotations

import copy
import logging
import time
from typing import Any, Protocol

import numpy as np

from rag.offline import offline_env
from rag.settings import EmbeddingSettings, ModelSettings, Settings

logger = logging.getLogger(__name__)

BGE_INSTRUCTION_EN = "Represent this sentence for searching relevant passages: "
BGE_INSTRUCTION_ZH = "为这个句子生成表示以用于检索相关文章："


class Embedder(Protocol):
    name: str
    dim: int
    max_tokens: int  # usable tokens per input, special tokens excluded
    english_only: bool

    def embed_documents(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...

    def count(self, texts: list[str]) -> list[int]: ...

    def windows(self, text: str, size: int, overlap: int) -> list[tuple[int, int]]: ...


def english_only(model_name: str, setting: str = "auto") -> bool:
    if setting != "auto":
        return setting == "en"
    name = model_name.lower().rsplit("/", 1)[-1]
    english = name.startswith(("all-minilm", "all-mpnet", "multi-qa-minilm"))
    return english or (name.startswith("bge-") and "-en" in name)


def default_query_instruction(model_name: str) -> str:
    name = model_name.lower()
    if "bge" not in name or "bge-m3" in name:
        return ""
    return BGE_INSTRUCTION_ZH if "-zh" in name else BGE_INSTRUCTION_EN


class SentenceTransformerEmbedder:
    def __init__(self, settings: EmbeddingSettings, models: ModelSettings) -> None:
        offline_env()
        t0 = time.perf_counter()
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        from rag.models import resolve_embedding

        torch.set_num_threads(max(1, settings.threads))
        hf_logging.disable_progress_bar()  # "Loading weights" bars would bury the one-line reports
        path = resolve_embedding(settings.model, models.dir)
        self.name = settings.model
        self.english_only = english_only(settings.model, settings.languages)
        self.model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        # The chunker runs in the parse thread while encode() runs here; a shared fast tokenizer's
        # padding/truncation state is rewritten per call, so sharing it races (benchmarks/tokenizer_race.py).
        self.tokenizer: Any = copy.deepcopy(self.model.tokenizer)
        self.dim = int(self.model.get_embedding_dimension())
        self.max_tokens = int(self.model.max_seq_length) - 2  # [CLS] and [SEP]
        self.batch_size = settings.batch_size
        self.query_instruction = (
            settings.query_instruction
            if settings.query_instruction is not None
            else default_query_instruction(settings.model)
        )
        logger.info("embedding model %s loaded from %s (%d dimensions, %d tokens) in %.1f s",
                    self.name, path, self.dim, self.max_tokens, time.perf_counter() - t0)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([self.query_instruction + text])[0]

    def count(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        enc = self.tokenizer(texts, add_special_tokens=False, return_attention_mask=False)
        return [len(ids) for ids in enc["input_ids"]]

    def windows(self, text: str, size: int, overlap: int) -> list[tuple[int, int]]:
        offsets = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
        if not offsets:
            return [(0, len(text))]
        step = max(1, size - overlap)
        spans = []
        for i in range(0, len(offsets), step):
            window = offsets[i : i + size]
            spans.append((window[0][0], window[-1][1]))
            if i + size >= len(offsets):
                break
        return spans

    def fingerprint(self) -> dict[str, str | int | bool]:
        return {"embed_model": self.name, "embed_dim": self.dim, "embed_normalized": True}


def load_embedder(settings: Settings) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(settings.embedding, settings.models)

