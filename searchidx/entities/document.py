"""One article's mentions made consistent: one type per name, and every mention of a tagged name.

The CRF tags each sentence on its own, so a name it recognises in one sentence can be missed or
typed differently in the next ("Lebed" after "Alexander Lebed", "Somerset" in a report after
"Somerset 83" in its results). :func:`document_spans` takes the spans of every sentence of one
document (an article) and

* votes one type per name (the same words, in any case): the type most of its mentions got,
  mentions on a results line (:func:`.decode.results_line`, where a name before a score is a
  team) counting twice; a tie keeps each mention's own type. A one-word name that is the last
  word of a longer person name in the document is a person ("Yeltsin" after "Boris Yeltsin"),
  as :func:`.canonical.canonicalize` decides too;
* tags the untagged occurrences of a tagged name (written the same way, or in capitals on an
  all-capitals line), longest name first, with that type. A word without a capital is never
  tagged, nor spread: a name whose vote is a tie.

A nationality word tagged as a place ("Dutch", "Iraqi": one word ending like one and in no place
list) is dropped, as the clean-up rules (:func:`.cleanup.clean_mentions`) drop it too.

:func:`searchidx.entities.annotate` runs it on each article (:func:`document_mentions`, before
the clean-up rules) and ``bench/ner_eval.py`` on each CoNLL document (``-DOCSTART-``): one
function for the product and its score. MODEL_CARD.md gives the measured effect.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from typing import Final

from ..analysis import sentence_spans
from ..models import Entity
from .decode import results_line
from .tokens import offsets as word_offsets
from .tokens import words as split_words

__all__ = ["MAX_NAME_WORDS", "RESULTS_WEIGHT", "document_mentions", "document_spans"]

Span = tuple[int, int, str]  # token start, token end (exclusive), CoNLL type

#: Longest name (in words) looked for among the untagged words.
MAX_NAME_WORDS: Final = 6
#: A mention on a results line counts this many times in its name's vote (eng.testa 0.784 -> 0.786).
RESULTS_WEIGHT: Final = 2
# Endings of nationality words ("Russian", "Turkish", "Chinese", "Iraqi", "Dutch"), as
# cleanup._demonym has them: such a word tagged as a place is dropped, unless a place list has it.
_DEMONYM_ENDS: Final = ("an", "ish", "ese", "i", "ch")
_TYPES: Final = {"person": "PER", "place": "LOC", "org": "ORG"}
_LABELS: Final = {kind: label for label, kind in _TYPES.items()}


def _demonym(key: str, places: Collection[str]) -> bool:
    """A nationality word ("russian", "iraqi"): one word ending like one, in no place list."""
    return " " not in key and key not in places and key.endswith(_DEMONYM_ENDS)


def _caps_line(words: Sequence[str]) -> bool:
    letters = [w for w in words if any(c.isalpha() for c in w)]
    return len(letters) >= 3 and all(w.isupper() for w in letters if len(w) > 1)


def document_spans(
    sentences: Sequence[Sequence[str] | None],
    spans: Sequence[Sequence[Span]],
    places: Collection[str] = frozenset(),
    text_of: Callable[[int], str] | None = None,
) -> list[list[Span]]:
    """The spans of every sentence of one document after the document-level pass.

    Args:
        sentences: The document's tokenised sentences; ``None`` for one not split yet (it
            has no spans), split only if a tagged name may occur in it.
        spans: Each sentence's entity spans (``PER``/``LOC``/``ORG``), as decoded.
        places: Folded place names (a nationality word that is none is not spread as a place).
        text_of: The text of a sentence by number, for those given as ``None``.
    """
    votes: dict[str, dict[str, int]] = defaultdict(dict)  # name -> type -> weight
    written: dict[str, set[str]] = defaultdict(set)  # lower-cased name -> how it was written
    surnames: set[str] = set()
    for words, found in zip(sentences, spans, strict=True):
        if not found:
            continue
        if words is None:
            raise ValueError("a sentence with spans needs its words")
        weight = RESULTS_WEIGHT if results_line(words) else 1
        for start, end, kind in found:
            name = " ".join(words[start:end])
            key = name.lower()
            kinds = votes[key]
            kinds[kind] = kinds.get(kind, 0) + weight
            written[key].add(name)
            if kind == "PER" and end - start > 1:
                surnames.add(words[end - 1].lower())
                written[words[end - 1].lower()].add(words[end - 1])
    if not votes:
        return [list(found) for found in spans]
    names = votes.keys() | surnames
    # Words a name may start with (as written, or in capitals): a sentence without one is left.
    openers = {name.split(" ", 1)[0] for forms in written.values() for name in forms}
    openers = {word for word in openers if word[:1].isupper()}
    openers |= {word.upper() for word in openers}
    longest = min(MAX_NAME_WORDS, max(len(key.split()) for key in votes))

    decided: dict[str, str] = {}  # name -> its voted type, "" for a tie

    def kind_of(key: str, own: str) -> str:
        kind = decided.get(key)
        if kind is None:
            if key in surnames:
                kind = "PER"
            else:
                kinds = votes[key]
                most = max(kinds.values())
                top = [kind for kind, weight in kinds.items() if weight == most]
                kind = top[0] if len(top) == 1 else ""
            decided[key] = kind
        return kind or own

    def spreads(key: str) -> str:
        kind = kind_of(key, "")
        return "" if kind == "LOC" and _demonym(key, places) else kind

    out: list[list[Span]] = []
    for number, (given, found) in enumerate(zip(sentences, spans, strict=True)):
        if given is None:
            if text_of is None:
                raise ValueError("a sentence not split needs text_of")
            sentence = text_of(number)
            if not any(word in sentence for word in openers):  # no name's first word: not split
                out.append([])
                continue
            given = split_words(sentence)
        words = given
        if not found and openers.isdisjoint(words):
            out.append([])
            continue
        new = []
        for start, end, kind in found:
            key = " ".join(words[start:end]).lower()
            kind = kind_of(key, kind)
            if kind != "LOC" or not _demonym(key, places):
                new.append((start, end, kind))
        covered = [False] * len(words)
        for start, end, _ in new:
            covered[start:end] = [True] * (end - start)
        caps: bool | None = None
        added = False
        after = 0  # a name found ends here: the words before are taken
        # Only the words a name may start with are looked at (few: the loop is over them, not all).
        for i in (
            [i for i, word in enumerate(words) if word in openers] if not openers.isdisjoint(words) else ()
        ):
            if i < after or covered[i]:
                continue
            for n in range(min(longest, len(words) - i), 0, -1):
                name = " ".join(words[i : i + n])
                key = name.lower()
                if key not in names or any(covered[i : i + n]) or not (kind := spreads(key)):
                    continue
                if name not in written[key]:
                    if caps is None:
                        caps = _caps_line(words)
                    if not (caps and name.isupper()):
                        continue
                new.append((i, i + n, kind))
                after, added = i + n, True
                break
        out.append(sorted(new) if added else new)
    return out


def document_mentions(
    entities: Sequence[Entity],
    text: str,
    places: Collection[str] = frozenset(),
    parsed: tuple[Sequence[tuple[int, int]], Sequence[list[str] | None], Sequence[tuple[int, int, int]]]
    | None = None,
) -> list[Entity]:
    """:func:`document_spans` on the mentions ``Tagger.extract`` found in ``text``, in text order.

    The text is split and tokenised as the tagger did (same sentences, same words; ``parsed``
    gives the tagger's own: spans, words (``None`` for a sentence it did not split) and each
    mention's sentence and words), so each mention is a run of whole words (one that is not,
    none is, is kept as it was). Word offsets are computed only for the sentences the pass
    adds a mention to.
    """
    if not entities:
        return []
    bounds, split, where = parsed if parsed is not None else (sentence_spans(text), None, None)
    firsts = [start for start, _ in bounds]
    # the tagger's words; a sentence it did not split is split here if a mention is in it
    sentences: list[Sequence[str] | None] = list(split) if split is not None else [None] * len(bounds)

    def words_of(number: int) -> Sequence[str]:
        words = sentences[number]
        if words is None:
            start, end = bounds[number]
            sentences[number] = words = split_words(text[start:end])
        return words

    spans: list[list[Span]] = [[] for _ in bounds]
    tagged: dict[tuple[int, int, int], Entity] = {}  # (sentence, first word, last word + 1)
    kept: list[Entity] = []
    at = (-1, 0, 0)  # sentence, offset, word there: the words before a mention are counted once
    for k, entity in enumerate(entities):
        if where is not None:  # the tagger's words: whole by construction
            number, first, last = where[k]
            if entity.label not in _TYPES:
                kept.append(entity)
                continue
        else:
            number = bisect_right(firsts, entity.start) - 1
            if number < 0 or entity.label not in _TYPES:
                kept.append(entity)
                continue
            since, counted = (
                (at[1], at[2]) if at[0] == number and at[1] <= entity.start else (firsts[number], 0)
            )
            first = counted + len(split_words(text[since : entity.start]))
            named = split_words(entity.text)
            last = first + len(named)
            if words_of(number)[first:last] != named:
                kept.append(entity)
                continue
            at = (number, entity.end, last)
        words_of(number)  # a sentence with spans has its words
        spans[number].append((first, last, _TYPES[entity.label]))
        tagged[number, first, last] = entity

    def text_of(number: int) -> str:
        start, end = bounds[number]
        return text[start:end]

    for number, found in enumerate(document_spans(sentences, spans, places, text_of)):
        offsets: tuple[list[int], list[int]] | None = None
        for first, last, kind in found:
            was = tagged.get((number, first, last))
            if was is not None:
                label = _LABELS[kind]
                kept.append(was if was.label == label else Entity(was.text, label, was.start, was.end))
                continue
            if offsets is None:  # the sentence's word offsets, up to its last name
                offsets = word_offsets(text_of(number), words_of(number), max(stop for _f, stop, _k in found))
            begin = bounds[number][0]
            start, end = begin + offsets[0][first], begin + offsets[1][last - 1]
            kept.append(Entity(text[start:end], _LABELS[kind], start, end))
    return sorted(kept, key=lambda e: (e.start, e.end))
