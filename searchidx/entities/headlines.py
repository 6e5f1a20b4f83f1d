"""Headlines: capitalised throughout, so only the article's body can say which words are names."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import Final

from ..models import Entity
from .aliases import alias
from .tokens import fold

__all__ = ["headline_case", "title_mentions"]

_WORD_RE: Final = re.compile(r"[^\W\d_][\w.&'’-]*")  # a word that begins with a letter
_LETTERS_RE: Final = re.compile(r"[^\W\d_]+")  # its runs of letters: "Putin" and "s" of "Putin's"


def headline_case(title: str, body: Sequence[Entity]) -> str:
    """``title`` with capitals only where a name of the body may be, for the tagger to read.

    A word keeps its capitals if it is an alias ("EC", "U.S.") or, in a headline not in
    capitals, an acronym ("NATO"); otherwise each run of letters in it keeps them if it is
    one of the body's names' runs ("Putin" of "Putin's", of "Erdogan-Putin"), and the rest
    is lower case ("Putin Meets Erdogan" -> "Putin meets erdogan" when the body names only
    Putin). A known run is written as the body writes it ("NEW YORK" -> "New York",
    "MCDONALD'S" -> "McDonald's", "Icco" -> "ICCO"). The result is as long as ``title``
    (a run whose other case is not keeps its own), so offsets into one are offsets into the other.
    """
    spelling: dict[str, str] = {}
    for entity in body:
        for run in _LETTERS_RE.findall(entity.text):
            spelling.setdefault(fold(run), run)
    capitals = title.isupper()

    def run_case(match: re.Match[str]) -> str:
        run, at = match.group(), match.start()
        known = spelling.get(fold(run))
        after_apostrophe = at > 0 and match.string[at - 1] in "'’"
        if known is None or after_apostrophe:
            lower = run.lower()
            return lower if len(lower) == len(run) else run
        return known if len(known) == len(run) else run

    def case(match: re.Match[str]) -> str:
        word = match.group()
        if alias(word) is not None or (word.isupper() and len(word) > 1 and not capitals):
            return word
        return _LETTERS_RE.sub(run_case, word)

    return _WORD_RE.sub(case, title)


def title_mentions(
    title: Sequence[Entity], body: Sequence[Entity], places: Collection[str] = frozenset()
) -> list[Entity]:
    """A headline's mentions of names the body also mentions, or of a person's surname, typed as there.

    Headlines are capitalised throughout ("Oil Prices Rise as OPEC Meets"), so
    the tagger cannot tell names from words there; the body can, and gives the type
    ("Wright Says ..." is the body's Jim Wright). Another word of a body's name is no
    name alone ("Aegean" of "Aegean Sea" in "Aegean Crisis") unless ``places`` (folded
    place names) has it: "Japan" of "Bank of Japan" in "Japan Cuts Rates".
    """
    votes: dict[tuple[str, str], int] = {}
    for entity in body:
        vote = (fold(entity.text), entity.label)
        votes[vote] = votes.get(vote, 0) + 1
    labels: dict[str, str] = {}
    # the type most of the body's mentions give (sorted is stable: the first of equal counts)
    for name, kind in sorted(votes, key=lambda vote: -votes[vote]):
        labels.setdefault(name, kind)
    for entity in body:
        words = entity.text.split()
        if entity.label == "person":
            labels.setdefault(fold(words[-1]), "person")
        for word in words:
            if (name := fold(word)) in places:
                labels.setdefault(name, "place")
    kept = []
    for entity in title:
        label = labels.get(fold(entity.text))
        if label is not None:
            kept.append(
                entity if entity.label == label else Entity(entity.text, label, entity.start, entity.end)
            )
    return kept
