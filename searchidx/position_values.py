"""Word positions out of the text fields' posting values (Whoosh's ``Characters`` encoding).

A value is a ``pack_uint`` count and a pickled list of ``(position, start, end)``
deltas (:func:`searchidx.schema.text_postings` writes them). Shared: segments are
written with every term's positions read from these (:mod:`searchidx.posting_pool`,
for the arrays file), and searches read them from blocks where a segment has no
positions of its own (:mod:`searchidx.snapshot.postings`).
"""

from __future__ import annotations

import itertools
import pickle
from array import array
from collections.abc import Sequence

from whoosh.system import pack_uint

__all__ = ["value_positions", "values_positions"]

_UINT = len(pack_uint(0))  # the count before a value's pickle
# A value of one occurrence: its count, then PROTO 2, EMPTY_LIST, BINPUT 0, the first delta.
_ONCE = pack_uint(1) + b"\x80\x02]q\x00"
_FIRST = len(_ONCE)
_BININT1, _BININT2 = ord("K"), ord("M")


def value_positions(value: bytes) -> list[int]:
    """A posting's positions from its value (the encoding :func:`searchidx.schema.text_postings` writes).

    A value is a ``pack_uint`` count and a pickled list of ``(position, start, end)`` deltas,
    as ``whoosh.formats.Characters.decode_positions`` reads it.
    """
    codes = pickle.loads(value[_UINT:] if value.endswith(b".") else value[_UINT:] + b".")
    return list(itertools.accumulate(code[0] for code in codes))


def values_positions(values: Sequence[bytes | None]) -> tuple[array[int], array[int]] | None:
    """Postings' positions from their values, one after the other, and how many each has.

    None if a value is missing. Three postings in four hold their word once: their one
    position is read straight from the pickle's first opcode (``BININT1``/``BININT2``
    after ``PROTO 2``, ``EMPTY_LIST``, ``BINPUT 0``), a fraction of what unpickling costs;
    the others are unpickled (:func:`value_positions`).
    """
    every, counts = array("I"), array("I")
    for value in values:
        if value is None:
            return None
        if value.startswith(_ONCE):
            opcode = value[_FIRST]
            if opcode == _BININT1:
                every.append(value[_FIRST + 1])
                counts.append(1)
                continue
            if opcode == _BININT2:
                every.append(value[_FIRST + 1] | value[_FIRST + 2] << 8)
                counts.append(1)
                continue
        found = value_positions(value)
        every.extend(found)
        counts.append(len(found))
    return every, counts
