"""What the sidebar hands to each question."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AskOptions:
    filters: dict[str, list[str]] | None
    top_k: int
    temperature: float


def build_filters(files: list[str], folders: list[str], known: list[str]) -> dict[str, list[str]] | None:
    """The engine's filter from the sidebar's choices. Chosen files and folders add up (either may
    match), while the engine ANDs its keys, so both together become the list of files they cover."""
    if files and folders:
        prefixes = tuple(f.strip("/") + "/" for f in folders)
        return {"file": sorted(set(files) | {f for f in known if f.startswith(prefixes)})}
    if files:
        return {"file": list(files)}
    if folders:
        return {"folder": list(folders)}
    return None


def folders_of(files: list[str]) -> list[str]:
    """Every folder (and parent folder) that holds one of these files."""
    found: set[str] = set()
    for rel in files:
        parts = rel.split("/")[:-1]
        found.update("/".join(parts[: i + 1]) for i in range(len(parts)))
    return sorted(found)
