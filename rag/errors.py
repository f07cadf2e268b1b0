"""One error hierarchy: every error the knowledge base raises on purpose is a `RagError`.

Each message is one line that names the problem and, where there is one, the fix; entry points (the
page, the CLIs, the API) show that line and keep the traceback in the log. Callers act on the kinds:
"""

from __future__ import annotations


class RagError(Exception):
    """Base of every error raised on purpose."""


class InvalidInput(RagError, ValueError):
    """A caller's input is malformed (type, length, bounds, unknown key): the message names it."""


class StoreError(RagError):
    """The store cannot be used as asked."""


class StoreLocked(StoreError):
    """Another writer holds the store; try again when it is done."""


class StoreMismatch(StoreError):
    """The store was built with other embedding or chunking settings: it needs a reindex."""


class ModelError(RagError, RuntimeError):
    """A model is missing or could not be prepared; the message says the fix."""


class ParseError(RagError):
    """A file that cannot be ingested; the message is the one-line reason shown to the admin."""


class LimitExceeded(ParseError):
    """A file over one of the limits (settings.limits); `setting` is the flat name of the one it broke."""

    def __init__(self, message: str, setting: str) -> None:
        super().__init__(f"{message} (setting {setting})")
        self.setting = setting


class NoMatchingDocuments(RagError):
    """The filters select no document at all (an empty scope, not an error of the caller's)."""
