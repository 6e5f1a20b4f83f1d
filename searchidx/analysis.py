"""Text analysis shared by indexing and querying: tokens, folding, stop words, stems.

Pure Python with no Whoosh in sight; :mod:`searchidx.schema` wraps
:func:`analyze` as a Whoosh tokenizer. The same function runs on documents
and on query words, so the two can never disagree.

NLTK is imported lazily, on the first stem that is not already memoised:
``import nltk`` costs ~300 ms, more than a whole ``search`` should take.
An index stores the memo of every word it has seen (see
:func:`stem_table`), so queries over known words never import NLTK.
"""

from __future__ import annotations

import re
import sys
import threading
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, NamedTuple

__all__ = [
    "ANALYZER_NAME",
    "ANALYZER_VERSION",
    "STOP_WORDS",
    "Token",
    "absorb",
    "analyze",
    "fold",
    "lean_nltk_import",
    "preload_stems",
    "recording",
    "sentence_spans",
    "spans",
    "stem",
    "stem_table",
    "terms",
    "vocabulary",
]

ANALYZER_NAME = "news-en-snowball"
#: Bump whenever a change alters the terms produced for any input.
ANALYZER_VERSION = "2"  # 2: combining marks and default-ignorable characters stay inside words

#: Lucene's English stop set: short, so "who", "us" and "will" stay searchable.
STOP_WORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their "
    "then there these they this to was will with".split()
)

_APOSTROPHES = "'’´ʼ`"
_HYPHENS = "-‐‑"
# Combining marks Python's \w does not match: decomposed (NFD) Latin, Greek and Cyrillic
# ("Erdog\u0306an"), Hebrew and Arabic points, Devanagari and Bengali vowel signs.
_MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7\u0610-\u061a"
    "\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed\u0900-\u0903"
    "\u093a-\u094f\u0951-\u0957\u0962\u0963\u0981-\u0983\u09bc-\u09d7\u09e2\u09e3"
    "\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20f0\ufe20-\ufe2f"
)
# Unicode's default-ignorable characters (zero-width space and joiners, soft hyphen, word
# joiner, BOM, bidi controls, variation selectors): invisible, so removed inside a word.
_IGNORABLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0"
)
_IGNORABLE_RE = re.compile(f"[{_IGNORABLE}]")
_WORD = rf"\w[\w{_MARKS}]*(?:[{_IGNORABLE}]+[\w{_MARKS}]+)*"
# A number with decimal/thousands separators, or a word whose parts are
# joined by hyphens or apostrophes ("cease-fire", "Syria´s", "O'Brien").
_TOKEN_RE = re.compile(
    r"\d+(?:[.,]\d+)+|" + _WORD + "(?:[" + re.escape(_HYPHENS + _APOSTROPHES) + "]" + _WORD + ")*"
)
_HYPHEN_RE = re.compile("[" + re.escape(_HYPHENS) + "]")
_APOSTROPHE_RE = re.compile("[" + re.escape(_APOSTROPHES) + "]")
_POSSESSIVE_RE = re.compile("[" + re.escape(_APOSTROPHES) + "][sS]$")
# Letters NFKD does not decompose into base + combining mark.
_FOLD_TABLE = str.maketrans(
    {"ı": "i", "ø": "o", "ß": "ss", "æ": "ae", "œ": "oe", "đ": "d", "ł": "l", "þ": "th", "ð": "d"}
)


class Token(NamedTuple):
    """One analysed term with where it came from.

    Attributes:
        text: The final term (folded, stemmed).
        pos: Token position; a hyphenated word's closed form shares the first part's.
        start: Start offset in the analysed text.
        end: End offset in the analysed text.
        joined: True for the closed form of a hyphenated compound ("ceasefire").
    """

    text: str
    pos: int
    start: int
    end: int
    joined: bool = False


def fold(word: str) -> str:
    """Lowercase and strip diacritics: ``"Çavuşoğlu"`` -> ``"cavusoglu"``."""
    word = word.lower()
    if word.isascii():
        return word
    word = unicodedata.normalize("NFKD", word.translate(_FOLD_TABLE))
    return "".join(c for c in word if not unicodedata.combining(c))


#: Longer "words" (base64, hashes, runs of letters) are not indexed: nobody searches them,
#: and each would add a term to the index and the stem memo.
MAX_TOKEN_CHARS = 64

_MEMO: dict[str, str] = {}
_MEMO_LIMIT = 2_000_000
_STEMMER: Any = None


def stem(word: str) -> str:
    """Return the NLTK Snowball English stem of a folded word (memoised)."""
    try:
        return _MEMO[word]
    except KeyError:
        pass
    if word.isdigit() or len(word) < 3:
        result = word
    else:
        global _STEMMER
        if _STEMMER is None:
            _STEMMER = _load_stemmer()
        result = _STEMMER.stem(word)
    if len(_MEMO) < _MEMO_LIMIT:
        _MEMO[word] = result
    return result


_LEAN_IMPORT = False
_HEAVY_OPTIONAL = ("numpy", "scipy")


def lean_nltk_import(enabled: bool = True) -> None:
    """Import NLTK without NumPy and SciPy in this process (for processes searchidx owns).

    ``import nltk`` loads ``scipy.stats`` when SciPy is installed: 1-1.5 s of the
    first new word's stemming, in every indexing run and worker. With this on,
    NLTK's own optional-import fallbacks apply instead, for the rest of the
    process (e.g. ``nltk.metrics`` loses ``fisher_exact``), which is why the
    command line and its workers turn it on and the library leaves it off.
    """
    global _LEAN_IMPORT
    _LEAN_IMPORT = enabled


def lean_nltk_import_enabled() -> bool:
    """Whether :func:`lean_nltk_import` is on (worker processes inherit it)."""
    return _LEAN_IMPORT


def _load_stemmer() -> Any:
    blocked = []
    if _LEAN_IMPORT and "nltk" not in sys.modules:
        blocked = [name for name in _HEAVY_OPTIONAL if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # makes "import name" fail fast
    try:
        from nltk.stem.snowball import EnglishStemmer
    finally:
        for name in blocked:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]
    return EnglishStemmer()


def stem_table() -> dict[str, str]:
    """Return a copy of the memo: every word stemmed so far and its stem."""
    return dict(_MEMO)


def preload_stems(table: Mapping[str, str]) -> None:
    """Seed the memo with known ``word -> stem`` pairs (e.g. from an index)."""
    room = _MEMO_LIMIT - len(_MEMO)
    if room > 0:
        _MEMO.update(table if len(table) <= room else dict(list(table.items())[:room]))


def _normalise_part(part: str) -> str:
    if "'" in part or not part.isascii():  # every apostrophe variant but ' is non-ASCII
        part = _APOSTROPHE_RE.sub("", _POSSESSIVE_RE.sub("", _IGNORABLE_RE.sub("", part)))
    return fold(part)


_TERMS: dict[str, str] = {}


_CLOSED = "\0"  # marks a compound's closed form in a recording (no token holds it)


class _Run(threading.local):
    #: The open indexing run's raw token -> term, or None: see :func:`recording`.
    table: dict[str, str] | None = None


_RUN = _Run()


@contextmanager
def recording() -> Iterator[dict[str, str]]:
    """Record the stemmed tokens this thread analyses while open: one indexing run's vocabulary.

    The memos are per process and hold the words of every index and query seen in it; an
    index's ``stems.json`` must hold only its own articles' words, so each indexing run (and
    each worker process's share of one) records what it analysed (:func:`vocabulary` turns
    it into ``word -> stem``). Recording costs one lookup per distinct token of the run:
    :func:`spans` reads terms from this table first.
    """
    previous, _RUN.table = _RUN.table, {}
    try:
        yield _RUN.table
    finally:
        _RUN.table = previous


def absorb(recorded: Mapping[str, str]) -> None:
    """Take a worker's recorded ``raw -> term`` table: into the memo and the open recording."""
    if _RUN.table is not None:
        _RUN.table.update(recorded)
    room = _MEMO_LIMIT - len(_TERMS)
    if room > 0:
        tokens = [(raw, term) for raw, term in recorded.items() if raw[:1] != _CLOSED]
        _TERMS.update(tokens[:room])


def vocabulary(recorded: Mapping[str, str]) -> dict[str, str]:
    """``word -> stem`` (as :func:`stem_table`) of the recorded words that are not stop words."""
    return {
        raw[1:] if raw[:1] == _CLOSED else _normalise_part(raw): term
        for raw, term in recorded.items()
        if term
    }


def _term(raw: str) -> str:
    """Return the final term of a hyphen-free token, ``""`` for a stop word (memoised)."""
    term = _TERMS.get(raw)
    if term is None:
        word = _normalise_part(raw)
        term = "" if not word or word in STOP_WORDS else stem(word)
        if len(_TERMS) < _MEMO_LIMIT:
            _TERMS[raw] = term
    run = _RUN.table
    if run is not None:
        run[raw] = term
    return term


def _plain(raw: str, stemming: bool) -> str:
    if stemming:
        return _term(raw)
    word = _normalise_part(raw)
    return "" if word in STOP_WORDS else word


# (term, position, start, end, joined): the hot path yields plain tuples.
Spans = Iterator[tuple[str, int, int, int, bool]]


def spans(text: str, stemming: bool = True) -> Spans:
    """Yield ``(term, pos, start, end, joined)`` tuples; see :func:`analyze`."""
    pos = 0
    # Unstemmed: no memo, always the slow path. A recording run reads its own table first: a
    # token new to the run takes the slow path once, where _term records it.
    run = _RUN.table
    memo: dict[str, str] = (_TERMS if run is None else run) if stemming else {}
    known = memo.get
    for match in _TOKEN_RE.finditer(text):
        raw = match.group()
        if len(raw) > MAX_TOKEN_CHARS:
            continue
        # Fast path: a plain word seen before (the memo only ever holds hyphen-free words).
        term = known(raw)
        if term is not None:
            if term:
                yield term, pos, *match.span(), False
                pos += 1
            continue
        start = match.start()
        if raw[0].isdigit() and ("," in raw or "." in raw):
            yield raw.replace(",", ""), pos, start, match.end(), False
            pos += 1
        elif "-" in raw or "‐" in raw or "‑" in raw:
            tokens, pos = _compound(raw, start, pos, stemming)
            yield from tokens
        else:
            term = _plain(raw, stemming)
            if term:
                yield term, pos, start, match.end(), False
                pos += 1


def _compound(
    raw: str, start: int, first: int, stemming: bool
) -> tuple[list[tuple[str, int, int, int, bool]], int]:
    """Parts of "cease-fire" at consecutive positions, the closed form at the first.

    Returns:
        The tokens in order and the next free position.
    """
    pos = first
    offset = start
    closed: list[str] = []
    parts: list[tuple[str, int, int, int, bool]] = []
    for piece in _HYPHEN_RE.split(raw):
        closed.append(_normalise_part(piece))
        term = _plain(piece, stemming)
        if term:
            parts.append((term, pos, offset, offset + len(piece), False))
            pos += 1
        offset += len(piece) + 1
    joined = "".join(closed)
    if not joined:
        return parts, pos
    whole = ((stem(joined) if stemming else joined), first, start, start + len(raw), True)
    if stemming and _RUN.table is not None:
        _RUN.table[_CLOSED + joined] = whole[0]  # "ceasefire" of "cease-fire": a word of the run too
    return [*parts[:1], whole, *parts[1:]], max(pos, first + 1)


def analyze(text: str, *, stemming: bool = True) -> Iterator[Token]:
    """Split ``text`` into index terms.

    Args:
        text: Any Unicode text.
        stemming: Apply the Snowball stemmer (off for prefix queries).

    Yields:
        Tokens in order. A hyphenated compound yields its parts and, at the
        first part's position, its closed form ("cease-fire" -> cease,
        ceasefire, fire). Stop words are dropped without leaving gaps.
    """
    for item in spans(text, stemming):
        yield Token(*item)


def terms(text: str) -> list[str]:
    """Return just the term texts of :func:`analyze` (handy in tests and tools)."""
    return [t.text for t in analyze(text)]


_ABBREVIATIONS = frozenset(
    "mr mrs ms dr st gen sen rep gov lt col sgt jr sr inc corp co ltd vs no jan feb mar apr "
    "aug sep sept oct nov dec prof rev capt cmdr maj adm".split()
)


def _not_after_abbreviation() -> str:
    """Lookbehinds that refuse a stop ending a one-character word ("U.S.", "5.") or an abbreviation.

    One per length (a lookbehind is fixed-width); each letter as an explicit class, as
    ``.lower()`` would fold it (``re.IGNORECASE`` also folds "ſ" to "s" and "K" to "k").
    """
    by_length: dict[int, list[str]] = {}
    for word in sorted(_ABBREVIATIONS):
        by_length.setdefault(len(word), []).append("".join(f"[{c}{c.upper()}]" for c in word))
    words = "".join(rf"(?<!(?<!\w)(?:{'|'.join(forms)})\.)" for _n, forms in sorted(by_length.items()))
    return r"(?<!(?<!\w)\w\.)" + words


# Sentence ends: stops (then closing quotes or brackets) before a capital or digit or the end, or a
# blank line. Written as one character class first, each branch checking it with a lookbehind:
# the regex engine then skips to the next candidate character in C (2.7x faster on Reuters than
# the same two branches as a plain alternation, which it tries at every position). A run of stops
# is taken from its first (``(?<![.!?…].)``), and not at all after an abbreviation, so no match
# needs checking in Python (0.14 -> 0.09 s on half of Reuters' bodies).
_SENTENCE_END_RE = re.compile(
    r"[.!?…\n](?:(?<=[.!?…])(?<![.!?…].)"
    + _not_after_abbreviation()
    + r"[.!?…]*[\"'”’)\]]*(?=\s+[\"“‘'(\[]?[A-Z0-9]|\s*$)|(?<=\n)\s*\n)"
)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Split text into sentence ranges ``(start, end)`` without NLTK data.

    A sentence ends at ``.``, ``!``, ``?`` or ``…`` before a capital or digit
    (not after a one-letter initial or a common abbreviation such as "Mr."),
    or at a blank line. Leading whitespace is excluded from each range.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END_RE.finditer(text):
        end = match.end() if text[match.start()] != "\n" else match.start()
        _add_span(text, start, end, spans)
        start = match.end()
    _add_span(text, start, len(text), spans)
    return spans


def _add_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
