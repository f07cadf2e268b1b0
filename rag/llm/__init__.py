"""LLM backends behind one protocol; `load_llm` picks one from the settings."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from rag.llm.base import LLM, GenerationConfig, Message, complete
from rag.offline import offline_env
from rag.settings import LLMSettings, ModelSettings

__all__ = ["LLM", "GenerationConfig", "Message", "complete", "generation_config", "load_llm"]

logger = logging.getLogger(__name__)


def generation_config(settings: LLMSettings, **overrides: float) -> GenerationConfig:
    values = dict(
        max_tokens=settings.max_new_tokens,
        temperature=settings.temperature,
        top_p=settings.top_p,
        repeat_penalty=settings.repeat_penalty,
    )
    values.update(overrides)
    return GenerationConfig(**values)  # type: ignore[arg-type]


def load_llm(settings: LLMSettings, models: ModelSettings) -> LLM:
    t0 = time.perf_counter()
    llm = _open_llm(settings, models)
    logger.info("LLM %s (%s) ready in %.1f s", llm.name, settings.backend, time.perf_counter() - t0)
    return llm


def _open_llm(settings: LLMSettings, models: ModelSettings) -> LLM:
    from rag.errors import ModelError

    offline_env()

    if settings.backend == "openai":
        from rag.llm.openai import OpenAICompatibleLLM

        return OpenAICompatibleLLM(
            settings.base_url, settings.model, api_key=settings.api_key,
            context_tokens=settings.context_tokens, timeout=settings.timeout, max_retries=settings.max_retries,
        )
    if settings.backend == "transformers":
        from rag.llm.transformers import TransformersLLM

        path = Path(settings.model)
        if not path.is_absolute():
            path = path if path.exists() else models.dir / settings.model
        if not path.is_dir():
            raise ModelError(
                f"transformers model {settings.model!r} not found (looked at {path}): "
                "put the model folder in models/ or set RAG_LLM_MODEL to its path"
            )
        return TransformersLLM(path, context_tokens=settings.context_tokens, threads=settings.threads)
    from rag.llm.llama_cpp import LlamaCppLLM
    from rag.models import resolve_gguf

    return LlamaCppLLM(
        resolve_gguf(settings.model, models.dir, models.cache_dir),
        context_tokens=settings.context_tokens,
        threads=settings.threads,
        batch_threads=settings.batch_threads,
    )
