"""Offline always: nothing may reach a model hub or phone home at run time.

Set, without overriding what the caller chose, right before a component that reads these variables
is loaded (the encoder, an LLM backend, Chroma), not at import time.
"""

from __future__ import annotations

import os

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
}


def offline_env() -> None:
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
