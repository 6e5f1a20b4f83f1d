"""Read-only mappings and ISO dates for the frozen values of models.py and reports.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any, TypeVar

__all__ = ["FrozenMap", "freeze_field", "iso_utc"]

K = TypeVar("K")
V = TypeVar("V")


class FrozenMap(Mapping[K, V]):
    """A read-only, hashable mapping: what a frozen value holds instead of a dict.

    ``hit.entities["person"] = ...`` raises ``TypeError`` and ``hash(hit)`` works.
    """

    __slots__ = ("_data", "_hash")

    def __init__(self, data: Mapping[K, V] | None = None) -> None:
        self._data: dict[K, V] = dict(data or {})
        self._hash: int | None = None

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self._data.items()))
        return self._hash

    def __eq__(self, other: object) -> bool:
        return dict(self._data) == dict(other) if isinstance(other, Mapping) else NotImplemented

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"


def freeze_field(value: Any, name: str, data: Mapping[Any, Any]) -> None:
    """Store ``data`` as a :class:`FrozenMap` on a frozen dataclass (from ``__post_init__``)."""
    if not isinstance(data, FrozenMap):
        object.__setattr__(value, name, FrozenMap(data))


def iso_utc(value: dt.datetime | None) -> str | None:
    """ISO 8601 UTC to the second, the year always 4 digits (``0001-01-01T00:00:00Z``).

    A naive value is UTC already (``strftime("%Y")`` would print year 1 as ``1``).
    """
    if value is None:
        return None
    utc = value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
    return utc.isoformat(timespec="seconds") + "Z"
