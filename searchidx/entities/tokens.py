"""Sentence and word tokenisation for the entity tagger, with character offsets.

CoNLL-2003-style tokens (possessive ``'s`` split off, punctuation separate,
hyphenated words and initialisms kept whole) without any NLTK data.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from ..analysis import fold as _fold
from ..analysis import sentence_spans

__all__ = ["Sentence", "first_word", "fold", "offsets", "sentences", "tokenize", "words"]

_TOKEN_RE: Final = re.compile(
    r"""
      (?:[A-Za-z]\.){2,}                          # U.S.  U.N.
    | ['’´]s\b                                    # possessive, its own token
    | \w+(?:[-‐‑]\w+|['’](?![sS]\b)\w+)*          # words: al-Assad, O'Brien
    | \S                                          # any other character
    """,
    re.X,
)

# (tokens, starts, ends) of one sentence; offsets index the original text.
Sentence = tuple[list[str], list[int], list[int]]


def tokenize(text: str, offset: int = 0) -> Sentence:
    """Split one sentence into tokens with absolute start/end offsets."""
    words: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for match in _TOKEN_RE.finditer(text):
        words.append(match.group())
        starts.append(offset + match.start())
        ends.append(offset + match.end())
    return words, starts, ends


def words(text: str) -> list[str]:
    r"""The tokens of :func:`tokenize` without their offsets (the tagger's fast path).

    No token holds whitespace nor looks past it (its lookarounds see whitespace as they see
    the end), so the text is cut at whitespace first (``str.split`` and ``\s`` agree on it)
    and a piece of letters and digits alone is one token: only the rest go through the
    regex (a third less time on Reuters' sentences than the regex over each sentence). Nor
    does a word with one mark after it ("said," "Inc."; half of the rest on Reuters): ``\w``
    is ``isalnum()`` or ``_``, so the regex takes the word whole and the mark alone (no
    initialism is one letter long, no word is joined on by a mark at the end), but for ``_``;
    nor does a possessive (``company's``: the word, then ``'s``).
    """
    found: list[str] = []
    for piece in text.split():
        if piece.isalnum():
            found.append(piece)
        elif len(piece) > 1 and piece[:-1].isalnum() and piece[-1] != "_":
            found.append(piece[:-1])
            found.append(piece[-1])
        elif len(piece) > 2 and piece[-1] == "s" and piece[-2] in "'’´" and piece[:-2].isalnum():
            found.append(piece[:-2])  # "company's": the word, then its possessive (lower-case s only)
            found.append(piece[-2:])
        else:
            found += _TOKEN_RE.findall(piece)
    return found


def fold(word: str) -> str:
    """:func:`searchidx.analysis.fold` (lower case, no diacritics), an ASCII word folded here.

    The rules fold every word of every name: compiled with them, the common case is not
    a call into the interpreter.
    """
    low = word.lower()
    return low if low.isascii() else _fold(low)


def first_word(text: str) -> str | None:
    """The first of :func:`words` of a text that starts with a token (no leading space), else ``None``."""
    match = _TOKEN_RE.match(text)
    return None if match is None else match.group()


def offsets(text: str, tokens: Sequence[str], count: int) -> tuple[list[int], list[int]]:
    r"""Start and end offsets in ``text`` of the first ``count`` of its :func:`words`.

    The same offsets as :func:`tokenize`, for a fraction of its cost: tokens hold no
    whitespace and only whitespace lies between them (``\S`` matches any other
    character), so each token starts after the whitespace that follows the one before.
    """
    starts: list[int] = []
    ends: list[int] = []
    end = 0
    for token in tokens[:count]:
        start = end
        while text[start].isspace():  # what ``str.split`` splits at: the gap before the token
            start += 1
        end = start + len(token)
        starts.append(start)
        ends.append(end)
    return starts, ends


def sentences(text: str) -> list[Sentence]:
    """Split text into tokenised sentences (offsets into ``text``)."""
    return [tokenize(text[start:end], start) for start, end in sentence_spans(text)]
