"""Query cost bound: the slowest allowed query of each expensive shape, in CPU seconds.

Usage: python -m bench.query_cost [--sizes 19043 76172] [--out FILE] [--shapes NAME ...]

Builds Reuters indexes without entities (``bench/data/cost/ix-SIZE``) when they are
missing (run ``python -m bench.convert reuters reuters4x`` first; 76,172 articles
are four copies with distinct ids). For each shape (many fuzzy words, long phrases,
many ORed phrases, many prefixes, long compounds, ``--any`` with many words,
repeated words, ...) the query grows until the planner refuses it: the largest
allowed size is timed (``time.process_time``, cold term caches, best of 2) and the
next size, and the largest, must be refused with a ``QueryError``. The target is
at most 1 s CPU for every allowed query at every size.

``--bench-queries`` instead times the scaling bench's 200 seeded queries
(``bench.scaling.make_queries``; place filters left out, the index has no
entities) top 10 with snippets: CPU ms p50/p95 per query kind, cold (term
cache emptied before each query) and warm (the bench's order, after a
warm-up), how many totals were lower bounds and how many queries the cost
bound refused (counted, not timed). ``--check-identity``
compares the top 10 and 28 and the totals of the array scorer
(``array_scoring.array_top``) with the dictionary scorer's on those queries,
and both with Whoosh's own ranking. ``--index DIR`` uses an existing index.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import SEARCHIDX
from searchidx import Index, QueryError

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
SIZES = (19043, 76172)
STOP = set("the and for are was with from that this said has its not but".split())


def index_for(size: int) -> Path:
    """The index for ``size`` articles, built (without entities) if missing."""
    where = DATA / "cost" / f"ix-{size}"
    if not (where / "searchidx.json").exists():
        docs = DATA / ("reuters4x.jsonl" if size > 19043 else "reuters.jsonl")
        if not docs.exists():
            raise SystemExit("run `python -m bench.convert reuters reuters4x` first")
        command = [*SEARCHIDX, "index", "--index", str(where), "--no-entities"]
        subprocess.run([*command, str(docs)], check=True)
    return where


def common_words(index: Index, count: int, length: int | None = None) -> list[str]:
    """Alphabetic words whose stems most articles contain (one word per stem)."""
    from searchidx import analysis

    cache = index._snapshot()
    ranked: dict[str, tuple[int, str]] = {}
    for word in cache.words():
        if not word.isalpha() or word in STOP or len(word) < 3 or (length and len(word) != length):
            continue
        stem = analysis.stem(word)
        articles = cache.doc_frequency(stem)
        if articles and (stem not in ranked or ranked[stem][0] < articles):
            ranked[stem] = (articles, word)
    return [w for _, w in sorted(ranked.values(), reverse=True)[:count]]


Shape = tuple[str, Callable[[int], str], str, int]  # name, query of size n, mode, largest size tried


def shapes(index: Index) -> list[Shape]:
    """Each expensive shape as a function of its size."""
    words = common_words(index, 1000)
    three = common_words(index, 64, length=3)
    prefixes = list(dict.fromkeys(w[:3] for w in words))

    def cycle(items: list[str], n: int) -> list[str]:
        return [items[i % len(items)] for i in range(n)]

    return [
        ("fuzzy ~2 ANDed", lambda n: " ".join(f"{w}~2" for w in three[:n]), "all", 64),
        ("fuzzy ~2 ORed", lambda n: " OR ".join(f"{w}~2" for w in three[:n]), "all", 64),
        ("same fuzzy repeated", lambda n: " ".join(["oil~2"] * n), "all", 256),
        ("--any words", lambda n: " ".join(words[:n]), "any", 256),
        ("words ORed", lambda n: " OR ".join(words[:n]), "all", 256),
        ("words ANDed", lambda n: " ".join(words[:n]), "all", 256),
        ("same word repeated", lambda n: " ".join(["said"] * n), "all", 256),
        ("long phrase", lambda n: '"' + " ".join(cycle(words, n)) + '"', "all", 1000),
        (
            "phrases ORed",
            lambda n: " OR ".join(f'"{words[i]} {words[i + 1]}"' for i in range(n)),
            "all",
            256,
        ),
        ("prefixes ORed", lambda n: " OR ".join(f"{p}*" for p in prefixes[:n]), "all", 256),
        ("compound a-b-c", lambda n: "-".join(cycle(["oil", "price"], n)), "all", 1000),
        ("NOT words", lambda n: "said " + " ".join(f"-{w}" for w in words[1 : n + 1]), "all", 255),
        ("everything *", lambda n: "*", "all", 1),
    ]


def cpu(index: Index, text: str, mode: str) -> float:
    """CPU seconds of one search (top 10 with snippets) on cold per-searcher caches."""
    best = float("inf")
    for _ in range(2):
        snapshot = index._snapshot()
        snapshot.forget_term_scores()
        snapshot.forget_lookups()
        started = time.process_time()
        index.search(text, mode=mode, limit=10)  # type: ignore[arg-type]
        best = min(best, time.process_time() - started)
    return best


def allowed(index: Index, text: str, mode: str) -> bool:
    """Whether the search this bench times (a page of 10) is allowed: a count is priced apart."""
    try:
        index.search(text, mode=mode, limit=10, highlight=False)  # type: ignore[arg-type]
    except QueryError:
        return False
    return True


def measure_shape(index: Index, shape: Shape) -> dict[str, Any]:
    """The largest allowed size of one shape, its CPU time, and the refusals around it."""
    name, make, mode, largest = shape
    if allowed(index, make(largest), mode):
        n = largest
    else:
        lo, hi = 0, largest  # allowed(lo) (or lo == 0), refused(hi)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if allowed(index, make(mid), mode) else (lo, mid)
        n = lo
    row: dict[str, Any] = {"shape": name, "mode": mode, "largest_allowed": n, "tried_up_to": largest}
    row["cpu_s"] = cpu(index, make(n), mode) if n else None
    row["query"] = make(n)[:120] if n else ""
    if n < largest:
        for size in (n + 1, largest):
            try:
                index.search(make(size), mode=mode, limit=10)  # type: ignore[arg-type]
                row[f"refused_{size}"] = False
            except QueryError as exc:
                row[f"refused_{size}"] = True
                row["message"] = str(exc)
        row["refused"] = row[f"refused_{n + 1}"] and row[f"refused_{largest}"]
    return row


def bench_queries(index: Index) -> dict[str, Any]:
    """CPU ms p50/p95 per query kind of the scaling bench's queries, cold and warm term caches."""
    from .engines import load
    from .scaling import make_queries

    queries = [q for q in make_queries(load(DATA / "reuters.jsonl"), 200) if not q["place"]]
    texts = [
        (q["kind"], " ".join(q["words"] + ([f'"{" ".join(q["phrase"])}"'] if q["phrase"] else [])))
        for q in queries
    ]
    texts = [
        (kind, text + (f" date:{q['month']}" if q["month"] else ""))
        for (kind, text), q in zip(texts, queries, strict=True)
    ]
    out: dict[str, Any] = {}
    for label, cold in (("cold", True), ("warm", False)):
        for _kind, text in texts[:10]:
            with contextlib.suppress(QueryError):
                index.search(text, limit=10)
        samples: dict[str, list[float]] = {}
        bounds = refused = 0
        for kind, text in texts:
            if cold:
                index._snapshot().forget_term_scores()
            started = time.process_time()
            try:
                results = index.search(text, limit=10)
            except QueryError:  # over the cost bound (at 304k): counted, not timed
                refused += 1
                continue
            samples.setdefault(kind, []).append((time.process_time() - started) * 1000)
            bounds += getattr(results, "total_is_lower_bound", False)
        samples["all"] = [ms for kind in list(samples) for ms in samples[kind]]
        out[label] = {kind: _p50_p95(ms) for kind, ms in samples.items()}
        out[label]["lower_bound_totals"] = bounds
        out[label]["refused"] = refused
    return out


def check_identity(index: Index, sizes: tuple[int, ...] = (10, 28)) -> int:
    """Array scorer against the dictionary scorer and Whoosh on the bench's queries; mismatches.

    Against the dictionary scorer: documents, order, scores bit for bit and totals (exact, or
    for a phrase whose candidates were not all checked, at most the exact one).
    Against Whoosh (its matchers and collector): documents and order, scores within 1e-12
    (it adds a query's terms in its own order), and totals.
    """
    from searchidx import ranking
    from searchidx.array_scoring import array_top
    from searchidx.search import prepare

    from .engines import load
    from .scaling import make_queries

    cache = index._snapshot()
    wrong = compared = 0
    for q in make_queries(load(DATA / "reuters.jsonl"), 200):
        if q["place"]:
            continue
        text = " ".join(q["words"] + ([f'"{" ".join(q["phrase"])}"'] if q["phrase"] else []))
        text += f" date:{q['month']}" if q["month"] else ""
        parsed, compiled = prepare(cache, text, mode="all")
        allowed = compiled.allowed
        for k in sizes:
            cache.forget_term_scores()
            got = array_top(cache, parsed.query, allowed, k)
            if got is None:
                continue
            ranking.ARRAYS = False
            expected = ranking.top_scored(cache, parsed.query, allowed, k)
            ranking.ARRAYS = True
            whoosh = cache.whoosh_top(parsed.query, allowed, k, 0)
            compared += 1
            close = len(whoosh[1]) == len(got[1]) and all(
                d == e and abs(s - t) <= 1e-12 * max(abs(t), 1.0)
                for (d, s), (e, t) in zip(got[1], whoosh[1], strict=True)
            )
            # A phrase's total may be a lower bound (got[2] False): then at most the exact one.
            totals = got[0] == expected[0] == whoosh[0] if got[2] else got[0] <= expected[0] == whoosh[0]
            if got[1] != expected[1] or not close or not totals:
                wrong += 1
                print(f"MISMATCH k={k}: {text}", flush=True)
    print(
        f"identity: {compared} top-k lists compared with the dictionary scorer's (bit for bit) and "
        f"Whoosh's (scores within 1e-12), {wrong} differ"
    )
    return wrong


def _p50_p95(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50": ordered[len(ordered) // 2],
        "p95": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--shapes", nargs="*", help="only shapes whose name contains one of these")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "query_cost.json")
    parser.add_argument("--bench-queries", action="store_true", help="time the scaling bench's queries")
    parser.add_argument(
        "--check-identity", action="store_true", help="array top k == dictionary scorer's and Whoosh's"
    )
    parser.add_argument("--index", type=Path, help="with --bench-queries: this index, not bench/data/cost")
    args = parser.parse_args()
    if args.check_identity:
        with Index.open(args.index or index_for(args.sizes[0])) as index:
            raise SystemExit(1 if check_identity(index) else 0)
    if args.bench_queries:
        for where in [args.index] if args.index else [index_for(size) for size in args.sizes]:
            with Index.open(where) as index:
                print(where, json.dumps(bench_queries(index)), flush=True)
        return
    results: list[dict[str, Any]] = []
    for size in args.sizes:
        with Index.open(index_for(size)) as index:
            index.search("warm up the stems")
            for shape in shapes(index):
                if args.shapes and not any(s in shape[0] for s in args.shapes):
                    continue
                row = measure_shape(index, shape)
                row["size"] = size
                results.append(row)
                cpu_s = "-" if row["cpu_s"] is None else f"{row['cpu_s']:.3f} s"
                refused = {True: "refused above", False: "NOT REFUSED", None: "never refused"}[
                    row.get("refused")
                ]
                print(
                    f"{size:6} {row['shape']:20} largest allowed {row['largest_allowed']:4}: {cpu_s:>8} CPU; "
                    f"{refused}",
                    flush=True,
                )
    slowest = max((r["cpu_s"] or 0.0) for r in results) if results else 0.0
    print(f"slowest allowed query: {slowest:.3f} s CPU (target <= 1 s)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
