"""Why a search found nothing: filters that cannot match anything in this index.

Asked only when a search has no hits, so the few extra set look-ups cost
nothing in the common case. Each note is one sentence for the summary line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from whoosh import query as wq

from .dates import DateRange
from .snapshot import Snapshot, as_set

__all__ = ["filter_notes"]

_KINDS = {"person": "a person", "place": "a place", "org": "an organisation"}


def filter_notes(
    snapshot: Snapshot,
    dates: DateRange | None,
    filters: Sequence[wq.Query],
    docs: Callable[[wq.Query], set[int]],
) -> tuple[str, ...]:
    """Say which filters match no article, or that they match none together.

    Args:
        snapshot: The open index's snapshot.
        dates: The date filter, or ``None``.
        filters: Entity filters (Whoosh queries), from the query and the options.
        docs: Docnums a filter matches (aliases applied).

    Returns:
        One note per filter that matches nothing; else one note when the
        filters match nothing together; else nothing.
    """
    notes: list[str] = []
    sets: list[set[int]] = []
    if dates is not None:
        dated = snapshot.dates.docs_in(dates)
        if not dated:
            notes.append(_date_note(snapshot, dates))
        sets.append(as_set(dated))
    for query in filters:
        if isinstance(query, wq.Not):
            continue  # excludes articles: it can empty the results only together with others
        found = docs(query)
        if not found:
            notes.append(f"no article names {_describe(query)}")
        sets.append(found)
    if not notes and len(sets) > 1 and not set.intersection(*sets):
        notes.append("no article matches all the filters together")
    return tuple(notes)


def _date_note(snapshot: Snapshot, dates: DateRange) -> str:
    first, last, _undated = snapshot.dates.summary()
    if first is None or last is None:
        return "no article in the index has a date"
    span = f"{first.date().isoformat()}..{last.date().isoformat()}"
    start, _, end = dates.label().partition("..")
    if not end:
        within = f"on or after {start}"
    elif not start:
        within = f"on or before {end}"
    else:
        within = f"within {start}..{end}"
    return f"no article is dated {within} (the index spans {span})"


def _describe(query: wq.Query) -> str:
    """``a person "putin"``, ``a place "black sea" or "sochi"``; a generic phrase otherwise."""
    found = _names(query)
    if found is None:
        named = sorted({getattr(q, "fieldname", "") for q in query.leaves()} & set(_KINDS))
        return "what the " + "/".join(named or ["entity"]) + " filter asks for"
    fields, names = found
    # "al-assad" is searched as "alassad" or "al assad": name it once.
    names = [n for n in names if not any(m != n and m.replace(" ", "") == n for m in names)]
    kind = _KINDS[next(iter(fields))] if len(fields) == 1 else "a person, place or organisation"
    return kind + " " + " or ".join(f'"{name}"' for name in names)


def _names(query: wq.Query) -> tuple[set[str], list[str]] | None:
    """The fields and names of a filter made only of names (a term, a phrase, or OR of them)."""
    if isinstance(query, wq.Term) and query.fieldname in _KINDS:
        return {query.fieldname}, [str(query.text)]
    if isinstance(query, wq.Phrase) and query.fieldname in _KINDS:
        return {query.fieldname}, [" ".join(query.words)]
    if isinstance(query, wq.Or):
        fields: set[str] = set()
        names: list[str] = []
        for sub in query.subqueries:
            found = _names(sub)
            if found is None:
                return None
            fields |= found[0]
            names += [name for name in found[1] if name not in names]
        return fields, names
    return None
