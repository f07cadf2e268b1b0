"""The one explicit download from the Hugging Face hub: `python -m rag.models fetch NAME`.

Everything else runs offline; this lifts the offline switch for its own call only.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rag.errors import ModelError
from rag.models.resolve import last_part

logger = logging.getLogger(__name__)

_OFFLINE_VARS = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")


@contextmanager
def _hub_online() -> Iterator[None]:
    # huggingface_hub copies HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) into its constants at import
    # time, so unsetting the variables is not enough once it has been imported.
    from huggingface_hub import constants

    saved_env = {key: os.environ.pop(key) for key in _OFFLINE_VARS if key in os.environ}
    saved_const = constants.HF_HUB_OFFLINE
    constants.HF_HUB_OFFLINE = False
    try:
        yield
    finally:
        constants.HF_HUB_OFFLINE = saved_const
        os.environ.update(saved_env)


def fetch_embedding(name: str, models_dir: Path) -> Path:
    """Download an embedding model from the hub into `models_dir/<last part>`. Explicit use only."""
    dest = models_dir / last_part(name)
    existed = dest.exists()
    try:
        from huggingface_hub import snapshot_download

        with _hub_online():
            snapshot_download(name, local_dir=dest)
    except Exception as exc:
        # Reported as one ModelError line below; the traceback goes to the log for whoever keeps one.
        logger.debug("hub download of %s into %s failed", name, dest, exc_info=True)
        if not existed and dest.exists():
            shutil.rmtree(dest, ignore_errors=True)  # a half download would look like a model
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ModelError(
            f"could not download {name!r} from the Hugging Face hub into {dest} ({reason}); "
            f"run `python -m rag.models fetch {name}` on a machine with hub access, "
            f"then copy {dest.name}/ into {models_dir}/"
        ) from None
    return dest
