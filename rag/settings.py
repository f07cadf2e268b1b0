"""All configuration in one typed place: defaults < `rag.toml` < `RAG_*` environment variables < arguments."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Offline always: nothing may reach a model hub or phone home at run time.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _toml_file() -> Path:
    return Path(os.environ.get("RAG_CONFIG", PROJECT_ROOT / "rag.toml"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAG_", extra="ignore")

    # Where documents and the store live. Relative paths are taken from the project root, so
    # `import rag` works from any working directory.
    docs_dir: Path = Path("data/docs")
    store_path: Path = Path("data/store")
    collection: str = Field("documents", pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{1,510}[A-Za-z0-9]$")
    # Set to use a Chroma server (HttpClient) instead of the embedded store; the lock, manifest
    # and lexical index still live in store_path.
    chroma_host: str | None = None
    chroma_port: int = 8000
    models_dir: Path = Path("models")

    # Embeddings and chunking (part of the store's fingerprint).
    embed_model: str = "all-MiniLM-L6-v2"
    embed_batch_size: int = 32
    # Languages the encoder understands: "auto" reads it from the model name. For an English-only
    # encoder, questions in CJK scripts are answered by the lexical side alone (dense ranks are noise).
    embed_languages: Literal["auto", "en", "multi"] = "auto"
    query_instruction: str | None = None  # None: BGE's own instruction for BGE models, none otherwise
    chunk_tokens: int = 160
    chunk_overlap: int = 24
    threads: int = 2

    # Retrieval.
    top_k: int = 5
    candidates: int = 40  # per side, before fusion
    rrf_k: int = 60
    dense_weight: float = 1.0
    lexical_weight: float = 1.0

    # Answering.
    llm_backend: Literal["llama_cpp", "transformers", "openai"] = "llama_cpp"
    llm_model: str = "qwen2.5-coder-1.5b"
    llm_base_url: str = "http://127.0.0.1:8080/v1"
    llm_api_key: str = "none"
    context_tokens: int = 4096
    max_new_tokens: int = 160  # answers are one to three sentences
    temperature: float = 0.1
    top_p: float = 0.9
    repeat_penalty: float = 1.1
    # Generation threads: on an idle 2-core machine 2 threads generate 12.8 tokens/s, 1 thread 6.9
    # (1.5B, measured); 1 can win only when another process keeps the second core busy.
    llm_threads: int = 2
    llm_batch_threads: int = 2  # prompt processing still uses both cores
    # Passages put in front of the model, at most; on CPU reading the prompt dominates the time, so each
    # is cut to its sentences nearest the question, and one matching less than `source_keep` times as
    # well as the best is left out (rag/focus.py; figures in benchmarks/RESULTS.md).
    answer_sources: int = 3  # also where retrieval starts to prefer pages not yet listed
    passage_tokens: int = 140
    source_keep: float = 0.5
    # Weight of a sentence's cosine to the question beside its word match when passages are cut (0: words only).
    focus_dense_weight: float = 0.5
    history_tokens: int = 400
    # Refuse without calling the LLM when no passage is close enough, by meaning or by words.
    # Calibrated with benchmarks/refusal_calibration.py (benchmarks/RESULTS.md, 2026-11-28).
    refusal_threshold: float = 0.35  # best cosine similarity of question and passage
    refusal_coverage: float = 0.5  # best share of the question's content units (words; CJK bigrams) in one passage
    refusal_text: str = "I don't know: the documents do not say."

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=_toml_file()))

    def model_post_init(self, __context: Any) -> None:
        for name in ("docs_dir", "store_path", "models_dir"):
            path = getattr(self, name)
            if not path.is_absolute():
                object.__setattr__(self, name, (PROJECT_ROOT / path).resolve())


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
