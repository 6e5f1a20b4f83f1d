"""Loading the CRF model and turning its tags into entity spans."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Collection, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..analysis import sentence_spans
from ..errors import SearchidxError
from ..models import Entity
from .decode import decode
from .features import ModelAttributes, read_gazetteer, tagging_features
from .tokens import offsets, words

__all__ = [
    "DEFAULT_MODEL",
    "ENTITY_LABELS",
    "Tagger",
    "extract_entities",
    "may_name",
    "model_info",
    "preload",
]

DATA = Path(__file__).with_name("data")
DEFAULT_MODEL = DATA / "news-ner.crfsuite"
#: Bump when features, tokenisation or the shipped model change.
FEATURES_VERSION = "4"
ENTITY_LABELS = {"PER": "person", "LOC": "place", "ORG": "org"}
#: Sentences whose mentions are remembered (:meth:`Tagger._sentence`): about 4 MB at most.
SEEN_MAX = 20_000
SEEN_CHARS = 200


class Tagger:
    """A loaded CRF model plus the gazetteer its features need."""

    def __init__(self, model: Path) -> None:
        import pycrfsuite

        if not model.is_file():
            raise SearchidxError(
                f"entity model {model} not found: unset $SEARCHIDX_NER_MODEL or train one "
                "with `python -m searchidx.entities.train`"
            )
        self.path = model
        self._tagger: Any = pycrfsuite.Tagger()
        self._tagger.open(str(model))
        self.gazetteer = read_gazetteer(DATA)
        #: The attributes the model knows: the only features worth building (:func:`tagging_features`).
        self.attributes = ModelAttributes(model_attributes(self._tagger))
        #: Mentions of sentences already tagged (the text decides them: same words, same tags).
        self.seen: dict[str, list[tuple[int, int, str]]] = {}

    def extract(self, text: str) -> list[Entity]:
        """Return person/place/org mentions in ``text`` with character offsets."""
        found: list[Entity] = []
        for start, end in sentence_spans(text):
            for first, last, label in self._sentence(text[start:end]):
                found.append(Entity(text[start + first : start + last], label, start + first, start + last))
        return found

    def _sentence(self, sentence: str) -> list[tuple[int, int, str]]:
        """``(start, end, label)`` of the mentions in one sentence, offsets into it.

        A sentence seen before (a sign-off, "Terms were not disclosed.") is answered
        from :attr:`seen`, which keeps the first :data:`SEEN_MAX` short ones.
        """
        known = self.seen.get(sentence)
        if known is not None:
            return known
        found: list[tuple[int, int, str]] = []
        tokens = words(sentence)
        tags = self.tag(tokens)
        if tags is not None:
            spans = [span for span in decode(tokens, tags) if span[2] in ENTITY_LABELS]
            if spans:  # offsets only where a name is, up to its last word
                starts, ends = offsets(sentence, tokens, max(last for _first, last, _kind in spans))
                found = [(starts[first], ends[last - 1], ENTITY_LABELS[kind]) for first, last, kind in spans]
        if len(sentence) <= SEEN_CHARS and len(self.seen) < SEEN_MAX:
            self.seen[sentence] = found
        return found

    def tag(self, words: list[str]) -> list[str] | None:
        """CRF tags of one tokenised sentence, or ``None`` when it cannot hold a name."""
        if not may_name(words, self.gazetteer.casing, self.gazetteer.first_names):
            return None
        return list(self._tagger.tag(tagging_features(words, self.gazetteer, self.attributes)))


def model_attributes(tagger: Any) -> list[str]:
    """The attribute names an open ``pycrfsuite.Tagger`` knows (read from its text dump, ~30 ms)."""
    with tempfile.TemporaryDirectory(prefix="searchidx-model-") as folder:
        path = Path(folder) / "dump.txt"
        tagger.dump(str(path))
        lines = path.read_bytes().decode("utf-8").split("\n")
    start = lines.index("ATTRIBUTES = {") + 1
    end = lines.index("}", start)
    return [line.split(": ", 1)[1] for line in lines[start:end]]


def may_name(words: Sequence[str], casing: Mapping[str, str], first_names: Collection[str] = ()) -> bool:
    """False for a sentence without a capital letter, but for a first word usually in lower case.

    ``casing`` (the gazetteer's) says how a word is usually written inside a sentence: a
    first word it marks ``l`` ("The", "He", "Analysts") is capitalised only by position,
    unless it is also a first name ("Rose", "Mark"). On 19,043 Reuters stories the tagger
    found no name in the sentences this rules out (13% of their tokens).
    """
    for i, word in enumerate(words):
        if word.islower() or word.lower() == word:
            continue
        if i or casing.get(low := word.lower()) != "l" or low in first_names:
            return True
    return False


def configured_model() -> Path:
    """The model in use: ``$SEARCHIDX_NER_MODEL`` or the packaged default."""
    return Path(os.environ.get("SEARCHIDX_NER_MODEL") or DEFAULT_MODEL)


@lru_cache(maxsize=4)
def _tagger(path: Path) -> Tagger:
    return Tagger(path)


def preload() -> None:
    """Load the configured model now: before starting worker processes, a fork inherits it."""
    _tagger(configured_model())


def extract_entities(text: str) -> list[Entity]:
    """Find people, places and organisations in ``text``.

    Works offline on a fresh install: the model and name lists are package data.

    Returns:
        Mentions in order, each with ``label`` in ``"person" | "place" | "org"``
        and character offsets into ``text``.
    """
    return _tagger(configured_model()).extract(text)


@lru_cache(maxsize=4)
def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def model_info() -> str:
    """Identify the entity model for the index metadata: ``name@features:digest``."""
    path = configured_model()
    return f"{path.name}@{FEATURES_VERSION}:{_digest(path)}"
