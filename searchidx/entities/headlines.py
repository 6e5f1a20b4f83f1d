"""Headlines: capitalised throughout, so only the article's body can say which words are names."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..analysis import fold
from ..models import Entity
from .aliases import alias

__all__ = ["headline_case", "title_mentions"]

_WORD_RE = re.compile(r"[^\W\d_][\w.&'’-]*")  # a word that begins with a letter
_LETTERS_RE = re.compile(r"[^\W\d_]+")  # its runs of letters: "Putin" and "s" of "Putin's"


def headline_case(title: str, body: Sequence[Entity]) -> str:
    """``title`` with capitals only where a name of the body may be, for the tagger to read.

    A word keeps its capitals if it is an alias ("EC", "U.S.") or, in a headline not in
    capitals, an acronym ("NATO"); otherwise each run of letters in it keeps them if it is
    one of the body's names' runs ("Putin" of "Putin's", of "Erdogan-Putin"), and the rest
    is lower case ("Putin Meets Erdogan" -> "Putin meets erdogan" when the body names only
    Putin). In a headline in capitals a known run is written as the body writes it ("NEW
    YORK" -> "New York", "MCDONALD'S" -> "McDonald's"). The result is as long as ``title``
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
        return known if capitals and len(known) == len(run) else run

    def case(match: re.Match[str]) -> str:
        word = match.group()
        if alias(word) is not None or (word.isupper() and len(word) > 1 and not capitals):
            return word
        return _LETTERS_RE.sub(run_case, word)

    return _WORD_RE.sub(case, title)


def title_mentions(title: Sequence[Entity], body: Sequence[Entity]) -> list[Entity]:
    """Keep a headline's mentions only of names the body also mentions.

    Headlines are capitalised throughout ("Oil Prices Rise as OPEC Meets"), so
    the tagger cannot tell names from words there; the body can.
    """
    known = {fold(e.text) for e in body} | {fold(w) for e in body for w in e.text.split()}
    return [e for e in title if fold(e.text) in known]
