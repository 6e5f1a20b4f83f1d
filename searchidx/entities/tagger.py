"""Loading the CRF model and turning its tags into entity spans."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Collection, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Final

from ..analysis import sentence_spans
from ..models import Entity
from .decode import decode
from .gazetteer import Gazetteer, shipped_gazetteer
from .scorer import CrfModel
from .tokens import first_word, offsets, words
from .word_entries import all_caps

__all__ = [
    "DEFAULT_MODEL",
    "ENTITY_LABELS",
    "Tagger",
    "capitals",
    "may_name",
    "model_info",
    "preload",
    "tag_near_capitals",
    "windows",
]

DATA: Final = Path(__file__).with_name("data")
DEFAULT_MODEL: Final = DATA / "news-ner.crfsuite"
#: Bump when features, tokenisation or the shipped model change.
FEATURES_VERSION: Final = "5"
ENTITY_LABELS: Final = {"PER": "person", "LOC": "place", "ORG": "org"}
#: Sentences whose mentions are remembered (:meth:`Tagger._sentence`): about 4 MB at most.
SEEN_MAX: Final = 20_000
SEEN_CHARS: Final = 200
#: How far from a word with a capital letter the tagger looks (:func:`windows`). On 9,522
#: Reuters stories it scores 55% of the words it did, and 3 of 4,761 articles' entities change.
REACH: Final = 3
#: A text's sentence spans, each one's words (``None``: not split, a sentence seen before or one
#: no name can be in), and each mention's sentence, first word and last word + 1 (parallel to
#: the text's mentions).
Parsed = tuple[list[tuple[int, int]], list[list[str] | None], list[tuple[int, int, int]]]
#: A mention in a sentence: its start and end offsets in it, label, first word, last word + 1.
Mention = tuple[int, int, str, int, int]


class Tagger:
    """A loaded CRF model plus the gazetteer its features need."""

    def __init__(self, model: Path) -> None:
        self.path = model
        #: The model's weights (:mod:`.scorer`): it scores and decodes the sentences.
        self.model = CrfModel(model)
        self.gazetteer = shipped_gazetteer()
        #: Mentions of sentences already tagged (the text decides them: same words, same tags).
        self.seen: dict[str, list[Mention]] = {}

    def extract(self, text: str) -> list[Entity]:
        """Return person/place/org mentions in ``text`` with character offsets."""
        return self.extract_many([text])[0]

    def extract_many(self, texts: Sequence[str]) -> list[list[Entity]]:
        """:meth:`extract` for many texts: their sentences are tagged together (:meth:`.CrfModel.tag`)."""
        return [entities for entities, _parsed in self.parse_many(texts)]

    def parse_many(self, texts: Sequence[str]) -> list[tuple[list[Entity], Parsed]]:
        """:meth:`extract_many`, with each text's sentence spans and words (the document pass reuses them).

        A sentence seen before (a sign-off, "Terms were not disclosed.") is answered from
        :attr:`seen`, which keeps the first :data:`SEEN_MAX` short ones; one no name can be in
        (:func:`may_name_text`) is not tagged. The words of either are then ``None`` (split
        again only if needed).
        """
        plans = [sentence_spans(text) for text in texts]
        gazetteer = self.gazetteer
        # sentence -> its words, for the ones not seen before (None: no name can be in it, not split)
        fresh: dict[str, list[str] | None] = {}
        taggable: list[str] = []  # the fresh sentences a name may be in, their words and capitals
        taggable_words: list[list[str]] = []
        found_capitals: list[list[int]] = []
        for text, spans in zip(texts, plans, strict=True):
            for start, end in spans:
                sentence = text[start:end]
                if sentence in self.seen or sentence in fresh:
                    continue
                if not may_name_text(sentence, gazetteer.casing, gazetteer.first_names):
                    fresh[sentence] = None
                    continue
                fresh[sentence] = sentence_words = words(sentence)
                taggable.append(sentence)
                taggable_words.append(sentence_words)
                found_capitals.append(capitals(sentence_words))
        tagged = dict(
            zip(
                taggable,
                tag_near_capitals(self.model, taggable_words, gazetteer, found_capitals),
                strict=True,
            )
        )
        known: dict[str, list[Mention]] = {}
        for sentence, tokens in fresh.items():
            tags = tagged.get(sentence)
            known[sentence] = found = (
                [] if tags is None or tokens is None else _mentions(sentence, tokens, tags)
            )
            if len(sentence) <= SEEN_CHARS and len(self.seen) < SEEN_MAX:
                self.seen[sentence] = found
        out: list[tuple[list[Entity], Parsed]] = []
        for text, spans in zip(texts, plans, strict=True):
            entities: list[Entity] = []
            split: list[list[str] | None] = []
            places: list[tuple[int, int, int]] = []
            for number, (start, end) in enumerate(spans):
                sentence = text[start:end]
                mentions = known.get(sentence)
                for begin, stop, label, first, last in self.seen[sentence] if mentions is None else mentions:
                    entities.append(
                        Entity(text[start + begin : start + stop], label, start + begin, start + stop)
                    )
                    places.append((number, first, last))
                split.append(fresh.get(sentence))
            out.append((entities, (spans, split, places)))
        return out

    def tag(self, words: list[str]) -> list[str] | None:
        """CRF tags of one tokenised sentence, or ``None`` when it cannot hold a name."""
        if not may_name(words, self.gazetteer.casing, self.gazetteer.first_names):
            return None
        return self.tag_many([words])[0]

    def tag_many(self, sentences: Sequence[list[str]]) -> list[list[str]]:
        """CRF tags of tokenised sentences (:func:`tag_near_capitals`)."""
        return tag_near_capitals(self.model, sentences, self.gazetteer)


def tag_near_capitals(
    model: CrfModel,
    sentences: Sequence[list[str]],
    gazetteer: Gazetteer,
    found_capitals: Sequence[list[int]] | None = None,
) -> list[list[str]]:
    """The model's tags of tokenised sentences; words far from any capital letter are ``O`` untagged.

    Each sentence is tagged with only the words of its :func:`windows`, joined end to end:
    a word :data:`REACH` away from any capital is lower-case text between names, and the
    model reads two words on each side, so only a window's edge words (lower case, tagged
    ``O`` alike) see a neighbour from the next window. On Reuters 3 of 4,761 articles'
    entities change. ``found_capitals``: each sentence's :func:`capitals`, when known.
    """
    parts: list[list[str]] = []
    plans: list[list[tuple[int, int]] | None] = []
    for k, tokens in enumerate(sentences):
        plan = windows(tokens, None if found_capitals is None else found_capitals[k])
        kept = tokens if plan == [(0, len(tokens))] else [w for start, end in plan for w in tokens[start:end]]
        if kept is tokens or all_caps(kept):  # a window that looks like a capitals line: the whole
            parts.append(tokens)
            plans.append(None)
        else:
            parts.append(kept)
            plans.append(plan)
    out: list[list[str]] = []
    for tokens, ranges, tagged in zip(sentences, plans, model.tag(parts, gazetteer), strict=True):
        if ranges is None:
            out.append(tagged)
            continue
        tags = ["O"] * len(tokens)
        done = 0
        for start, end in ranges:
            tags[start:end] = tagged[done : done + end - start]
            done += end - start
        out.append(tags)
    return out


def _mentions(sentence: str, tokens: list[str], tags: list[str]) -> list[Mention]:
    """``(start, end, label, first word, last word + 1)`` of the names in one tagged sentence."""
    spans = [span for span in decode(tokens, tags) if span[2] in ENTITY_LABELS]
    if not spans:
        return []
    starts, ends = offsets(
        sentence, tokens, max(last for _first, last, _kind in spans)
    )  # up to the last name
    return [(starts[first], ends[last - 1], ENTITY_LABELS[kind], first, last) for first, last, kind in spans]


def capitals(words: Sequence[str]) -> list[int]:
    """Positions of the words with a capital letter: the words lower case changes.

    No ``islower()`` test first: compiled code calls it as a method, at twice the cost of
    ``lower()``, and lower case changes no word that is all lower case.
    """
    return [i for i, word in enumerate(words) if word.lower() != word]


def windows(words: Sequence[str], at: Sequence[int] | None = None) -> list[tuple[int, int]]:
    """``(start, end)`` ranges of the words within :data:`REACH` of a word with a capital letter.

    A sentence without one is a single range (:func:`may_name` keeps such sentences out).
    ``at``: the words' :func:`capitals`, when known.
    """
    n = len(words)
    spans: list[tuple[int, int]] = []
    for i in capitals(words) if at is None else at:
        start, end = max(i - REACH, 0), min(i + REACH + 1, n)
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans or [(0, n)]


def may_name(words: Sequence[str], casing: Mapping[str, str], first_names: Collection[str] = ()) -> bool:
    """False for a sentence without a capital letter, but for a first word usually in lower case.

    ``casing`` (the gazetteer's) says how a word is usually written inside a sentence: a
    first word it marks ``l`` ("The", "He", "Analysts") is capitalised only by position,
    unless it is also a first name ("Rose", "Mark"). On 19,043 Reuters stories the tagger
    found no name in the sentences this rules out (13% of their tokens).
    """
    at = capitals(words)
    if not at:
        return False
    if at[0] or len(at) > 1:
        return True
    return _names_alone(words[0], casing, first_names)


def may_name_text(sentence: str, casing: Mapping[str, str], first_names: Collection[str] = ()) -> bool:
    """:func:`may_name` of a sentence's words, decided from its text: most need not be split.

    A word has a capital letter where lower case changes it, so the text after the first
    word tells whether any other word has one; only the first word is split off.
    """
    if sentence.lower() == sentence:
        return False  # no word has a capital letter
    first = first_word(sentence)
    if first is None:  # it starts with a space: not a sentence span
        return may_name(words(sentence), casing, first_names)
    rest = sentence[len(first) :]
    if rest.lower() != rest:
        return True  # a word after the first has a capital
    return _names_alone(first, casing, first_names)


def _names_alone(first: str, casing: Mapping[str, str], first_names: Collection[str]) -> bool:
    """Whether a sentence's only capitalised word, its first, may be a name: not one usually in lower case."""
    low = first.lower()
    return casing.get(low) != "l" or low in first_names


def configured_model() -> Path:
    """The model in use: ``$SEARCHIDX_NER_MODEL`` or the packaged default."""
    return Path(os.environ.get("SEARCHIDX_NER_MODEL") or DEFAULT_MODEL)


@lru_cache(maxsize=4)
def _tagger(path: Path) -> Tagger:
    return Tagger(path)


def preload() -> None:
    """Load the configured model now: before starting worker processes, a fork inherits it."""
    _tagger(configured_model())


@lru_cache(maxsize=4)
def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def model_info() -> str:
    """Identify the entity model for the index metadata: ``name@features:digest``."""
    path = configured_model()
    return f"{path.name}@{FEATURES_VERSION}:{_digest(path)}"
