"""Titles and roles around names: what a person's name is cut from, what ends an organisation's.

"Japanese Finance Minister Kiichi Miyazawa" is the person after the title; "Federal Reserve
Board Vice" is the organisation before it; "Bank of Japan Governor Satoshi Sumita" is both.
:mod:`.cleanup` applies these lists; :mod:`.collection` keeps a title out of a fuller name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from .context import PORTFOLIOS
from .decode import PERSON_TITLES, TITLE_WORDS
from .name_words import NATIONALITIES
from .tokens import fold

__all__ = ["ROLE_WORDS", "SPLIT_TITLES", "TITLE_NOUNS", "office_word", "title_like", "trailing_title"]

# Words of a title or role that run into a person's name ("Staff Howard Baker", "Prime Minsiter ...");
# the tagger's own title lists (decode.py) plus what wire copy adds.
ROLE_WORDS: Final = TITLE_WORDS | frozenset(
    "staff chief minsiter treasury trade representative economics defence rep mrs ms exchequer adm "
    "developer vice deputy".split()
)
# Nouns that end a title before a name ("Japanese Finance Minister Kiichi Miyazawa").
TITLE_NOUNS: Final = (
    PERSON_TITLES
    | frozenset("speaker director leader representative commissioner treasurer judge chief staff rep".split())
    | frozenset(  # military ranks ("Lt. Col. Oliver North"); not "major", a surname too
        "lt col colonel lieutenant capt captain sgt sergeant cmdr commander brig admiral".split()
    )
)

# Titles that end an organisation's name and begin a person's ("General" of "Egyptian General
# Petroleum Corp", "Lord" and "King" of places are not among them).
SPLIT_TITLES: Final = TITLE_NOUNS - frozenset("general gen lord lady king queen prince sir state".split())


def title_like(word: str) -> bool:
    """A folded word that is a title or role, or a hyphenated one ("vice-president")."""
    return any(part in TITLE_NOUNS or part in ROLE_WORDS or part in PORTFOLIOS for part in word.split("-"))


def trailing_title(raw: Sequence[str]) -> bool:
    """The last word is a title ("Chairman", "Vice-President") not inside "Office of the President"."""
    last, before = fold(raw[-1]).strip(".,'’"), fold(raw[-2]).strip(".,'’")
    return before not in ("of", "the", "and") and any(
        part in TITLE_NOUNS or part in ("vice", "deputy") for part in last.split("-")
    )


def office_word(word: str) -> bool:
    """A word of a title's office ("Treasury", "Soviet Foreign", "National Economy"), no name."""
    plain = fold(word).strip(".,'’")
    return plain in PORTFOLIOS or plain in NATIONALITIES or plain in ("treasury", "state", "national")
