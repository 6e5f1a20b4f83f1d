"""Cold wall time of ``search QUERY`` as a fresh process, beside Python and Whoosh baselines.

Usage: python -m bench.cold_start [--runs 5] [--out FILE] [QUERY]

Each command runs ``--runs`` times as a new process (after one warm-up run
that also builds the seeds index if needed); the median is printed with its
ratio to ``python -c "import whoosh.index"`` measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# Python's default: cache bytecode. (This machine sets PYTHONDONTWRITEBYTECODE, which would
# make an editable install recompile every module on every run.)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def wall(cmd: list[str], cwd: Path, runs: int) -> float:
    subprocess.run(cmd, cwd=cwd, capture_output=True, check=False, env=ENV)  # warm-up (page cache, .pyc)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, capture_output=True, check=False, env=ENV)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def stock_whoosh_index(where: Path) -> None:
    """Index the bundled seeds with Whoosh's stock StemmingAnalyzer (the baseline peer)."""
    from whoosh import fields, index
    from whoosh.analysis import StemmingAnalyzer

    from searchidx.discovery import discover
    from searchidx.ingest import bundled_seeds, read_file

    schema = fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=fields.TEXT(stored=True, analyzer=StemmingAnalyzer()),
        body=fields.TEXT(stored=True, analyzer=StemmingAnalyzer()),
    )
    where.mkdir()
    ix = index.create_in(str(where), schema)
    writer = ix.writer()
    root = bundled_seeds()
    for path in discover(root):
        if isinstance(path, Path):
            for art in read_file(path, root)[0]:
                writer.add_document(id=art.id, title=art.title, body=art.body)
    writer.commit()


def peer_indexes(cwd: Path) -> None:
    """The seeds in SQLite FTS5 and tantivy, for their open-and-search scripts."""
    from searchidx.discovery import discover
    from searchidx.ingest import bundled_seeds, read_file

    root = bundled_seeds()
    articles = [a for p in discover(root) if isinstance(p, Path) for a in read_file(p, root)[0]]
    db = sqlite3.connect(str(cwd / "seeds.db"))
    db.execute(
        "CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize='porter unicode61 remove_diacritics 2')"
    )
    db.executemany("INSERT INTO t VALUES (?, ?)", ((a.title, a.body) for a in articles))
    db.commit()
    db.close()
    try:
        import tantivy
    except ImportError:
        return
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("title", stored=True, tokenizer_name="en_stem")
    builder.add_text_field("body", stored=True, tokenizer_name="en_stem")
    (cwd / "tantivy").mkdir()
    index = tantivy.Index(builder.build(), path=str(cwd / "tantivy"))
    writer = index.writer()
    for a in articles:
        writer.add_document(tantivy.Document(title=a.title, body=a.body))
    writer.commit()
    writer.wait_merging_threads()


def measure(query: str = "ceasefire", runs: int = 5) -> dict[str, Any]:
    """Median wall ms of each command (fresh processes), with ratios to the minimal Whoosh script."""
    py = sys.executable
    search = [py, "-c", "from searchidx.cli import search_main; search_main()"]
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        subprocess.run([*search, query], cwd=cwd, capture_output=True, check=False)  # builds ./index
        stock_whoosh_index(cwd / "stock")
        peer_indexes(cwd)
        whoosh_script = (
            "import sys; from whoosh import index, qparser\n"
            "ix = index.open_dir('stock')\n"
            "with ix.searcher() as s:\n"
            f"    q = qparser.MultifieldParser(['title', 'body'], ix.schema).parse({query!r})\n"
            "    for hit in s.search(q, limit=10): sys.stdout.write(hit['title'] + '\\n')\n"
        )
        fts5_script = (
            "import sqlite3, sys; db = sqlite3.connect('seeds.db')\n"
            'for (t,) in db.execute("SELECT title FROM t WHERE t MATCH ? ORDER BY bm25(t) LIMIT 10", '
            f"({query!r},)): sys.stdout.write(t + '\\n')\n"
        )
        tantivy_script = (
            "import sys, tantivy; ix = tantivy.Index.open('tantivy'); s = ix.searcher()\n"
            f"q = ix.parse_query({query!r}, ['title', 'body'])\n"
            "for _, a in s.search(q, 10).hits: sys.stdout.write(s.doc(a)['title'][0] + '\\n')\n"
        )
        rows = [
            ("python -c pass", [py, "-c", "pass"]),
            ('python -c "import whoosh.index"', [py, "-c", "import whoosh.index"]),
            ("minimal Whoosh open + search (stock)", [py, "-c", whoosh_script]),
            ("minimal SQLite FTS5 open + search", [py, "-c", fts5_script]),
            (f"search {query}", [*search, query]),
            (f"search --json {query}", [*search, "--json", query]),
        ]
        if (cwd / "tantivy").exists():
            rows.insert(4, ("minimal tantivy-py open + search", [py, "-c", tantivy_script]))
        results = {name: wall(cmd, cwd, runs) for name, cmd in rows}
    return {"query": query, "runs": runs, "ms": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("query", nargs="?", default="ceasefire")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    result = measure(args.query, args.runs)
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))
    results = result["ms"]
    base = results['python -c "import whoosh.index"']
    stock = results["minimal Whoosh open + search (stock)"]
    print(f"cold wall time, median of {args.runs} fresh processes (Python {sys.version.split()[0]}, seeds)")
    print(f"{'command':<40} {'ms':>8} {'x import whoosh.index':>22} {'x minimal Whoosh':>17}")
    for name, ms in results.items():
        print(f"{name:<40} {ms:8.1f} {ms / base:22.2f} {ms / stock:17.2f}")


if __name__ == "__main__":
    main()
