"""The name lists the tagger's features use (places, first and last names, casing, word clusters).

Read from the package's ``data/`` folder (sources and licences in MODEL_CARD.md); the places
mark capitalised runs of a sentence (:func:`gazetteer_marks`) as features, not as answers.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from .tokens import fold

if TYPE_CHECKING:
    from .scorer import CrfModel, TagMemo

__all__ = [
    "GAZETTEER_MAX_WORDS",
    "Gazetteer",
    "gazetteer_marks",
    "place_marks",
    "read_casing",
    "read_clusters",
    "read_gazetteer",
    "shipped_gazetteer",
]

GAZETTEER_MAX_WORDS: Final = 4


@dataclass(frozen=True)
class Gazetteer:
    """Name lists used as features: places (multi-word), first and last names (folded).

    ``casing`` says how each lower-cased word is usually written inside a sentence of news
    text: ``C`` capitalised, ``l`` lower case, ``M`` mixed.
    """

    places: frozenset[str] = frozenset()
    first_names: frozenset[str] = frozenset()
    last_names: frozenset[str] = frozenset()
    casing: Mapping[str, str] = field(default_factory=dict)
    #: Word -> cluster id (``clusters.txt``, learned from unlabelled open text).
    clusters: Mapping[str, str] = field(default_factory=dict)
    #: Memo of what each word brings to its own and its neighbours' features (:func:`sentence_features`).
    memo: dict[str, tuple[Any, ...]] = field(default_factory=dict, compare=False, repr=False)
    #: The same for :func:`tagging_parts`, one per model (the features' summed weights).
    tag_memos: dict[CrfModel, TagMemo] = field(default_factory=dict, compare=False, repr=False)
    #: Every start of a place name that ends at a word boundary ("new", "new york", "new york city").
    place_starts: frozenset[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        starts = set(self.places)
        for place in self.places:
            for k, ch in enumerate(place):
                if ch == " ":
                    starts.add(place[:k])
        object.__setattr__(self, "place_starts", frozenset(starts))


def read_casing(data_dir: Path) -> dict[str, str]:
    """Read ``casing.txt`` (``C word`` / ``M word`` / ``l word`` lines) into word -> class."""
    path = data_dir / "casing.txt"
    if not path.is_file():
        return {}
    pairs = (line.split(" ", 1) for line in path.read_text(encoding="utf-8").splitlines() if line)
    return {word: case for case, word in pairs}


def read_clusters(data_dir: Path) -> dict[str, str]:
    """Read ``clusters.txt`` (``word<TAB>cluster`` lines) into word -> cluster id."""
    path = data_dir / "clusters.txt"
    if not path.is_file():
        return {}
    pairs = (line.split("\t", 1) for line in path.read_text(encoding="utf-8").splitlines() if line)
    return {word: cluster for word, cluster in pairs}


def read_gazetteer(data_dir: Path) -> Gazetteer:
    """Read the shipped lists (places, first and last names, casing, clusters) in ``data_dir``."""

    def read(name: str) -> frozenset[str]:
        return frozenset(line for line in (data_dir / name).read_text(encoding="utf-8").splitlines() if line)

    return Gazetteer(
        read("places.txt"),
        read("first.txt"),
        read("last.txt"),
        read_casing(data_dir),
        read_clusters(data_dir),
    )


def gazetteer_marks(words: Sequence[str], gazetteer: Collection[str]) -> list[str]:
    """Mark capitalised runs found in ``gazetteer`` (folded, space-joined) as B/I, else ''."""
    return place_marks(words, [fold(w) for w in words], gazetteer)


def place_marks(
    words: Sequence[str], low: Sequence[str], gazetteer: Collection[str], starts: Sequence[bool] | None = None
) -> list[str]:
    """:func:`gazetteer_marks` on folded words; ``starts`` marks where a place may begin (else capitals)."""
    marks = [""] * len(words)
    for i, mark in place_mark_list(words, low, gazetteer, starts):
        marks[i] = mark
    return marks


def place_mark_list(
    words: Sequence[str], low: Sequence[str], gazetteer: Collection[str], starts: Sequence[bool] | None = None
) -> list[tuple[int, str]]:
    """The marked words of :func:`place_marks` only, in order: ``(position, "B" or "I")``."""
    found: list[tuple[int, str]] = []
    if starts is None:
        starts = [word[:1].isupper() for word in words]
    after = 0  # a place found ends here
    n = len(words)
    for i in [i for i, start in enumerate(starts) if start]:  # few: the loop is over them, not every word
        if i < after:
            continue
        for size in range(min(GAZETTEER_MAX_WORDS, n - i), 0, -1):
            if " ".join(low[i : i + size]) in gazetteer:
                found.append((i, "B"))
                found += [(j, "I") for j in range(i + 1, i + size)]
                after = i + size
                break
    return found


@lru_cache(maxsize=1)
def shipped_gazetteer() -> Gazetteer:
    """The packaged lists (:func:`read_gazetteer` of ``data/``), read once per process.

    The tagger's features, the name rules and the collection's vote all use this one copy.
    """
    return read_gazetteer(Path(__file__).with_name("data"))
