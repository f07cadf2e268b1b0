"""The caller's filters (`rag.retrieve(filters=...)`, the page's file and folder choice) as a store filter."""

from __future__ import annotations

from collections.abc import Collection, Mapping
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


def store_filter(filters: Filters | None, files: Collection[str]) -> Filter | None:
    """{"file": x|[x..], "folder": prefix|[..], any metadata key: value|[values]} → a store filter.

    Folders are resolved to the committed `files` under them; files and folders together select the files
    both allow. Raises `NoMatchingDocuments` when that leaves no file.
    """
    if not filters:
        return None
    chosen: set[str] | None = None
    parts: list[Filter] = []
    for key, value in filters.items():
        if value is None or value == [] or value == "":
            continue
        values = list(value) if isinstance(value, list | tuple | set) else [value]
        if key == "file":
            these = {str(v) for v in values}
        elif key == "folder":
            prefixes = [str(v).strip("/") + "/" for v in values]
            these = {f for f in files if any(f.startswith(p) for p in prefixes)}
        else:
            parts.append(one_of(key, values))
            continue
        chosen = these if chosen is None else chosen & these
    if chosen is not None:
        if not chosen:
            raise NoMatchingDocuments("no document matches the filter")
        parts.append(one_of("file", sorted(chosen)))
    return all_of(*parts)
