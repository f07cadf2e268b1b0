"""LLM backends behind one protocol; `load_llm` picks one from the settings."""

from __future__ import annotations

from pathlib import Path

from rag.llm.base import LLM, GenerationConfig, Message, complete
from rag.settings import Settings

__all__ = ["LLM", "GenerationConfig", "Message", "complete", "generation_config", "load_llm"]


def generation_config(settings: Settings, **overrides: float) -> GenerationConfig:
    values = dict(
        max_tokens=settings.max_new_tokens,
        temperature=settings.temperature,
        top_p=settings.top_p,
        repeat_penalty=settings.repeat_penalty,
    )
    values.update(overrides)
    return GenerationConfig(**values)  # type: ignore[arg-type]


def load_llm(settings: Settings) -> LLM:
    from rag.models import ModelError

    if settings.llm_backend == "openai":
        from rag.llm.openai import OpenAICompatibleLLM

        return OpenAICompatibleLLM(
            settings.llm_base_url, settings.llm_model, api_key=settings.llm_api_key,
            context_tokens=settings.context_tokens,
        )
    if settings.llm_backend == "transformers":
        from rag.llm.transformers import TransformersLLM

        path = Path(settings.llm_model)
        if not path.is_absolute():
            path = path if path.exists() else settings.models_dir / settings.llm_model
        if not path.is_dir():
            raise ModelError(
                f"transformers model {settings.llm_model!r} not found (looked at {path}): "
                "put the model folder in models/ or set RAG_LLM_MODEL to its path"
            )
        return TransformersLLM(path, context_tokens=settings.context_tokens, threads=settings.threads)
    from rag.llm.llama_cpp import LlamaCppLLM
    from rag.models import resolve_gguf

    return LlamaCppLLM(
        resolve_gguf(settings.llm_model, settings.models_dir),
        context_tokens=settings.context_tokens,
        threads=settings.llm_threads,
        batch_threads=settings.llm_batch_threads,
    )
