"""The snapshot's caches stay within their byte budgets (issue 14), and their byte estimates are honest.

A small news index with entities is searched with many distinct queries (terms,
prefixes, fuzzy words, filters, facets, documents) under budgets far below what
the queries would fill: every cache must stay under its own budget after every
call, and what tracemalloc sees the caches hold must stay under the total.
"""

from __future__ import annotations

import gc
import json
import random
import sys
import tracemalloc
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from types import FunctionType, MethodType, ModuleType

import numpy as np
import pytest

from searchidx import Filters, Index
from searchidx.snapshot import Snapshot, TermScores, budget, release_pages
from searchidx.snapshot.budget import Budgets, ByteLRU

FIRST = ["Anna", "Boris", "Carla", "David", "Elena", "Frank", "Grace", "Hans", "Irene", "James", "Laura"]
LAST = ["Meyer", "Novak", "Rossi", "Dubois", "Larsen", "Kowalski", "Petrov", "Silva", "Tanaka", "Walsh"]
PLACES = ["Geneva", "Oslo", "Madrid", "Lisbon", "Warsaw", "Vienna", "Prague", "Athens", "Dublin", "Helsinki"]
ORGS = ["Nordic Steel Corp", "Atlas Bank", "Helix Energy Inc", "Orion Shipping Ltd", "Vega Mining Corp"]
WORDS = (
    "oil price market bank trade deficit wheat export gold dollar stock merger takeover crude sugar "
    "copper money inflation budget tax loan debt shares profit loss steel coal ship strike grain rate"
).split()
ARTICLES = 600
SMALL = Budgets(term_scores=24_000, facet_memo=100_000, expansions=3_000, frequencies=6_000)


def _corpus(path: Path) -> Path:
    """News-like records: people of organisations speaking in places, common words and one rare word each."""
    rng = random.Random(14)
    rows = []
    for i in range(ARTICLES):
        person = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        place, org = rng.choice(PLACES), rng.choice(ORGS)
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(10, 40)))
        text = (
            f"{person} of {org} said in {place} on Monday that {words} rare{i:03d}. "
            f"{rng.choice(FIRST)} {rng.choice(LAST)} agreed in {rng.choice(PLACES)}."
        )
        date = f"20{10 + i % 12}-{1 + i % 12:02d}-0{1 + i % 9}"
        title = f"{rng.choice(WORDS)} {rng.choice(WORDS)} in {place}"
        rows.append(json.dumps({"id": f"n{i}", "title": title, "date": date, "text": text}))
    path.write_text("\n".join(rows) + "\n")
    return path


@pytest.fixture(scope="module")
def news(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("budget")
    Index.build(root / "ix", [_corpus(root / "news.jsonl")], workers=1).close()
    return root / "ix"


@pytest.fixture
def small(news: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Index]:
    """The news index opened afresh with :data:`SMALL` budgets."""
    monkeypatch.setattr(budget, "BUDGETS", SMALL)
    with Index.open(news) as index:
        yield index


def _queries() -> Iterator[str]:
    """Distinct queries: each word, pairs, rare words, prefixes and misspellings."""
    rng = random.Random(3)
    yield from WORDS
    for _ in range(40):
        yield " ".join(rng.sample(WORDS, 2))
    yield from (f"rare{i:03d}" for i in range(0, ARTICLES, 7))
    yield from (f"{word[:3]}*" for word in WORDS)
    yield from (f"{word}x~" for word in WORDS[:10])
    yield "*"


def _assert_within(snapshot: Snapshot) -> dict[str, int]:
    held = snapshot.cache_bytes()
    for name, size in held.items():
        assert size <= getattr(snapshot.budgets, name), (name, size)
    return held


def test_caches_stay_within_their_byte_budgets(small: Index) -> None:
    snapshot = small._snapshot()
    assert snapshot.budgets == SMALL
    highest: dict[str, int] = {}
    for query in _queries():
        results = small.search(query, limit=5, prefix_terms=8)
        facets = small.facets(query, limit=5)
        if results.hits:
            small.document(results.hits[0].id, query)
        if facets.places:
            small.search(query, filters=Filters(places=(facets.places[0].name,)), limit=5)
        for name, size in _assert_within(snapshot).items():
            highest[name] = max(highest.get(name, 0), size)
    # The queries filled every cache to near its budget (so the bound, not the load, held it).
    for name, size in highest.items():
        assert size > getattr(SMALL, name) // 2, (name, size)
    assert snapshot is small._snapshot()  # one snapshot throughout: no commit reset the caches


def test_a_facet_count_past_the_budget_keeps_what_fits(small: Index) -> None:
    snapshot = small._snapshot()
    facets = small.facets("*", limit=5)  # every article: more than SMALL.facet_memo holds
    assert facets.total == ARTICLES
    # Articles past the budget were counted, not remembered: the memo is full, not dropped.
    assert SMALL.facet_memo // 2 < snapshot.cache_bytes()["facet_memo"] <= SMALL.facet_memo
    assert 0 < len(snapshot.facet_parts.docs) < ARTICLES
    assert small.facets("*", limit=5) == facets  # counted again, the same


def test_results_do_not_depend_on_the_budgets(news: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def run() -> list[object]:
        with Index.open(news) as index:
            return [
                (index.search(q, limit=5, prefix_terms=8), index.facets(q, limit=5))
                for q in list(_queries())[::3]
            ]

    roomy = run()
    monkeypatch.setattr(budget, "BUDGETS", SMALL)
    tight = run()
    assert [(r.total, [h.id for h in r.hits], f) for r, f in tight] == [
        (r.total, [h.id for h in r.hits], f) for r, f in roomy
    ]


def _walked_bytes(*roots: object) -> int:
    """Bytes of every object reachable from ``roots`` (each once), as ``sys.getsizeof`` has them.

    An ``OrderedDict``'s link nodes are not in its ``getsizeof``: 56 bytes each are added.
    Strings and ints shared with the rest of the process are counted too (an upper bound).
    """
    seen: set[int] = set()
    stack = list(roots)
    total = 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, type | ModuleType | FunctionType | MethodType):
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj) + (56 * len(obj) if isinstance(obj, OrderedDict) else 0)
        stack.extend(gc.get_referents(obj))
    return total


def _caches(snapshot: Snapshot) -> list[object]:
    lrus = [snapshot._term_scores, snapshot._expansions, snapshot._frequency, snapshot._field_frequency]
    memo = snapshot.facet_parts
    memo_parts = [] if memo is None else [v for k, v in vars(memo).items() if k != "_lock"]
    return [lru._items for lru in lrus] + memo_parts


def test_what_the_caches_hold_stays_within_the_total_budget(small: Index) -> None:
    """Measured, not estimated: every object the caches reach, walked after each query."""
    snapshot = small._snapshot()
    highest = 0
    for query in _queries():
        small.search(query, limit=5, prefix_terms=8)
        small.facets(query, limit=5)
        measured = _walked_bytes(*_caches(snapshot))
        assert measured <= SMALL.total, (query, measured, snapshot.cache_bytes())
        highest = max(highest, measured)
    assert highest > SMALL.total // 2


def test_each_estimate_tracks_what_its_cache_holds(news: Path) -> None:
    """A budget is only as good as the estimate it is checked against: compare each with a walk."""
    with Index.open(news) as index:
        snapshot = index._snapshot()
        for query in _queries():
            index.search(query, limit=5, prefix_terms=8)
            index.facets(query, limit=5)
        memo = snapshot.facet_parts
        assert memo is not None
        walked = {
            "term_scores": _walked_bytes(snapshot._term_scores._items),
            "facet_memo": _walked_bytes(*[v for k, v in vars(memo).items() if k != "_lock"]),
            "expansions": _walked_bytes(snapshot._expansions._items),
            "frequencies": _walked_bytes(snapshot._frequency._items, snapshot._field_frequency._items),
        }
        held = snapshot.cache_bytes()
    for name, size in walked.items():
        assert size > 0 and 0.9 * size <= held[name] <= 1.6 * size, (name, size, held[name])


def test_term_score_estimate_is_at_least_what_tracemalloc_measures() -> None:
    def fill() -> ByteLRU[tuple[str, str], TermScores]:
        cache: ByteLRU[tuple[str, str], TermScores] = ByteLRU(10**9, budget.posting_scores_bytes)
        rng = random.Random(1)
        for n in range(200):
            size = rng.randint(0, 400)
            docs = np.array(sorted(rng.sample(range(300, 10**6), size)), dtype=np.int64)
            cache.put(("body", f"term{n}"), (docs, np.array([rng.random() * 10 for _ in range(size)])))
        return cache

    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        cache = fill()
        measured = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert measured <= cache.bytes <= 1.3 * measured, (measured, cache.bytes)


def test_byte_lru_keeps_its_budget_and_the_most_recent() -> None:
    cache: ByteLRU[str, str] = ByteLRU(1_000, lambda key, value: sys.getsizeof(value))
    for n in range(100):
        cache.put(f"k{n}", "x" * 100)
        assert cache.bytes <= 1_000
        cache.get("k0")  # used again and again: kept
    assert "k0" in cache and "k99" in cache and "k1" not in cache
    assert cache.bytes == sum(sys.getsizeof(v) for _, v in cache.items())
    cache.put("huge", "x" * 5_000)  # larger than the whole budget: not kept, nothing dropped for it
    assert "huge" not in cache and "k99" in cache


def _mapped_kb(where: Path) -> int:
    """Resident kB of this process's maps of files under ``where`` (``/proc/self/smaps``)."""
    total, inside = 0, False
    with open("/proc/self/smaps") as smaps:
        for line in smaps:
            fields = line.split()
            if "-" in fields[0] and len(fields) >= 5 and ":" in fields[3]:  # a mapping's header line
                inside = len(fields) >= 6 and fields[5].startswith(str(where))
            elif inside and fields[0] == "Rss:":
                total += int(fields[1])
    return total


@pytest.mark.skipif(not Path("/proc/self/smaps").exists(), reason="needs Linux's /proc/self/smaps")
def test_release_pages_unmaps_what_searches_read(news: Path) -> None:
    with Index.open(news) as index:
        before = [(r.total, [h.id for h in r.hits]) for r in (index.search(w, limit=50) for w in WORDS)]
        assert _mapped_kb(news) > 0
        assert release_pages() >= 1
        assert _mapped_kb(news) == 0
        after = [(r.total, [h.id for h in r.hits]) for r in (index.search(w, limit=50) for w in WORDS)]
        assert after == before and _mapped_kb(news) > 0  # read again from the page cache


_COPIES_SCRIPT = """
import json, sys
from pathlib import Path
from whoosh.filedb.structfile import BufferFile
copied = []
original = BufferFile.__init__
def counting(self, buf, *args, **kwargs):
    copied.append(len(buf))
    original(self, buf, *args, **kwargs)
BufferFile.__init__ = counting
from searchidx import Index
work = Path(sys.argv[1])
index = Index.build(work / "ix", [work / "a.jsonl"], workers=1, entities=False)
index.update([work / "a.jsonl", work / "b.jsonl"], workers=1)  # reads the manifest, regroups stories
print(json.dumps(copied))
"""


def test_an_update_reads_the_index_through_its_maps_not_copies(tmp_path: Path) -> None:
    """A fresh process that only indexes: the run's reads of the index copy no segment file.

    Whoosh copies each segment sub-file it opens into memory; searches read the map instead
    (``snapshot.mapped``). An update of 10 articles to 304,688 peaked at 1.8 GB while its
    manifest and story grouping read copies, 350 MB through the maps.
    """
    import subprocess

    for name, start in (("a.jsonl", 0), ("b.jsonl", 40)):
        rows = [
            {"id": f"d{i}", "title": f"Oil {i}", "text": f"Oil prices {i} rose."}
            for i in range(start, start + 40)
        ]
        (tmp_path / name).write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    done = subprocess.run(
        [sys.executable, "-c", _COPIES_SCRIPT, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
