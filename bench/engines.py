"""The four engines under test, each able to build an index and answer the shared queries.

Used by the scaling benchmark (``bench/scaling.py``), one measurement per fresh
process so memory and caches never leak between engines:

    python -m bench.engines build ENGINE DOCS WHERE [--workers N] [--entities]
    python -m bench.engines query ENGINE WHERE QUERIES.json

Both print one JSON object. Engines: ``searchidx`` (``searchidx index`` to build, the
library API to query), ``whoosh``
(stock ``StemmingAnalyzer``, ``MultifieldParser``, ``hit.highlights``; 2 workers =
its own ``procs=2`` multisegment writer), ``fts5`` (SQLite, ``porter unicode61
remove_diacritics 2``, ``bm25()``, ``snippet()``; single-threaded only) and
``tantivy`` (tantivy-py ``en_stem``, ``SnippetGenerator``; workers = writer threads).

A query is ``{"words": [...], "phrase": [...], "month": "YYYY-MM" | null,
"place": str | null}``; every engine ANDs its parts. The place filter uses
searchidx's extracted places (``place:``) and the peers' copy of the Reuters
PLACES tags: the same shape of work, not the same answer.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import SEARCHIDX

Query = dict[str, Any]
Runner = Callable[[Query, bool], int]
#: Empties the engine's in-process caches before a cold query (not timed).
Reset = Callable[[], None]
ENGINES = ("searchidx", "whoosh", "fts5", "tantivy")


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.open(encoding="utf-8")]


def month_range(month: str) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.strptime(month, "%Y-%m").replace(tzinfo=dt.UTC)
    return start, (start + dt.timedelta(days=32)).replace(day=1)


def _date(d: dict[str, Any]) -> dt.datetime | None:
    return dt.datetime.fromisoformat(d["date"].replace("Z", "+00:00")) if d.get("date") else None


def _places(d: dict[str, Any]) -> str:
    return " ".join(d.get("places") or [])


# ---- building ----------------------------------------------------------------------------


def build_searchidx(docs: Path, where: Path, workers: int, entities: bool) -> None:
    """Index through the command line, as a user would (`searchidx index`)."""
    command = [*SEARCHIDX, "index", "--index", str(where), "--workers", str(workers)]
    subprocess.run(command + ([] if entities else ["--no-entities"]) + [str(docs)], check=True)


def whoosh_schema() -> Any:
    from whoosh import fields
    from whoosh.analysis import StemmingAnalyzer

    return fields.Schema(
        id=fields.ID(stored=True),
        title=fields.TEXT(stored=True, analyzer=StemmingAnalyzer()),
        body=fields.TEXT(stored=True, analyzer=StemmingAnalyzer()),
        date=fields.DATETIME(stored=True),
        places=fields.KEYWORD(),
    )


def build_whoosh(docs: Path, where: Path, workers: int) -> None:
    from whoosh import index

    where.mkdir(parents=True)
    ix = index.create_in(str(where), whoosh_schema())
    writer = ix.writer(procs=workers, multisegment=True) if workers > 1 else ix.writer()
    for d in load(docs):
        date = _date(d)
        extra = {"date": date.replace(tzinfo=None)} if date else {}
        writer.add_document(
            id=d["id"], title=d.get("title") or "", body=d["text"], places=_places(d), **extra
        )
    writer.commit()


def build_fts5(docs: Path, where: Path) -> None:
    where.mkdir(parents=True)
    db = sqlite3.connect(str(where / "fts5.db"))
    db.execute(
        "CREATE VIRTUAL TABLE t USING fts5(id UNINDEXED, date UNINDEXED, places, title, body, "
        "tokenize='porter unicode61 remove_diacritics 2')"
    )
    db.executemany(
        "INSERT INTO t VALUES (?, ?, ?, ?, ?)",
        ((d["id"], d.get("date") or "", _places(d), d.get("title") or "", d["text"]) for d in load(docs)),
    )
    db.commit()
    db.close()


def tantivy_schema() -> Any:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", stored=True, tokenizer_name="en_stem")
    builder.add_text_field("body", stored=True, tokenizer_name="en_stem")
    builder.add_text_field("places", tokenizer_name="default")
    builder.add_date_field("date", indexed=True, fast=True)
    return builder.build()


def build_tantivy(docs: Path, where: Path, workers: int) -> None:
    import tantivy

    where.mkdir(parents=True)
    index = tantivy.Index(tantivy_schema(), path=str(where))
    writer = index.writer(heap_size=256_000_000, num_threads=workers)
    for d in load(docs):
        date = _date(d)
        extra = {"date": date} if date else {}
        writer.add_document(
            tantivy.Document(
                id=d["id"], title=d.get("title") or "", body=d["text"], places=_places(d), **extra
            )
        )
    writer.commit()
    writer.wait_merging_threads()


def build(engine: str, docs: Path, where: Path, workers: int, entities: bool) -> None:
    if engine == "searchidx":
        build_searchidx(docs, where, workers, entities)
    elif engine == "whoosh":
        build_whoosh(docs, where, workers)
    elif engine == "fts5":
        build_fts5(docs, where)
    elif engine == "tantivy":
        build_tantivy(docs, where, workers)
    else:
        raise SystemExit(f"unknown engine {engine!r}: choose from {', '.join(ENGINES)}")


#: What a runner returns for a query its engine refuses.
REFUSED = -1


# ---- querying ----------------------------------------------------------------------------


def open_searchidx(where: Path) -> tuple[Runner, Reset]:
    from searchidx import Index, QueryError
    from searchidx.ranking import load_arrays

    index = Index.open(where)
    load_arrays()  # a long-lived process, as the TUI: every query scored in arrays (NumPy loaded)

    def reset() -> None:  # the term scores and lookups the last queries cached
        snapshot = index._snapshot()
        snapshot.forget_term_scores()
        snapshot.forget_lookups()

    def run(q: Query, snippets: bool) -> int:
        text = " ".join(q["words"] + ([f'"{" ".join(q["phrase"])}"'] if q["phrase"] else []))
        text += f" date:{q['month']}" if q["month"] else ""
        text += f" place:{q['place']}" if q["place"] else ""
        try:
            return len(index.search(text, limit=10, highlight=snippets).hits)
        except QueryError:  # over the cost bound (a phrase of common words at 304k): refused
            return REFUSED

    return run, reset


def open_whoosh(where: Path) -> tuple[Runner, Reset]:
    from whoosh import index, qparser
    from whoosh import query as wq

    ix = index.open_dir(str(where))
    parser = qparser.MultifieldParser(["title", "body"], ix.schema)
    searcher = ix.searcher()

    def reset() -> None:  # a fresh searcher: its readers' caches start empty
        nonlocal searcher
        searcher.close()
        searcher = ix.searcher()

    def run(q: Query, snippets: bool) -> int:
        query = parser.parse(" ".join(q["words"] + ([f'"{" ".join(q["phrase"])}"'] if q["phrase"] else [])))
        filters = []
        if q["month"]:
            start, end = month_range(q["month"])
            last = end.replace(tzinfo=None) - dt.timedelta(seconds=1)
            filters.append(wq.DateRange("date", start.replace(tzinfo=None), last))
        if q["place"]:
            filters.append(wq.Term("places", q["place"]))
        flt = wq.And(filters) if len(filters) > 1 else (filters[0] if filters else None)
        results = searcher.search(query, limit=10, filter=flt)
        if snippets:
            for hit in results:
                hit.highlights("body")
        return len(results.top_n)

    return run, reset


def open_fts5(where: Path) -> tuple[Runner, Reset]:
    db = sqlite3.connect(str(where / "fts5.db"))

    def reset() -> None:  # a fresh connection: SQLite's page cache is per connection
        nonlocal db
        db.close()
        db = sqlite3.connect(str(where / "fts5.db"))

    def run(q: Query, snippets: bool) -> int:
        terms = [f'"{w}"' for w in q["words"]] + ([f'"{" ".join(q["phrase"])}"'] if q["phrase"] else [])
        match = "{title body}: (" + " AND ".join(terms) + ")"
        if q["place"]:
            match += f' AND places: "{q["place"]}"'
        cols = "id, snippet(t, 4, '[', ']', '…', 24)" if snippets else "id"
        sql = f"SELECT {cols} FROM t WHERE t MATCH ?"
        args: list[Any] = [match]
        if q["month"]:
            start, end = month_range(q["month"])
            sql += " AND date >= ? AND date < ?"
            args += [start.strftime("%Y-%m-%d"), end.strftime("%Y-%m-%d")]
        return len(db.execute(sql + " ORDER BY bm25(t) LIMIT 10", args).fetchall())

    return run, reset


def open_tantivy(where: Path) -> tuple[Runner, Reset]:
    import tantivy

    index = tantivy.Index.open(str(where))
    schema = index.schema
    searcher = index.searcher()

    def reset() -> None:  # a fresh searcher (tantivy keeps no per-searcher term cache beyond it)
        nonlocal searcher
        searcher = index.searcher()

    def run(q: Query, snippets: bool) -> int:
        parts = [f"+{w}" for w in q["words"]] + ([f'+"{" ".join(q["phrase"])}"'] if q["phrase"] else [])
        if q["month"]:
            start, end = (d.strftime("%Y-%m-%dT%H:%M:%SZ") for d in month_range(q["month"]))
            parts.append(f"+date:[{start} TO {end}}}")
        if q["place"]:
            parts.append(f"+places:{q['place']}")
        query = index.parse_query(" ".join(parts), ["title", "body"])
        hits = searcher.search(query, 10).hits
        if snippets:
            generator = tantivy.SnippetGenerator.create(searcher, query, schema, "body")
            for _score, address in hits:
                generator.snippet_from_doc(searcher.doc(address)).to_html()
        return len(hits)

    return run, reset


OPENERS: dict[str, Callable[[Path], tuple[Runner, Reset]]] = {
    "searchidx": open_searchidx,
    "whoosh": open_whoosh,
    "fts5": open_fts5,
    "tantivy": open_tantivy,
}


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return {"p50": statistics.median(ordered), "p95": pick(0.95), "p99": pick(0.99)}


def time_queries(run: Runner, reset: Reset, queries: list[Query]) -> dict[str, Any]:
    """Wall and CPU ms per query (p50/p95/p99), warm with and without snippets, and cold with them.

    Warm: the engine's caches as the previous queries left them, after a warm-up over the
    first 10 queries (live search repeats words). Cold: ``reset`` before each query (not
    timed) empties the engine's in-process caches (searchidx: its term-score and lookup
    caches; the peers: a fresh searcher or connection); the system's page cache stays warm
    for every engine. A query the engine refuses (searchidx's cost bound) is counted in
    ``refused`` and left out of the percentiles: a refusal is fast, and would flatter them.
    """
    for q in queries[:10]:
        run(q, True)
    out: dict[str, Any] = {"queries": len(queries)}
    passes = (("snippets", True, False), ("no_snippets", False, False), ("cold", True, True))
    for label, snippets, cold in passes:
        samples: list[tuple[Query, float, float]] = []
        hits = refused = 0
        for q in queries:
            if cold:
                reset()
            started, cpu = time.perf_counter(), time.process_time()
            found = run(q, snippets)
            elapsed = (time.perf_counter() - started) * 1000
            cpu_ms = (time.process_time() - cpu) * 1000
            if found == REFUSED:
                refused += 1
                continue
            hits += found > 0
            samples.append((q, elapsed, cpu_ms))
        out[label] = percentiles([ms for _q, ms, _cpu in samples])
        out[label]["cpu"] = percentiles([cpu for _q, _ms, cpu in samples])
        out["answered"], out["refused"] = hits, refused
        if snippets:  # where the tail comes from
            kinds = sorted({q.get("kind", "") for q in queries})
            key = "cold_p95_by_kind" if cold else "p95_by_kind"
            out[key] = {
                k: percentiles([ms for q, ms, _cpu in samples if q.get("kind", "") == k] or [0.0])["p95"]
                for k in kinds
            }
            out[key + "_cpu"] = {
                k: percentiles([c for q, _ms, c in samples if q.get("kind", "") == k] or [0.0])["p95"]
                for k in kinds
            }
    return out


# ---- command line --------------------------------------------------------------------------


def _disk_bytes(where: Path) -> int:
    return sum(p.stat().st_size for p in where.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build")
    b.add_argument("engine", choices=ENGINES)
    b.add_argument("docs", type=Path)
    b.add_argument("where", type=Path)
    b.add_argument("--workers", type=int, default=1)
    b.add_argument("--entities", action="store_true")
    q = sub.add_parser("query")
    q.add_argument("engine", choices=ENGINES)
    q.add_argument("where", type=Path)
    q.add_argument("queries", type=Path)
    args = parser.parse_args()
    if args.command == "build":
        count = sum(1 for _ in args.docs.open(encoding="utf-8"))
        started, cpu = time.perf_counter(), time.process_time()
        build(args.engine, args.docs, args.where, args.workers, args.entities)
        wall = time.perf_counter() - started
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_s = time.process_time() - cpu + children.ru_utime + children.ru_stime
        peak_kb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, children.ru_maxrss)
        result = {
            "articles": count,
            "wall_s": wall,
            "cpu_s": cpu_s,
            "articles_per_s": count / wall,
            "mb_per_s": os.path.getsize(args.docs) / wall / 1e6,
            "peak_rss_mb": peak_kb / 1024,
            "index_mb": _disk_bytes(args.where) / 1e6,
        }
    else:
        run, reset = OPENERS[args.engine](args.where)
        result = time_queries(run, reset, json.loads(args.queries.read_text()))
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()
