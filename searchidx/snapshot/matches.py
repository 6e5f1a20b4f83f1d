"""Where a page's documents hold the query's terms: character ranges, two ways.

From the terms' postings (:func:`posting_matches`): each term's postings are
skipped through to each page document, a Whoosh block decoded per document
(~0.1 ms), more blocks skipped the bigger the index. Or from the stored text
(:func:`text_matches`): the page's title and body analysed again, as the index
analysed them (:func:`searchidx.analysis.spans`, the words' stems from the
index's memo), as long as the page's text whatever the terms. The snapshot takes the
cheaper (:meth:`searchidx.snapshot.Snapshot.page_matches`); both give the ranges
the index stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .. import analysis
from ..schema import TEXT_FIELDS

__all__ = ["BLOCK_POSTINGS", "CHARS_A_BLOCK", "Matches", "posting_matches", "text_matches"]

Matches = dict[str, list[tuple[int, int]]]  # field -> character ranges
#: Postings in a Whoosh block (its codec's default): a document read through the postings decodes one.
BLOCK_POSTINGS = 128
#: Characters analysed again that cost what decoding one block does (measured at 76,172 and
#: 304,688 Reuters articles, a page of 10: 0.07 ms a block; 1.7 ms a page of ~12,000 characters).
CHARS_A_BLOCK = 500


def text_matches(
    terms: Sequence[tuple[str, bytes]], stored: Mapping[int, Mapping[str, Any]]
) -> dict[int, Matches]:
    """Character ranges of ``terms`` (``(field, term)``, text fields only) in each stored document.

    Args:
        terms: The indexed terms to find.
        stored: Each document's stored fields, by docnum.

    Returns:
        For each docnum, each text field's ranges (an empty list where none match).
    """
    wanted: dict[str, set[str]] = {fieldname: set() for fieldname in TEXT_FIELDS}
    for fieldname, term in terms:
        if fieldname in wanted:
            wanted[fieldname].add(term.decode("utf-8"))
    found: dict[int, Matches] = {}
    for docnum, fields in stored.items():
        derived = (fields.get("extra") or {}).get("title_derived")
        # What each field indexed: a title derived from the body was stored, not indexed.
        texts = {"title": "" if derived else fields.get("title") or "", "body": fields.get("body") or ""}
        found[docnum] = {fieldname: _ranges(texts[fieldname], wanted[fieldname]) for fieldname in TEXT_FIELDS}
    return found


def _ranges(text: str, terms: set[str]) -> list[tuple[int, int]]:
    if not terms:
        return []
    return [(start, end) for term, _pos, start, end, _joined in analysis.spans(text) if term in terms]


def posting_matches(
    reader: Any, terms: Sequence[tuple[str, bytes]], docnums: Sequence[int], fieldnames: Sequence[str]
) -> dict[int, Matches]:
    """Character ranges of every term in each document of a page, by field (``fieldnames`` only).

    Each term's postings are read once and skipped through the page in docnum
    order: opening postings per term *per hit* cost ~2 ms a hit. ``reader`` is
    a Whoosh reader of the snapshot.
    """
    found: dict[int, Matches] = {d: {f: [] for f in fieldnames} for d in docnums}
    ordered = sorted(set(docnums))
    for fieldname, term in terms:
        if (fieldname, term) not in reader:
            continue
        postings = reader.postings(fieldname, term)
        for docnum in ordered:
            if not postings.is_active():
                break
            if postings.id() < docnum:
                postings.skip_to(docnum)
                if not postings.is_active():
                    break
            if postings.id() == docnum:
                found[docnum][fieldname].extend((s, e) for _pos, s, e in postings.value_as("characters"))
    return found
