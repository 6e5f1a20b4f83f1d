"""From CRF tags to clean entity spans (shared by tagging and evaluation).

The tagger sometimes runs a name into its context ("Foreign Minister Mevlut
Cavusoglu" as an organisation, "Dmitry Peskov told RIA Novosti" as one
person). A few rules trim such spans; ``bench/ner_eval.py`` measures them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from .gazetteer import shipped_gazetteer

__all__ = ["PERSON_TITLES", "TITLE_WORDS", "decode", "raw_spans", "results_line"]

Span = tuple[int, int, str]  # token start, token end (exclusive), CoNLL type

#: Words that title a person ("President", "Minister"): also used by the rules in cleanup.py.
PERSON_TITLES: Final = frozenset(
    "president minister premier chancellor secretary senator sen governor gov mr mrs ms dr prof "
    "sir lord lady king queen prince pope sheikh spokesman spokeswoman ambassador mayor chairman "
    "envoy general gen congressman congresswoman".split()
)
TITLE_WORDS: Final = PERSON_TITLES | frozenset(
    "vice foreign deputy prime former late interior defence defense finance economy trade "
    "state turkish russian syrian iranian u.s. us american british french german chinese".split()
)
_NOT_NAMES: Final = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may "
    "june july august september october november december".split()
)
# A score, a run tally or a table figure (not a year): "Fulham 1 Carlisle 0", "Hampshire 232".
_SCORE_RE: Final = re.compile(r"\d{1,3}")
_SCORE_IN_RE: Final = re.compile(r"(?:^| )\d{1,3}(?= |$)")  # a word that is one (words hold no space)
# Any number: never part of a name on a results line ("Millwall 4 2 1 1 7 5 7", ".474").
_NUMBER_RE: Final = re.compile(r"[\d.,:/-]*\d[\d.,:/-]*")
# Lower-case words allowed inside names ("Bank of England", "Maarat al-Numan").
_JOINERS: Final = frozenset("of for and de da di du del la le van von der den al el bin ibn the on".split())


# Titles that begin firms' names too ("General Motors", but "General Zia").
_FIRM_OR_TITLE: Final = frozenset({"general", "gen"})


def _firm_word(word: str) -> bool:
    """After "General": no first or last name, and a common word or a plural ("Electric", "Motors")."""
    low = word.lower()
    lists = shipped_gazetteer()
    return (
        low not in lists.first_names
        and low not in lists.last_names
        and (lists.casing.get(low) in ("l", "M") or low.endswith("s"))
    )


def raw_spans(tags: Sequence[str]) -> list[Span]:
    """Decode BIO tags (a stray ``I-`` starts an entity) into token spans."""
    spans: list[Span] = []
    begin, kind, last = -1, "", -1
    for i in [i for i, tag in enumerate(tags) if tag != "O"]:  # few: most words are no name
        tag = tags[i]
        if begin >= 0 and (i != last + 1 or tag.startswith("B-") or tag[2:] != kind):
            spans.append((begin, last + 1, kind))
            begin = -1
        if begin < 0:
            begin, kind = i, tag[2:]
        last = i
    if begin >= 0:
        spans.append((begin, last + 1, kind))
    return spans


def _trim(words: Sequence[str], span: Span) -> list[Span]:
    start, end, kind = span
    # A title before a name: "Foreign Minister Mevlut Cavusoglu" -> the person.
    titled = start
    while titled < end - 1 and words[titled].lower().rstrip(".") in TITLE_WORDS:
        titled += 1
    last_title = words[titled - 1].lower().rstrip(".") if titled > start else ""
    if (
        last_title in _FIRM_OR_TITLE
        and titled - start == 1
        and end - titled == 1
        and _firm_word(words[titled])
    ):
        last_title = ""  # "General Motors", "General Electric": no general and no name follows
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


def results_line(words: Sequence[str]) -> bool:
    """A line of sports results or a table: a score-like number and at most two lower-case words."""
    lower = 0
    for word in words:  # first: prose has three lower-case words within a few words
        if word[:1].islower():
            lower += 1
            if lower > 2:
                return False
    return _SCORE_IN_RE.search(" ".join(words)) is not None


def _results(words: Sequence[str], spans: list[Span]) -> list[Span]:
    """Spans on a results line: cut at numbers; a name followed by a score is a team (``ORG``).

    "Oldham 3 Ipswich 3", "OAKLAND 65 72 .474", "Hampshire 232 and 205": the tagger reads these
    names as places or runs them into the figures; CoNLL-2003 and news call them organisations.
    """
    pieces: list[Span] = []
    for start, end, kind in spans:
        piece = start
        for i in range(start, end + 1):
            if i == end or _NUMBER_RE.fullmatch(words[i]):
                if i > piece and words[piece][:1].isupper():
                    pieces.append((piece, i, kind))
                piece = i + 1
    return [
        (
            start,
            end,
            "ORG" if kind != "PER" and end < len(words) and _SCORE_RE.fullmatch(words[end]) else kind,
        )
        for start, end, kind in pieces
    ]


def decode(words: Sequence[str], tags: Sequence[str]) -> list[Span]:
    """Return cleaned entity spans for one tagged sentence."""
    spans = [trimmed for span in raw_spans(tags) for trimmed in _trim(words, span)]
    return _results(words, spans) if spans and results_line(words) else spans
