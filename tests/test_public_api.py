"""Every type the public API hands back can be imported from ``searchidx`` itself."""

from __future__ import annotations

import dataclasses
import inspect
import typing

import searchidx
from searchidx import Index


def _classes(hint: object, package: str) -> set[type]:
    """The classes of ``package`` named in a type hint (inside unions, tuples, mappings...)."""
    found: set[type] = set()
    for item in (hint, typing.get_origin(hint)):
        if isinstance(item, type) and item.__module__.startswith(package):
            found.add(item)
    for arg in typing.get_args(hint):
        found |= _classes(arg, package)
    return found


def _returned(cls: type, package: str = "searchidx") -> set[type]:
    """Classes the public methods and properties of ``cls`` return, and their fields' classes."""
    todo: set[type] = set()
    for name, member in inspect.getmembers(cls):
        function = member.fget if isinstance(member, property) else member
        if not name.startswith("_") and callable(function):
            todo |= _classes(typing.get_type_hints(function).get("return"), package)
    seen: set[type] = set()
    while todo:
        item = todo.pop()
        seen.add(item)
        if dataclasses.is_dataclass(item):
            for hint in typing.get_type_hints(item).values():
                todo |= _classes(hint, package) - seen
    return seen


def test_every_type_the_index_returns_is_exported() -> None:
    returned = _returned(Index)
    assert {"SearchResults", "Hit", "Span", "Facets", "FacetValue", "Document"} <= {
        c.__name__ for c in returned
    }
    missing = {c.__name__ for c in returned if getattr(searchidx, c.__name__, None) is not c}
    assert missing == set()
    assert all(c.__name__ in searchidx.__all__ for c in returned)


@dataclasses.dataclass(frozen=True)
class _Inner:
    value: int


@dataclasses.dataclass(frozen=True)
class _Outer:
    inners: tuple[_Inner, ...]


class _Api:
    def get(self) -> _Outer | None:
        raise NotImplementedError

    @property
    def size(self) -> int:
        return 0


def test_the_check_follows_returns_into_fields() -> None:
    assert _returned(_Api, package=__name__) == {_Outer, _Inner}
