"""Ranking quality on CACM and TIME: MAP, nDCG@10, P@30 for searchidx and its peers.

Usage: python -m bench.quality [--collections cacm time] [--ablations] [--out FILE]

Every engine indexes the same JSON Lines (``python -m bench.convert cacm time``) and
answers the same topics: punctuation removed, terms OR'd (ranked "any word" retrieval),
1,000 results per topic. Measures use trec_eval definitions via ir-measures. Peers:
stock Whoosh (StemmingAnalyzer, BM25F), SQLite FTS5 (porter unicode61, bm25()),
tantivy-py (en_stem, BM25).
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import ir_measures
from ir_measures import AP, P, nDCG

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
DEPTH = 1000
MEASURES = [AP, nDCG @ 10, P @ 30]
ANSERINI_CACM = {"AP": 0.3123, "P@30": 0.1942}  # BM25, Lucene analyzer (published)
Ranker = Callable[[str], list[str]]


def words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text)


def documents(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (DATA / name / "docs.jsonl").open(encoding="utf-8")]


def searchidx_ranker(docs_path: Path, work: Path) -> Ranker:
    from searchidx import Index

    index = Index.build(work / "searchidx", [docs_path], entities=False)

    def rank(topic: str) -> list[str]:
        text = " ".join(words(topic))
        try:
            hits = index.search(text, mode="any", limit=DEPTH, highlight=False).hits
        except Exception:  # a topic of stop words only
            return []
        return [h.id for h in hits]

    return rank


def whoosh_ranker(docs: list[dict[str, Any]], work: Path) -> Ranker:
    from whoosh import fields, index, qparser
    from whoosh.analysis import StemmingAnalyzer

    schema = fields.Schema(
        id=fields.ID(stored=True),
        title=fields.TEXT(analyzer=StemmingAnalyzer()),
        body=fields.TEXT(analyzer=StemmingAnalyzer()),
    )
    (work / "whoosh").mkdir()
    ix = index.create_in(str(work / "whoosh"), schema)
    writer = ix.writer()
    for d in docs:
        writer.add_document(id=d["id"], title=d.get("title") or "", body=d["text"])
    writer.commit()
    parser = qparser.MultifieldParser(["title", "body"], ix.schema, group=qparser.OrGroup)
    searcher = ix.searcher()

    def rank(topic: str) -> list[str]:
        query = parser.parse(" ".join(w.lower() for w in words(topic)))
        return [hit["id"] for hit in searcher.search(query, limit=DEPTH)]

    return rank


def fts5_ranker(docs: list[dict[str, Any]], work: Path) -> Ranker:
    db = sqlite3.connect(str(work / "fts5.db"))
    db.execute(
        "CREATE VIRTUAL TABLE t USING fts5(id UNINDEXED, title, body, "
        "tokenize='porter unicode61 remove_diacritics 2')"
    )
    db.executemany(
        "INSERT INTO t VALUES (?, ?, ?)", ((d["id"], d.get("title") or "", d["text"]) for d in docs)
    )
    db.commit()

    def rank(topic: str) -> list[str]:
        terms = " OR ".join('"' + w.replace('"', "") + '"' for w in words(topic))
        if not terms:
            return []
        rows = db.execute("SELECT id FROM t WHERE t MATCH ? ORDER BY bm25(t) LIMIT ?", (terms, DEPTH))
        return [r[0] for r in rows]

    return rank


def tantivy_ranker(docs: list[dict[str, Any]], work: Path) -> Ranker:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", tokenizer_name="en_stem")
    builder.add_text_field("body", tokenizer_name="en_stem")
    schema = builder.build()
    (work / "tantivy").mkdir()
    index = tantivy.Index(schema, path=str(work / "tantivy"))
    writer = index.writer()
    for d in docs:
        writer.add_document(tantivy.Document(id=d["id"], title=d.get("title") or "", body=d["text"]))
    writer.commit()
    index.reload()
    searcher = index.searcher()

    def rank(topic: str) -> list[str]:
        text = " ".join(w.lower() for w in words(topic))
        if not text:
            return []
        query = index.parse_query(text, ["title", "body"])
        found = searcher.search(query, DEPTH).hits
        return [searcher.doc(address)["id"][0] for _score, address in found]

    return rank


# Analysis ablations for searchidx (issue 5: what stands between us and FTS5?). Each runs in
# a fresh process: the analysis memo is process-wide.
VARIANTS = ("porter", "no-stop-words", "no-closed-forms", "porter+no-closed-forms")


def apply_variant(variant: str) -> None:
    """Monkeypatch searchidx's analysis for one ablation (benchmark use only)."""
    from searchidx import analysis

    if "porter" in variant:
        from nltk.stem.porter import PorterStemmer

        analysis._STEMMER = PorterStemmer(mode=PorterStemmer.ORIGINAL_ALGORITHM)
    if "no-stop-words" in variant:
        analysis.STOP_WORDS = frozenset()
    if "no-closed-forms" in variant:
        compound = analysis._compound

        def parts_only(raw: str, start: int, first: int, stemming: bool) -> Any:
            tokens, pos = compound(raw, start, first, stemming)
            return [t for t in tokens if not t[4]], pos

        analysis._compound = parts_only


def run(name: str, work: Path, engines_wanted: tuple[str, ...] = ()) -> dict[str, dict[str, float]]:
    docs = documents(name)
    topics = json.loads((DATA / name / "topics.json").read_text())
    qrels_raw = json.loads((DATA / name / "qrels.json").read_text())
    qrels = [ir_measures.Qrel(q, d, r) for q, rel in qrels_raw.items() for d, r in rel.items()]
    engines: dict[str, Callable[[], Ranker]] = {
        "searchidx": lambda: searchidx_ranker(DATA / name / "docs.jsonl", work),
        "Whoosh (stock)": lambda: whoosh_ranker(docs, work),
        "SQLite FTS5": lambda: fts5_ranker(docs, work),
        "tantivy-py": lambda: tantivy_ranker(docs, work),
    }
    table: dict[str, dict[str, float]] = {}
    for engine, make in engines.items():
        if engines_wanted and engine not in engines_wanted:
            continue
        started = time.perf_counter()
        rank = make()
        run_docs: Iterator[Any] = (
            ir_measures.ScoredDoc(qid, doc, float(DEPTH - i))
            for qid, text in topics.items()
            if qid in qrels_raw
            for i, doc in enumerate(rank(text))
        )
        scores = ir_measures.calc_aggregate(MEASURES, qrels, list(run_docs))
        table[engine] = {str(m): scores[m] for m in MEASURES}
        table[engine]["seconds"] = time.perf_counter() - started
    return table


def markdown(name: str, table: dict[str, dict[str, float]]) -> str:
    lines = [f"**{name.upper()}**", "", "| engine | MAP | nDCG@10 | P@30 |", "|---|---|---|---|"]
    for engine, s in table.items():
        lines.append(f"| {engine} | {s['AP']:.4f} | {s['nDCG@10']:.4f} | {s['P@30']:.4f} |")
    if name == "cacm":
        lines.append(
            f"| Anserini BM25 (published) | {ANSERINI_CACM['AP']:.4f} | - | {ANSERINI_CACM['P@30']:.4f} |"
        )
    return "\n".join(lines)


def ablations(collections: list[str]) -> dict[str, dict[str, dict[str, float]]]:
    """MAP etc. of searchidx under each analysis variant, one fresh process each."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for variant in VARIANTS:
        done = subprocess.run(
            [sys.executable, "-m", "bench.quality", "--variant", variant, "--collections", *collections],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        out[variant] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collections", nargs="+", default=["cacm", "time"])
    parser.add_argument("--ablations", action="store_true", help="also score searchidx analysis variants")
    parser.add_argument("--variant", choices=VARIANTS, help=argparse.SUPPRESS)  # one ablation run
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "quality.json")
    args = parser.parse_args()
    if args.variant:
        apply_variant(args.variant)
        scores = {}
        for name in args.collections:
            with tempfile.TemporaryDirectory() as tmp:
                scores[name] = run(name, Path(tmp), ("searchidx",))["searchidx"]
        print(json.dumps(scores))
        return
    results: dict[str, Any] = {}
    for name in args.collections:
        with tempfile.TemporaryDirectory() as tmp:
            results[name] = run(name, Path(tmp))
        print(markdown(name, results[name]) + "\n")
    if args.ablations:
        results["ablations"] = ablations(args.collections)
        for variant, scores in results["ablations"].items():
            print(variant, {name: round(s["AP"], 4) for name, s in scores.items()})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
