"""From CRF tags to clean entity spans (shared by tagging and evaluation).

The tagger sometimes runs a name into its context ("Foreign Minister Mevlut
Cavusoglu" as an organisation, "Dmitry Peskov told RIA Novosti" as one
person). A few rules trim such spans; ``bench/ner_eval.py`` measures them.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["PERSON_TITLES", "TITLE_WORDS", "decode", "raw_spans"]

Span = tuple[int, int, str]  # token start, token end (exclusive), CoNLL type

#: Words that title a person ("President", "Minister"): also used by the rules in cleanup.py.
PERSON_TITLES = frozenset(
    "president minister premier chancellor secretary senator sen governor gov mr mrs ms dr prof "
    "sir lord lady king queen prince pope sheikh spokesman spokeswoman ambassador mayor chairman "
    "envoy general gen".split()
)
TITLE_WORDS = PERSON_TITLES | frozenset(
    "vice foreign deputy prime former late interior defence defense finance economy trade "
    "state turkish russian syrian iranian u.s. us american british french german chinese".split()
)
_NOT_NAMES = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may "
    "june july august september october november december".split()
)
# Lower-case words allowed inside names ("Bank of England", "Maarat al-Numan").
_JOINERS = frozenset("of for and de da di du del la le van von der den al el bin ibn the on".split())


def raw_spans(tags: Sequence[str]) -> list[Span]:
    """Decode BIO tags (a stray ``I-`` starts an entity) into token spans."""
    spans: list[Span] = []
    begin, kind = -1, ""
    for i, tag in enumerate([*tags, "O"]):
        if begin >= 0 and (tag == "O" or tag.startswith("B-") or tag[2:] != kind):
            spans.append((begin, i, kind))
            begin, kind = -1, ""
        if tag != "O" and begin < 0:
            begin, kind = i, tag[2:]
    return spans


def _trim(words: Sequence[str], span: Span) -> list[Span]:
    start, end, kind = span
    # A title before a name: "Foreign Minister Mevlut Cavusoglu" -> the person.
    titled = start
    while titled < end - 1 and words[titled].lower().rstrip(".") in TITLE_WORDS:
        titled += 1
    last_title = words[titled - 1].lower().rstrip(".") if titled > start else ""
    if last_title in PERSON_TITLES and words[titled][:1].isupper():
        start, kind = titled, "PER" if kind in ("ORG", "PER") else kind
    # Split at a lower-case word that cannot be part of a name ("Peskov told RIA").
    pieces: list[Span] = []
    piece = start
    for i in range(start, end):
        word = words[i]
        if word[:1].islower() and word.lower() not in _JOINERS and "-" not in word:
            if i > piece:
                pieces.append((piece, i, kind))
            piece = i + 1
    if end > piece:
        pieces.append((piece, end, kind))
    return [
        (s, e, k)
        for s, e, k in pieces
        if not (e - s == 1 and (words[s].lower() in _NOT_NAMES or not words[s][:1].isupper()))
        and words[e - 1].lower() not in _JOINERS
    ]


def decode(words: Sequence[str], tags: Sequence[str]) -> list[Span]:
    """Return cleaned entity spans for one tagged sentence."""
    return [trimmed for span in raw_spans(tags) for trimmed in _trim(words, span)]
