"""Query latency on Reuters-21578: p50/p95/p99 with and without snippets, every engine.

Usage: python -m bench.latency [--docs bench/data/reuters.jsonl] [--queries 200]

The same seeded set of AND queries for every engine: keywords, 3-5 word queries,
quoted bigrams and one-month date windows, drawn from the collection's titles.
searchidx runs through its library API (no entities, so no entity filters here);
peers: stock Whoosh (MultifieldParser, DateRange filter, ``hit.highlights``), SQLite
FTS5 (``bm25()``, ``snippet()``), tantivy-py (``SnippetGenerator``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import sqlite3
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
STOP = set(
    "a an and are as at be but by for if in into is it no not of on or such that the their then "
    "there these they this to was will with said says pct mln dlrs vs cts".split()
)
Query = tuple[list[str], list[str], str | None]  # words, phrase words, month


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.open(encoding="utf-8")]


def make_queries(docs: list[dict[str, Any]], count: int, seed: int = 1987) -> list[Query]:
    rng = random.Random(seed)
    vocab = Counter(
        w for d in docs for w in re.findall(r"[a-z]{4,}", (d.get("title") or "").lower()) if w not in STOP
    )
    common = [w for w, n in vocab.most_common(600) if n >= 5]
    months = sorted({d["date"][:7] for d in docs if d.get("date")})
    queries: list[Query] = []
    for i in range(count):
        kind = i % 4
        if kind == 0:
            queries.append((rng.sample(common, rng.choice((1, 2))), [], None))
        elif kind == 1:
            queries.append((rng.sample(common[:80], rng.randint(3, 5)), [], None))
        elif kind == 2:
            title = rng.choice([d for d in docs if d.get("title")])["title"].lower()
            pair = [w for w in re.findall(r"[a-z]{3,}", title) if w not in STOP][:2]
            queries.append(([], pair if len(pair) == 2 else [rng.choice(common), rng.choice(common)], None))
        else:
            queries.append(([rng.choice(common)], [], rng.choice(months)))
    return queries


def month_range(month: str) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.strptime(month, "%Y-%m").replace(tzinfo=dt.UTC)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return start, end


def searchidx_engine(path: Path, work: Path) -> Callable[[Query, bool], int]:
    from searchidx import Index

    index = Index.build(work / "searchidx", [path], entities=False)

    def run(q: Query, snippets: bool) -> int:
        words, phrase, month = q
        text = " ".join(words + ([f'"{" ".join(phrase)}"'] if phrase else []))
        text += f" date:{month}" if month else ""
        return len(index.search(text, limit=10, highlight=snippets).hits)

    return run


def whoosh_engine(docs: list[dict[str, Any]], work: Path) -> Callable[[Query, bool], int]:
    from whoosh import fields, index, qparser
    from whoosh import query as wq
    from whoosh.analysis import StemmingAnalyzer

    schema = fields.Schema(
        id=fields.ID(stored=True),
        title=fields.TEXT(stored=True, analyzer=StemmingAnalyzer()),
        body=fields.TEXT(stored=True, analyzer=StemmingAnalyzer()),
        date=fields.DATETIME(stored=True),
    )
    (work / "whoosh").mkdir()
    ix = index.create_in(str(work / "whoosh"), schema)
    writer = ix.writer()
    for d in docs:
        extra = {"date": dt.datetime.fromisoformat(d["date"].replace("Z", ""))} if d.get("date") else {}
        writer.add_document(id=d["id"], title=d.get("title") or "", body=d["text"], **extra)
    writer.commit()
    parser = qparser.MultifieldParser(["title", "body"], ix.schema)
    searcher = ix.searcher()

    def run(q: Query, snippets: bool) -> int:
        words, phrase, month = q
        query = parser.parse(" ".join(words + ([f'"{" ".join(phrase)}"'] if phrase else [])))
        flt = None
        if month:
            start, end = month_range(month)
            flt = wq.DateRange(
                "date", start.replace(tzinfo=None), end.replace(tzinfo=None) - dt.timedelta(seconds=1)
            )
        results = searcher.search(query, limit=10, filter=flt)
        if snippets:
            for hit in results:
                hit.highlights("body")
        return len(results.top_n)

    return run


def fts5_engine(docs: list[dict[str, Any]], work: Path) -> Callable[[Query, bool], int]:
    db = sqlite3.connect(str(work / "fts5.db"))
    db.execute(
        "CREATE VIRTUAL TABLE t USING fts5(id UNINDEXED, date UNINDEXED, title, body, "
        "tokenize='porter unicode61 remove_diacritics 2')"
    )
    db.executemany(
        "INSERT INTO t VALUES (?, ?, ?, ?)",
        ((d["id"], d.get("date") or "", d.get("title") or "", d["text"]) for d in docs),
    )
    db.commit()

    def run(q: Query, snippets: bool) -> int:
        words, phrase, month = q
        terms = " AND ".join([f'"{w}"' for w in words] + ([f'"{" ".join(phrase)}"'] if phrase else []))
        cols = "id, snippet(t, 3, '[', ']', '…', 24)" if snippets else "id"
        sql = f"SELECT {cols} FROM t WHERE t MATCH ?"
        args: list[Any] = [terms]
        if month:
            sql += " AND date >= ? AND date < ?"
            start, end = month_range(month)
            args += [start.strftime("%Y-%m-%d"), end.strftime("%Y-%m-%d")]
        return len(db.execute(sql + " ORDER BY bm25(t) LIMIT 10", args).fetchall())

    return run


def tantivy_engine(docs: list[dict[str, Any]], work: Path) -> Callable[[Query, bool], int]:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", stored=True, tokenizer_name="en_stem")
    builder.add_text_field("body", stored=True, tokenizer_name="en_stem")
    builder.add_date_field("date", indexed=True, fast=True)
    schema = builder.build()
    (work / "tantivy").mkdir()
    index = tantivy.Index(schema, path=str(work / "tantivy"))
    writer = index.writer()
    for d in docs:
        extra = {"date": dt.datetime.fromisoformat(d["date"].replace("Z", "+00:00"))} if d.get("date") else {}
        writer.add_document(tantivy.Document(id=d["id"], title=d.get("title") or "", body=d["text"], **extra))
    writer.commit()
    index.reload()
    searcher = index.searcher()

    def run(q: Query, snippets: bool) -> int:
        words, phrase, month = q
        parts = [f"+{w}" for w in words] + ([f'+"{" ".join(phrase)}"'] if phrase else [])
        if month:
            start, end = month_range(month)
            parts.append(
                f"+date:[{start.strftime('%Y-%m-%dT%H:%M:%SZ')} TO {end.strftime('%Y-%m-%dT%H:%M:%SZ')}}}"
            )
        query = index.parse_query(" ".join(parts), ["title", "body"])
        hits = searcher.search(query, 10).hits
        if snippets:
            generator = tantivy.SnippetGenerator.create(searcher, query, schema, "body")
            for _score, address in hits:
                generator.snippet_from_doc(searcher.doc(address)).to_html()
        return len(hits)

    return run


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]  # noqa: E731
    return statistics.median(ordered), pick(0.95), pick(0.99)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=Path, default=ROOT / "bench" / "data" / "reuters.jsonl")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    docs = load(args.docs)
    queries = make_queries(docs, args.queries)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        engines = {
            "searchidx": lambda: searchidx_engine(args.docs, work),
            "Whoosh (stock)": lambda: whoosh_engine(docs, work),
            "SQLite FTS5": lambda: fts5_engine(docs, work),
            "tantivy-py": lambda: tantivy_engine(docs, work),
        }
        for name, make in engines.items():
            run = make()
            for q in queries[:10]:
                run(q, True)  # warm caches
            figures = []
            for snippets in (True, False):
                samples = []
                for q in queries:
                    started = time.perf_counter()
                    run(q, snippets)
                    samples.append((time.perf_counter() - started) * 1000)
                figures.append(percentiles(samples))
            rows.append((name, figures))
    base = rows[1][1][0][1]  # stock Whoosh p95 with snippets
    print(f"{len(docs)} articles, {len(queries)} queries (keywords, multi-word, phrases, one-month dates)")
    print("| engine | p50 / p95 / p99 ms, snippets | p50 / p95 / p99 ms, no snippets | p95 vs stock Whoosh |")
    print("|---|---|---|---|")
    for name, ((a50, a95, a99), (b50, b95, b99)) in rows:
        with_snippets = f"{a50:.1f} / {a95:.1f} / {a99:.1f}"
        without = f"{b50:.1f} / {b95:.1f} / {b99:.1f}"
        print(f"| {name} | {with_snippets} | {without} | {a95 / base:.2f}x |")


if __name__ == "__main__":
    main()
