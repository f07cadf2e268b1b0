"""The filter language of the store protocol: which chunks a call is about, by their metadata.

Small and backend-neutral (each store translates it to its own query syntax), and only what the
engine asks: equal, one of, not equal, and all of these at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

Scalar = str | int | float | bool


@dataclass(frozen=True)
class Eq:
    """Chunks whose `field` is `value`."""

    field: str
    value: Scalar


@dataclass(frozen=True)
class Ne:
    """Chunks whose `field` is not `value` (a chunk without the field counts as not equal)."""

    field: str
    value: Scalar


@dataclass(frozen=True)
class In:
    """Chunks whose `field` is one of `values`."""

    field: str
    values: tuple[Scalar, ...]

    def __post_init__(self) -> None:
        if not self.values:  # matches nothing: callers decide what an empty choice means before asking
            raise ValueError(f"In({self.field!r}) needs at least one value")


@dataclass(frozen=True)
class All:
    """Chunks that match every part."""

    parts: tuple[Filter, ...]


Filter = Eq | Ne | In | All


def one_of(field: str, values: Iterable[Scalar]) -> Eq | In:
    """`field` is any of `values`: `Eq` for one value, `In` for more."""
    chosen = tuple(values)
    return Eq(field, chosen[0]) if len(chosen) == 1 else In(field, chosen)


def all_of(*parts: Filter | None) -> Filter | None:
    """The parts that are given, joined: None for none, the part itself for one, `All` for more (an `All`
    among the parts is opened into its own parts)."""
    given = tuple(q for p in parts if p is not None for q in (p.parts if isinstance(p, All) else (p,)))
    if not given:
        return None
    return given[0] if len(given) == 1 else All(given)
