"""The annotated corpora the tagger is trained and scored on: CoNLL-format files, read as BIO2.

``OPEN_DATA`` lists the openly licensed ones the shipped model is trained on (relative to
``../shared/data``); wikigold's every fifth document is held out for ``bench.ner_eval``.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator, Sequence
from pathlib import Path

__all__ = [
    "HELD_OUT",
    "OPEN_DATA",
    "WIKIGOLD",
    "WIKIGOLD_COPIES",
    "Tagged",
    "open_training_data",
    "read_conll",
    "read_documents",
    "to_bio2",
    "wikigold_documents",
    "wikigold_split",
]

Tagged = tuple[list[str], list[str]]  # words, tags


def read_conll(path: Path) -> Iterator[Tagged]:
    """Yield ``(words, tags)`` sentences from a CoNLL-style file (``.gz`` too)."""
    opener = gzip.open if path.suffix == ".gz" else open
    words: list[str] = []
    tags: list[str] = []
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if not parts or parts[0] == "-DOCSTART-":
                if words:
                    yield words, to_bio2(tags)
                words, tags = [], []
                continue
            words.append(parts[0])
            tags.append(parts[-1])
    if words:
        yield words, to_bio2(tags)


def read_documents(path: Path) -> list[list[Tagged]]:
    """Read a CoNLL-style file as documents (split at ``-DOCSTART-``), each a list of sentences."""
    documents: list[list[Tagged]] = [[]]
    opener = gzip.open if path.suffix == ".gz" else open
    words: list[str] = []
    tags: list[str] = []
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in [*handle, ""]:
            parts = line.split()
            if not parts or parts[0] == "-DOCSTART-":
                if words:
                    documents[-1].append((words, to_bio2(tags)))
                words, tags = [], []
                if parts and documents[-1]:
                    documents.append([])
                continue
            words.append(parts[0])
            tags.append(parts[-1])
    return [doc for doc in documents if doc]


#: wikigold inside the data folder; every HELD_OUT-th document is kept out of training.
WIKIGOLD = Path("wikigold") / "wikigold.conll.txt"
HELD_OUT = 5
#: The openly licensed training corpora of the shipped model, relative to ``../shared/data``
#: (licences and attribution in MODEL_CARD.md). wikigold is used minus its held-out part.
OPEN_DATA = (
    WIKIGOLD,
    Path("ner-open") / "btc" / "btc.conll",
    Path("ner-open") / "wnut17" / "wnut17.conll",
)
#: How many times wikigold's training part is used (its conventions are CoNLL's; tweets' are not).
WIKIGOLD_COPIES = 2


def wikigold_documents(path: Path) -> tuple[list[list[Tagged]], list[list[Tagged]]]:
    """Split wikigold's documents: (training documents, held-out documents: every 5th)."""
    train_part: list[list[Tagged]] = []
    held_out: list[list[Tagged]] = []
    for number, document in enumerate(read_documents(path)):
        (held_out if number % HELD_OUT == HELD_OUT - 1 else train_part).append(document)
    return train_part, held_out


def wikigold_split(path: Path) -> tuple[list[Tagged], list[Tagged]]:
    """Split wikigold by document: (training sentences, held-out sentences: every 5th document)."""
    train_part, held_out = wikigold_documents(path)
    return [s for doc in train_part for s in doc], [s for doc in held_out for s in doc]


def open_training_data(data_dir: Path) -> list[Tagged]:
    """The shipped model's training sentences from the openly licensed corpora in ``data_dir``."""
    sentences: list[Tagged] = []
    wikigold = wikigold_split(data_dir / WIKIGOLD)[0]
    for relative in OPEN_DATA:
        sentences += wikigold if relative == WIKIGOLD else read_conll(data_dir / relative)
    # wikigold twice: its conventions are CoNLL's (tweets' are not); eng.testa F1 0.697 -> 0.702.
    return sentences + wikigold * (WIKIGOLD_COPIES - 1)


def to_bio2(tags: Sequence[str]) -> list[str]:
    """Convert IOB1 (``I-`` starts an entity unless it continues one) to BIO2."""
    out: list[str] = []
    previous = "O"
    for tag in tags:
        if tag.startswith("I-") and previous[2:] != tag[2:]:
            tag = "B-" + tag[2:]
        out.append(tag)
        previous = tag
    return out
