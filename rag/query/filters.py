"""The caller's filters (`rag.retrieve(filters=...)`, the page's file and folder choice) as a store filter."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from rag.errors import InvalidInput, NoMatchingDocuments
from rag.store.filters import Filter, all_of, one_of

Filters = Mapping[str, Any]
# What a caller may restrict by: the file and folder, and chunk metadata the sync writes for every chunk.
FILTER_KEYS = ("file", "folder", "file_name", "kind", "page")
_SCALARS = (str, int, float, bool)


def check_filters(filters: object) -> Filters | None:
    """The caller's filters, or one `InvalidInput` line naming what is wrong with them."""
    if filters is None:
        return None
    if not isinstance(filters, Mapping):
        raise InvalidInput(f'filters must be a mapping such as {{"file": ["a.pdf"]}}, not {type(filters).__name__}')
    for key, value in filters.items():
        if key not in FILTER_KEYS:
            raise InvalidInput(f"unknown filter key {key!r}; the keys are {', '.join(FILTER_KEYS)}")
        values = list(value) if isinstance(value, list | tuple | set) else [value]
        if not all(v is None or isinstance(v, _SCALARS) for v in values):
            raise InvalidInput(f"filter {key!r} takes text or numbers (or a list of them), not {type(value).__name__}")
    return filters


@dataclass(frozen=True)
class Scope:
    """What one search may return: chunks of `files` (None: any committed file) that match `where`."""

    files: frozenset[str] | None
    where: Filter | None  # conditions on chunk metadata other than the file

    @property
    def store_filter(self) -> Filter | None:
        """The whole scope as one store filter."""
        files = one_of("file", sorted(self.files)) if self.files is not None else None
        return all_of(files, self.where)


def scope(filters: Filters | None, files: Collection[str], readable: frozenset[str] | None) -> Scope:
    """{"file": x|[x..], "folder": prefix|[..], any metadata key: value|[values]} within the `readable`
    files (None: all) → a `Scope`.

    Folders are resolved to the committed `files` under them; files, folders and access together select
    the files all allow. Raises `NoMatchingDocuments` when that leaves no file.
    """
    chosen: frozenset[str] | None = readable
    parts: list[Filter] = []
    for key, value in (filters or {}).items():
        if value is None or value == [] or value == "":
            continue
        values = list(value) if isinstance(value, list | tuple | set) else [value]
        if key == "file":
            these = frozenset(str(v) for v in values)
        elif key == "folder":
            prefixes = [str(v).strip("/") + "/" for v in values]
            these = frozenset(f for f in files if any(f.startswith(p) for p in prefixes))
        else:
            parts.append(one_of(key, values))
            continue
        chosen = these if chosen is None else chosen & these
    if chosen is not None and not chosen:
        raise NoMatchingDocuments("no document matches the filter")
    return Scope(chosen, all_of(*parts))
