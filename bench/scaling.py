"""Indexing and query latency at 1k / 5k / 19k / 76k Reuters articles, for every engine.

Usage: python -m bench.scaling [--sizes 1000 5000 19043 76172] [--queries 200] [--out FILE]
       python -m bench.scaling --sizes 304688 --out bench/results/scaling-304k.json

Each build and each query run is a fresh process (``bench/engines.py``), so peak
RSS and caches belong to one engine. Indexing: articles/s, MB/s, wall and CPU
(children included), peak RSS, index size; searchidx with and without entities,
1 and 2 processes; Whoosh 1 and 2 processes (its ``procs=2`` writer); tantivy 1
and 2 writer threads; FTS5 1. Queries: the same seeded set at every size
(keywords, multi-word, phrases, one-month date windows, place filters), top 10,
with and without snippets, on the 1-process index of each engine (searchidx:
with entities, so ``place:`` has something to filter on).

Past 76,172 (the 304,688-article point, Reuters x16 from ``python -m
bench.convert reuters16x``) each engine builds once, without entities and
with its faster writer (searchidx and tantivy 2, Whoosh and FTS5 1), and is
queried on that build: searchidx's ``place:`` filters then match nothing, so
its place-filter figures there are not comparable (the other kinds are).
``--reference DIR`` then times the same queries on an existing searchidx index
(76,172 articles built the same way: no entities, 2 processes) for the
p95(304k) / p95(76k) ratio, in the same run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
SIZES = (1000, 5000, 19043, 76172)
STOP = set(
    "a an and are as at be but by for if in into is it no not of on or such that the their then "
    "there these they this to was will with said says pct mln dlrs vs cts".split()
)
PLACES = (
    "japan canada france brazil australia china belgium switzerland iran italy philippines taiwan "
    "spain sweden indonesia argentina iraq india mexico"
).split()
KINDS = ("keywords", "multi-word", "phrase", "date window", "place filter")
# (engine, workers, entities); FTS5 has no parallel writer.
BUILDS = (
    ("searchidx", 1, False),
    ("searchidx", 2, False),
    ("searchidx", 1, True),
    ("searchidx", 2, True),
    ("whoosh", 1, False),
    ("whoosh", 2, False),
    ("fts5", 1, False),
    ("tantivy", 1, False),
    ("tantivy", 2, False),
)
QUERIED = {"searchidx": (1, True), "whoosh": (1, False), "fts5": (1, False), "tantivy": (1, False)}
BIG = 76172  # past this size: one build per engine (BIG_BUILDS), queried as it is
BIG_BUILDS = (("searchidx", 2, False), ("whoosh", 1, False), ("fts5", 1, False), ("tantivy", 2, False))


def make_queries(docs: list[dict[str, Any]], count: int, seed: int = 1987) -> list[dict[str, Any]]:
    """A fixed, seeded mix of five query kinds drawn from the collection's titles."""
    rng = random.Random(seed)
    vocab = Counter(
        w for d in docs for w in re.findall(r"[a-z]{4,}", (d.get("title") or "").lower()) if w not in STOP
    )
    common = [w for w, n in vocab.most_common(600) if n >= 5]
    months = sorted({d["date"][:7] for d in docs if d.get("date")})
    titled = [d for d in docs if d.get("title")]
    queries = []
    for i in range(count):
        kind = i % 5
        q: dict[str, Any] = {"kind": KINDS[kind], "words": [], "phrase": [], "month": None, "place": None}
        if kind == 0:
            q["words"] = rng.sample(common, rng.choice((1, 2)))
        elif kind == 1:
            q["words"] = rng.sample(common[:80], rng.randint(3, 5))
        elif kind == 2:
            title = rng.choice(titled)["title"].lower()
            pair = [w for w in re.findall(r"[a-z]{3,}", title) if w not in STOP][:2]
            q["phrase"] = pair if len(pair) == 2 else [rng.choice(common), rng.choice(common)]
        elif kind == 3:
            q["words"], q["month"] = [rng.choice(common)], rng.choice(months)
        else:
            q["words"], q["place"] = [rng.choice(common[:150])], rng.choice(PLACES)
        queries.append(q)
    return queries


def run_json(*args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.engines", *args], cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"bench.engines {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def collection(size: int, work: Path) -> Path:
    full = DATA / "reuters.jsonl"
    if size > BIG:
        return DATA / "reuters16x.jsonl"
    if size > 19043:
        return DATA / "reuters4x.jsonl"
    if size == 19043:
        return full
    subset = work / f"reuters-{size}.jsonl"
    with full.open(encoding="utf-8") as src:
        subset.write_text("".join(itertools.islice(src, size)), encoding="utf-8")
    return subset


def measure(sizes: tuple[int, ...], query_count: int, log: Any = print) -> dict[str, Any]:
    from .engines import load

    missing = [p for p in (DATA / "reuters.jsonl", DATA / "reuters4x.jsonl") if not p.exists()]
    if max(sizes) > BIG and not (DATA / "reuters16x.jsonl").exists():
        missing.append(DATA / "reuters16x.jsonl")
    if missing:
        raise SystemExit("run `python -m bench.convert reuters reuters4x reuters16x` first")
    queries = make_queries(load(DATA / "reuters.jsonl"), query_count)
    results: dict[str, Any] = {"queries": queries, "indexing": [], "latency": []}
    with tempfile.TemporaryDirectory(prefix="searchidx-scaling-") as tmp:
        work = Path(tmp)
        query_file = work / "queries.json"
        query_file.write_text(json.dumps(queries))
        for size in sizes:
            docs = collection(size, work)
            for engine, workers, entities in BIG_BUILDS if size > BIG else BUILDS:
                where = work / f"{engine}-{size}-{workers}-{int(entities)}"
                flags = ["--workers", str(workers)] + (["--entities"] if entities else [])
                row = run_json("build", engine, str(docs), str(where), *flags)
                row.update(engine=engine, size=size, workers=workers, entities=entities)
                results["indexing"].append(row)
                log(
                    f"index {engine:9} {size:6} w{workers} ent={int(entities)}: "
                    f"{row['articles_per_s']:.0f} art/s, {row['peak_rss_mb']:.0f} MB RSS"
                )
                if size > BIG or QUERIED[engine] == (workers, entities):
                    lat = run_json("query", engine, str(where), str(query_file))
                    lat.update(engine=engine, size=size)
                    results["latency"].append(lat)
                    log(f"query {engine:9} {size:6}: p95 {lat['snippets']['p95']:.1f} ms with snippets")
                shutil.rmtree(where, ignore_errors=True)
    return results


def reference_row(where: Path, queries: list[dict[str, Any]]) -> dict[str, Any]:
    """The queries timed on an existing searchidx index (the ratio's other end), labelled."""
    from searchidx import Index

    with Index.open(where) as index:
        size = index.stats().documents
    with tempfile.TemporaryDirectory(prefix="searchidx-reference-") as tmp:
        query_file = Path(tmp) / "queries.json"
        query_file.write_text(json.dumps(queries))
        row = run_json("query", "searchidx", str(where), str(query_file))
    row.update(engine="searchidx", size=size, label="no entities, 2 processes, measured after the run")
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "scaling.json")
    parser.add_argument(
        "--update", action="store_true", help="replace only these sizes' rows in an existing --out file"
    )
    parser.add_argument("--reference", type=Path, help="also time the queries on this searchidx index")
    args = parser.parse_args()
    results = measure(tuple(args.sizes), args.queries)
    if args.reference:
        results["reference"] = [reference_row(args.reference, results["queries"])]
    if args.update and args.out.exists():
        old = json.loads(args.out.read_text())
        for key in ("indexing", "latency"):
            kept = [r for r in old[key] if r["size"] not in args.sizes]
            results[key] = sorted(kept + results[key], key=lambda r: r["size"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
