"""Train and evaluate the entity tagger (python-crfsuite) from CoNLL-format files.

    python -m searchidx.entities.train --open-data ../shared/data   # the shipped model
    python -m searchidx.entities.train --train FILE [--train FILE] --out MODEL.crfsuite

``--open-data DIR`` rebuilds the packaged model from the openly licensed corpora in DIR
(:data:`OPEN_DATA`; wikigold's held-out documents, :func:`wikigold_split`, are left out so
``bench.ner_eval`` can score on them), after ``casing.txt`` and ``clusters.txt`` (word clusters,
:func:`build_clusters`) from unlabelled open text; ``--keep-lists`` reuses those two files.

Reads CoNLL-2003 (``word POS chunk TAG``) or two-column (``word TAG``) files,
IOB1 or IOB2 (:mod:`.corpora`). The word lists the features read are built by
:mod:`.word_lists`; both modules' names are importable from here too.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

from ..errors import EntityModelError
from .corpora import (
    OPEN_DATA,
    WIKIGOLD,
    Tagged,
    open_training_data,
    read_conll,
    read_documents,
    to_bio2,
    wikigold_documents,
    wikigold_split,
)
from .decode import raw_spans
from .features import sentence_features
from .gazetteer import Gazetteer, read_casing
from .word_lists import CASING_TEXT, DATA, build_casing, build_clusters, build_gazetteer, load_gazetteer

__all__ = [
    "CASING_TEXT",
    "DATA",
    "OPEN_DATA",
    "WIKIGOLD",
    "Tagged",
    "build_casing",
    "build_clusters",
    "build_gazetteer",
    "evaluate",
    "load_gazetteer",
    "open_training_data",
    "read_casing",
    "read_conll",
    "read_documents",
    "spans_from_bio",
    "to_bio2",
    "train",
    "wikigold_documents",
    "wikigold_split",
]

#: CRF parameters of the shipped model (chosen on CoNLL eng.testa, never on eng.testb).
SHIPPED_PARAMS: dict[str, float] = {"c1": 1.0, "c2": 0.05, "max_iterations": 200}


def spans_from_bio(
    tags: Sequence[str], keep: frozenset[str] = frozenset({"PER", "LOC", "ORG"})
) -> set[tuple[int, int, str]]:
    """Return entity spans ``(start, end, type)`` from BIO2 tags, only types in ``keep``."""
    return {span for span in raw_spans(tags) if span[2] in keep}


def evaluate(
    gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]
) -> dict[str, dict[str, float]]:
    """Entity-level exact-match precision, recall and F1 per type and overall (MISC ignored)."""
    counts = {k: [0, 0, 0] for k in ("PER", "LOC", "ORG", "ALL")}  # tp, predicted, gold
    for g, p in zip(gold, predicted, strict=True):
        gs, ps = spans_from_bio(g), spans_from_bio(p)
        for kind in ("PER", "LOC", "ORG"):
            gk = {s for s in gs if s[2] == kind}
            pk = {s for s in ps if s[2] == kind}
            tp = len(gk & pk)
            for key in (kind, "ALL"):
                counts[key][0] += tp
                counts[key][1] += len(pk)
                counts[key][2] += len(gk)
    table: dict[str, dict[str, float]] = {}
    for kind, (tp, npred, ngold) in counts.items():
        precision = tp / npred if npred else 0.0
        recall = tp / ngold if ngold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        table[kind] = {"precision": precision, "recall": recall, "f1": f1, "support": ngold}
    return table


def train(
    sentences: Sequence[Tagged],
    out: Path,
    gazetteer: Gazetteer,
    *,
    c1: float = 0.05,
    c2: float = 0.05,
    max_iterations: int = 150,
) -> float:
    """Train a CRF and write the model file; return the seconds it took."""
    import pycrfsuite

    started = time.perf_counter()
    trainer = pycrfsuite.Trainer(verbose=False)
    for words, tags in sentences:
        trainer.append(sentence_features(words, gazetteer), tags)
    trainer.set_params(
        {
            "c1": c1,
            "c2": c2,
            "max_iterations": max_iterations,
            "feature.possible_transitions": True,
            "feature.minfreq": 1,
        }
    )
    trainer.train(str(out))
    return time.perf_counter() - started


#: CRF settings for a model trained on the user's own files (as for the CoNLL research model).
OWN_DATA_PARAMS: dict[str, float] = {"c1": 0.05, "c2": 0.05, "max_iterations": 150}


def train_own(
    files: Sequence[Path],
    out: Path,
    *,
    c1: float | None = None,
    c2: float | None = None,
    iterations: int | None = None,
) -> tuple[int, float]:
    """Train an entity model on your own annotated files (``searchidx entities train``).

    Args:
        files: CoNLL-format files: one token per line, its BIO tag (``B-PER``,
            ``I-ORG``, ``O``...) in the last column, a blank line between sentences;
            ``-DOCSTART-`` lines are skipped.
        out: The model file to write (point ``$SEARCHIDX_NER_MODEL`` at it).
        c1: L1 regularisation (default :data:`OWN_DATA_PARAMS`).
        c2: L2 regularisation.
        iterations: L-BFGS iterations.

    Returns:
        The number of sentences trained on and the seconds it took.

    Raises:
        EntityModelError: A file is missing, holds no sentences, or tags no person, place or organisation.
    """
    sentences: list[Tagged] = []
    for path in files:
        if not path.is_file():
            raise EntityModelError(f"{path}: no such file: give CoNLL-format files (token ... TAG per line)")
        sentences.extend(read_conll(path))
    labels = {tag[2:] for _words, tags in sentences for tag in tags if tag != "O"}
    if not sentences or not labels & {"PER", "LOC", "ORG"}:
        raise EntityModelError(
            f"no PER, LOC or ORG tags in {', '.join(map(str, files))}: each line needs a token and its "
            "BIO tag last (B-PER, I-ORG, O), with a blank line between sentences"
        )
    if not out.parent.is_dir():
        raise EntityModelError(f"{out.parent}: no such directory for the model: create it first")
    seconds = train(
        sentences,
        out,
        load_gazetteer(DATA),
        c1=OWN_DATA_PARAMS["c1"] if c1 is None else c1,
        c2=OWN_DATA_PARAMS["c2"] if c2 is None else c2,
        max_iterations=int(OWN_DATA_PARAMS["max_iterations"] if iterations is None else iterations),
    )
    return len(sentences), seconds


def main() -> None:
    """Command-line entry: rebuild the shipped model from the open corpora, or train on CoNLL files."""
    parser = argparse.ArgumentParser(description="Train the searchidx entity tagger.")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--train", type=Path, action="append", help="CoNLL-format file")
    source.add_argument(
        "--open-data",
        type=Path,
        metavar="DIR",
        help="rebuild the shipped model from the openly licensed corpora in DIR (../shared/data)",
    )
    parser.add_argument("--out", type=Path, help="model file to write (--open-data: the packaged model)")
    parser.add_argument("--gazetteer", type=Path, default=DATA, help="folder with the name lists")
    parser.add_argument(
        "--keep-lists",
        action="store_true",
        help="--open-data: reuse casing.txt and clusters.txt in --gazetteer instead of rebuilding them",
    )
    parser.add_argument("--c1", type=float, default=None)
    parser.add_argument("--c2", type=float, default=None)
    parser.add_argument("--iterations", type=int, default=None)
    args = parser.parse_args()
    if args.open_data and not args.keep_lists:
        words = build_casing(args.open_data / CASING_TEXT, args.gazetteer)
        print(f"casing.txt: {words} words from {CASING_TEXT}")
        started = time.perf_counter()
        words = build_clusters(args.open_data, args.gazetteer)
        print(f"clusters.txt: {words} words in {time.perf_counter() - started:.0f}s")
    if args.open_data:
        data = open_training_data(args.open_data)
        out = args.out or DATA / "news-ner.crfsuite"
        defaults = SHIPPED_PARAMS
    else:
        if not args.out:
            parser.error("--train needs --out")
        count, seconds = train_own(args.train, args.out, c1=args.c1, c2=args.c2, iterations=args.iterations)
        print(f"trained on {count} sentences in {seconds:.0f}s -> {args.out}")
        return
    c1 = defaults["c1"] if args.c1 is None else args.c1
    c2 = defaults["c2"] if args.c2 is None else args.c2
    iterations = int(defaults["max_iterations"] if args.iterations is None else args.iterations)
    gazetteer = load_gazetteer(args.gazetteer)
    seconds = train(data, out, gazetteer, c1=c1, c2=c2, max_iterations=iterations)
    print(f"trained on {len(data)} sentences in {seconds:.0f}s -> {out}")


if __name__ == "__main__":
    main()
