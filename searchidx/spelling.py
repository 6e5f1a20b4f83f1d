"""'Did you mean': a corrected query for one that found nothing, word by word.

Each plain word of the query that no article contains is replaced by the known
word with the fewest edits (restricted Damerau-Levenshtein: insert, delete,
substitute, swap two adjacent letters; at most 2, or 1 for words of 4 letters or
fewer), ties going to the word more articles contain. A word some articles
contain is replaced only by a word one edit away that :data:`RARE_RATIO` times
more articles contain (``goverment`` -> ``government``: typos get indexed too).
Other words are kept as typed. The result is offered only if it finds something.

Candidates share the word's first letter (as most typos do) and are scanned
from the sorted vocabulary with cheap length and letter-set tests before the
distance is computed, so a suggestion costs a few milliseconds a word.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable

from . import analysis
from .analysis import analyze
from .cost import FUZZY_TERMS
from .errors import QueryError
from .query import ParsedQuery, parse
from .snapshot import Snapshot

__all__ = ["close_words", "edit_distance", "fuzzy_stems", "suggest"]

MAX_EDITS = 2
SHORT_WORD = 4  # words this short get at most one edit
RARE_RATIO = 50  # a known word gives way to one a single edit away in this many times more articles


def edit_distance(a: str, b: str, limit: int) -> int:
    """Restricted Damerau-Levenshtein (optimal string alignment) distance, capped.

    Args:
        a: One word.
        b: The other.
        limit: Stop once the distance must exceed this.

    Returns:
        The number of edits, or ``limit + 1`` when it is more than ``limit``.
    """
    if a == b:
        return 0
    start, shortest = 0, min(len(a), len(b))
    while start < shortest and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a -= 1
        end_b -= 1
    a, b = a[start:end_a], b[start:end_b]
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    if not a or not b:
        return max(len(a), len(b))
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        char = a[i - 1]
        for j in range(1, len(b) + 1):
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != b[j - 1]))
            if i > 1 and j > 1 and char == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, before[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return min(previous[-1], limit + 1)


def close_words(snapshot: Snapshot, word: str, limit: int) -> list[tuple[int, str]]:
    """Known words within ``limit`` edits of ``word`` that start with the same letter.

    Returns:
        ``(distance, word)`` pairs, ``word`` itself excluded, in vocabulary order.
    """
    words = snapshot.words()
    first = word[0]
    lo = bisect.bisect_left(words, first)
    hi = bisect.bisect_left(words, chr(ord(first) + 1), lo)
    letters, size = set(word), len(word)
    found: list[tuple[int, str]] = []
    for candidate in words[lo:hi]:
        # Each edit adds or removes at most two letters from the set of letters.
        if abs(len(candidate) - size) > limit or len(letters.symmetric_difference(candidate)) > 2 * limit:
            continue
        distance = edit_distance(word, candidate, limit)
        if 0 < distance <= limit:
            found.append((distance, candidate))
    return found


def fuzzy_stems(snapshot: Snapshot, word: str, maxdist: int, limit: int = FUZZY_TERMS) -> list[str]:
    """Stems of the indexed words within ``maxdist`` edits of ``word`` (what ``word~N`` matches).

    Words sharing the first letter, as Whoosh's fuzzy terms require; at most
    ``limit`` stems, the fewest edits first, then those more articles contain.
    """

    def build() -> list[str]:
        best: dict[str, tuple[int, int]] = {}  # stem -> (edits, -articles)
        for distance, candidate in [(0, word), *close_words(snapshot, word, maxdist)]:
            stem = analysis.stem(candidate)
            articles = snapshot.doc_frequency(stem)
            if articles and (stem not in best or distance < best[stem][0]):
                best[stem] = (distance, -articles)
        return sorted(best, key=lambda s: (best[s], s))[:limit]

    return snapshot.expansion(f"fuzzy{maxdist}", word, limit, build)


def _correction(snapshot: Snapshot, folded: str, stem: str) -> str | None:
    """The best replacement for one word, or ``None`` to keep it."""
    if not folded.isalpha():
        return None
    frequency = snapshot.doc_frequency(stem)
    if not frequency:
        limit = 1 if len(folded) <= SHORT_WORD else MAX_EDITS
    elif frequency * RARE_RATIO <= 2 * snapshot.doc_count():  # (title and body counts add up)
        limit = 1  # a known word: only a likely typo of a far more common word
    else:
        return None
    best: tuple[int, int, int, str] | None = None  # (distance, -articles, -letters kept, word)
    for distance, candidate in close_words(snapshot, folded, limit):
        if best is not None and distance > best[0]:
            continue
        articles = snapshot.doc_frequency(analysis.stem(candidate))
        if articles == 0 or (frequency and articles < RARE_RATIO * frequency):
            continue
        # Words with one stem tie on articles: prefer the one keeping more of the typed letters
        # (goverment -> government, an insertion, not governent, a substitution).
        key = (distance, -articles, -_common_letters(folded, candidate), candidate)
        best = key if best is None else min(best, key)
    return None if best is None else best[3]


def _common_letters(a: str, b: str) -> int:
    """Length of the longest common subsequence of two words."""
    previous = [0] * (len(b) + 1)
    for char in a:
        current = [0]
        for j, other in enumerate(b):
            current.append(previous[j] + 1 if char == other else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def suggest(
    snapshot: Snapshot, text: str, parsed: ParsedQuery, finds: Callable[[ParsedQuery], bool]
) -> str | None:
    """A corrected ``text`` that ``finds`` something, or ``None``.

    Args:
        snapshot: The open index's snapshot.
        text: The query as typed.
        parsed: ``text`` parsed (its plain words are the ones corrected).
        finds: Whether a parsed query has hits (with the search's filters).
    """
    corrected = text
    for start, end in reversed(parsed.words):
        stems = list(analyze(text[start:end]))
        folded = list(analyze(text[start:end], stemming=False))
        if len(stems) != 1 or len(folded) != 1:
            continue
        replacement = _correction(snapshot, folded[0].text, stems[0].text)
        if replacement is not None:
            corrected = corrected[:start] + replacement + corrected[end:]
    if corrected == text:
        return None
    try:
        fixed = parse(
            corrected,
            expand=snapshot.expand_prefix,
            fuzzy=lambda word, edits: fuzzy_stems(snapshot, word, edits),
        )
    except QueryError:
        return None
    return corrected if finds(fixed) else None
