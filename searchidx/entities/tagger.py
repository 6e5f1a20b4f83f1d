"""Loading the CRF model and turning its tags into entity spans."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import SearchidxError
from ..models import Entity
from .decode import decode
from .features import read_gazetteer, sentence_features
from .tokens import sentences

__all__ = ["DEFAULT_MODEL", "ENTITY_LABELS", "Tagger", "extract_entities", "model_info"]

DATA = Path(__file__).with_name("data")
DEFAULT_MODEL = DATA / "news-ner.crfsuite"
#: Bump when features, tokenisation or the shipped model change.
FEATURES_VERSION = "2"
ENTITY_LABELS = {"PER": "person", "LOC": "place", "ORG": "org"}


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

    def extract(self, text: str) -> list[Entity]:
        """Return person/place/org mentions in ``text`` with character offsets."""
        found: list[Entity] = []
        for words, starts, ends in sentences(text):
            tags = self._tagger.tag(sentence_features(words, self.gazetteer))
            for first, last, kind in decode(words, tags):
                if kind in ENTITY_LABELS:
                    start, end = starts[first], ends[last - 1]
                    found.append(Entity(text[start:end], ENTITY_LABELS[kind], start, end))
        return found


def configured_model() -> Path:
    """The model in use: ``$SEARCHIDX_NER_MODEL`` or the packaged default."""
    return Path(os.environ.get("SEARCHIDX_NER_MODEL") or DEFAULT_MODEL)


@lru_cache(maxsize=4)
def _tagger(path: Path) -> Tagger:
    return Tagger(path)


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
