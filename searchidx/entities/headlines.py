"""Headlines: capitalised throughout, so only the article's body can say which words are names."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..analysis import fold
from ..models import Entity
from .aliases import alias

__all__ = ["headline_case", "title_mentions"]

_WORD_RE = re.compile(r"[^\W\d_][\w.&'’-]*")  # a word that begins with a letter


def headline_case(title: str, body: Sequence[Entity]) -> str:
    """``title`` with capitals only where a name of the body may be, for the tagger to read.

    A word keeps its capitals if it is a word of one of the body's names, an alias
    ("EC", "U.S.") or, in a headline not in capitals, an acronym; the rest is lower case
    ("Putin Meets Erdogan" -> "Putin meets Erdogan" when the body names both men). In a
    headline in capitals the kept words are written as titles ("ARGENTINA" -> "Argentina").
    The result is as long as ``title``: a word whose lower case is not keeps its capitals, so
    offsets into one are offsets into the other.
    """
    known = {fold(word) for e in body for word in e.text.split()}
    capitals = title.isupper()

    def case(match: re.Match[str]) -> str:
        word = match.group()
        if fold(word) in known or alias(word) is not None:
            keep = word.title() if capitals and len(word) > 3 and "." not in word else word
        elif word.isupper() and len(word) > 1 and not capitals:
            keep = word  # "NATO", "IBM"
        else:
            keep = word.lower()
        return keep if len(keep) == len(word) else word

    return _WORD_RE.sub(case, title)


def title_mentions(title: Sequence[Entity], body: Sequence[Entity]) -> list[Entity]:
    """Keep a headline's mentions only of names the body also mentions.

    Headlines are capitalised throughout ("Oil Prices Rise as OPEC Meets"), so
    the tagger cannot tell names from words there; the body can.
    """
    known = {fold(e.text) for e in body} | {fold(w) for e in body for w in e.text.split()}
    return [e for e in title if fold(e.text) in known]
