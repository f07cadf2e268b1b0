"""The committed files a caller may read, from the groups the sync wrote into the catalog."""

from __future__ import annotations

from collections.abc import Mapping

from rag.access.groups import EVERYONE
from rag.store.catalog import FileRecord

_OPEN = (EVERYONE,)


def readable_files(files: Mapping[str, FileRecord], who: frozenset[str]) -> frozenset[str] | None:
    """The files `who` (caller_groups) may read; None when that is every file, so no filter is needed."""
    allowed = frozenset(rel for rel, rec in files.items()
                        if not who.isdisjoint(rec.groups if rec.groups is not None else _OPEN))
    return None if len(allowed) == len(files) else allowed
