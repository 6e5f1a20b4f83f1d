"""Facets: the top people, places and organisations among matching articles, and a timeline.

Counts come from the per-document entity column (no stored fields are
loaded), so a facet over the whole collection costs one pass over a column.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable

from .cache import SearchCache, from_ts
from .entities.canonical import best_display
from .errors import SearchCancelled
from .filters import NO_FILTERS, Filters, Mode
from .models import Facets, FacetValue
from .search import matching_docs, prepare

__all__ = ["run_facets"]


def run_facets(
    cache: SearchCache,
    text: str,
    *,
    limit: int,
    mode: Mode,
    filters: Filters = NO_FILTERS,
    should_stop: Callable[[], bool] | None = None,
) -> Facets:
    """Count entities and months over every article the query matches.

    Raises:
        SearchCancelled: ``should_stop`` said so (asked between stages and every 1,024 articles).
    """

    def check() -> None:
        if should_stop is not None and should_stop():
            raise SearchCancelled()

    parsed, compiled = prepare(cache, text, mode=mode, filters=filters, allow_empty=True)
    docs = matching_docs(cache, parsed, compiled.allowed)
    check()
    rows = cache.entity_rows()
    found: list[list[tuple[str, str, str]]] = []
    months: Counter[str] = Counter()
    by_doc = cache.dates.by_doc
    undated = 0
    for seen_docs, docnum in enumerate(docs):
        if not seen_docs & 1023:
            check()
        if docnum in rows:
            found.append(rows[docnum])
        stamp = by_doc.get(docnum)
        if stamp is None:
            undated += 1
        else:
            day = from_ts(stamp)
            months[f"{day.year:04d}-{day.month:02d}"] += 1  # strftime gives "1-01" for year 1
    check()
    # "Putin" here and "Vladimir Putin" there are one person; Merrill Lynch is an org however tagged.
    resolution = cache.resolution()
    counts: dict[str, Counter[str]] = {"person": Counter(), "place": Counter(), "org": Counter()}
    names: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for doc in found:
        seen: set[tuple[str, str]] = set()
        for label, key, name in doc:
            root = resolution.root(label, key)
            if root[0] not in counts:
                continue  # a common word, not a name (entities.collection.common_words)
            if root[1] == key:
                names[root][name] += 1
            if root not in seen:
                seen.add(root)
                counts[root[0]][root[1]] += 1

    def top(label: str) -> tuple[FacetValue, ...]:
        ranked = sorted(counts[label].items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        return tuple(
            FacetValue(best_display(names.get((label, key)) or Counter({key: 1})), key, n)
            for key, n in ranked
        )

    return Facets(
        text, len(docs), top("person"), top("place"), top("org"), tuple(sorted(months.items())), undated
    )
