"""The collection's stories: which articles are copies of one another, as of one commit.

After each commit the writer groups every article by its sketch column
(:func:`searchidx.duplicates.story_groups`) and saves the groups beside the
index (``stories.json``, with the generation they describe), so a search
reads one small file instead of comparing articles. A search of a generation
without its file (written by an older searchidx, or a commit whose grouping
was interrupted) groups in memory.

:class:`Stories` counts a set of matching articles as stories: what totals,
counts and facets report unless every copy is asked for.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from pathlib import Path
from typing import Any

from .duplicates import story_groups
from .schema import decode_sketch, live_column
from .storage import STORIES_FILE

__all__ = ["Stories", "group_collection", "load_stories", "stories_json"]

_MISSING_DATE = 2**63 - 1  # the date column's value for an undated article


class Stories:
    """Which articles are copies of one story: ``first`` maps each copy to its story's first docnum.

    Articles alone in their story are not in ``first`` (most articles, in most collections).
    """

    __slots__ = ("_copies", "first", "groups")

    def __init__(self, first: dict[int, int]) -> None:
        self.first = first
        self._copies: tuple[Any, Any] | None = None  # first's items as two sorted arrays, once asked
        self.groups = len(set(first.values()))  # stories told by two or more articles

    def told(self, articles: int) -> int:
        """How many stories the whole collection of ``articles`` live articles tells."""
        return articles - len(self.first) + self.groups

    def spread(self, articles: int) -> float:
        """Articles per story in a collection of ``articles`` (1.0: no copies)."""
        stories = self.told(articles)
        return articles / stories if stories > 0 else 1.0

    def of(self, docnum: int) -> int:
        """The story of an article: the smallest docnum among its copies (its own if it has none)."""
        return self.first.get(docnum, docnum)

    def count(self, docs: Collection[int]) -> int:
        """How many stories the articles ``docs`` tell (a docnum collection with fast ``in``)."""
        first = self.first
        if not first:
            return len(docs)
        if len(docs) <= len(first):
            return len({first.get(d, d) for d in docs})
        copies = [d for d in first if d in docs]
        return len(docs) - len(copies) + len({first[d] for d in copies})

    def count_array(self, docs: Any) -> int:
        """:meth:`count` of a NumPy array of distinct docnums."""
        first = self.first
        if not first or not len(docs):
            return len(docs)
        import numpy as np

        if self._copies is None:
            ordered = sorted(first.items())
            self._copies = (
                np.array([d for d, _ in ordered], dtype=np.int64),
                np.array([s for _, s in ordered], dtype=np.int64),
            )
        copies, stories = self._copies
        at = np.minimum(np.searchsorted(copies, docs), len(copies) - 1)
        mapped = np.where(copies[at] == docs, stories[at], docs)
        return len(np.unique(mapped))

    def distinct(self, docs: set[int]) -> set[int]:
        """``docs`` with one article per story (each story's smallest docnum among ``docs``)."""
        first = self.first
        copies = (
            [d for d in docs if d in first] if len(docs) <= len(first) else [d for d in first if d in docs]
        )
        if not copies:
            return docs
        kept: dict[int, int] = {}
        for d in copies:
            story = first[d]
            if story not in kept or d < kept[story]:
                kept[story] = d
        return (docs - set(copies)) | set(kept.values())


def group_collection(reader: Any) -> Stories:
    """Group every live article of a Whoosh reader into stories, from its sketch and date columns."""
    dates = dict(live_column(reader, "date"))
    return Stories(
        story_groups(
            (docnum, decode_sketch(value), None if dates[docnum] == _MISSING_DATE else dates[docnum])
            for docnum, value in live_column(reader, "sketch")
        )
    )


def stories_json(generation: int, stories: Stories) -> dict[str, Any]:
    """The saved form: the generation, and each copy's docnum followed by its story's."""
    return {"generation": generation, "copies": [n for pair in stories.first.items() for n in pair]}


def load_stories(where: Path, generation: int) -> Stories | None:
    """The stories saved beside the index for ``generation``, or None (missing, stale, damaged)."""
    try:
        data = json.loads((where / STORIES_FILE).read_text(encoding="utf-8"))
        if data["generation"] != generation:
            return None
        flat: list[int] = data["copies"]
        if not set(map(type, flat)) <= {int} or len(flat) % 2:
            return None
        return Stories(dict(zip(flat[::2], flat[1::2], strict=True)))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # it is only a cache: the caller groups in memory
