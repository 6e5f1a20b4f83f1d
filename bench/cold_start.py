"""Cold wall time of ``search QUERY`` as a fresh process, beside Python and Whoosh baselines.

Usage: python bench/cold_start.py [--runs 5] [QUERY]

Each command runs ``--runs`` times as a new process (after one warm-up run
that also builds the seeds index if needed); the median is printed with its
ratio to ``python -c "import whoosh.index"`` measured in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def wall(cmd: list[str], cwd: Path, runs: int) -> float:
    subprocess.run(cmd, cwd=cwd, capture_output=True, check=False)  # warm-up (page cache, .pyc)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, capture_output=True, check=False)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def stock_whoosh_index(where: Path) -> None:
    """Index the bundled seeds with Whoosh's stock StemmingAnalyzer (the baseline peer)."""
    from whoosh import fields, index
    from whoosh.analysis import StemmingAnalyzer

    from searchidx.ingest import bundled_seeds, discover, read_file

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("query", nargs="?", default="ceasefire")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    py = sys.executable
    search = [py, "-c", "from searchidx.cli import search_main; search_main()"]
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        subprocess.run([*search, args.query], cwd=cwd, capture_output=True, check=False)  # builds ./index
        stock_whoosh_index(cwd / "stock")
        whoosh_script = (
            "import sys; from whoosh import index, qparser\n"
            "ix = index.open_dir('stock')\n"
            "with ix.searcher() as s:\n"
            f"    q = qparser.MultifieldParser(['title', 'body'], ix.schema).parse({args.query!r})\n"
            "    for hit in s.search(q, limit=10): sys.stdout.write(hit['title'] + '\\n')\n"
        )
        rows = [
            ("python -c pass", [py, "-c", "pass"]),
            ('python -c "import whoosh.index"', [py, "-c", "import whoosh.index"]),
            ("minimal Whoosh open + search (stock)", [py, "-c", whoosh_script]),
            (f"search {args.query}", [*search, args.query]),
            (f"search --json {args.query}", [*search, "--json", args.query]),
        ]
        results = {name: wall(cmd, cwd, args.runs) for name, cmd in rows}
    base = results['python -c "import whoosh.index"']
    stock = results["minimal Whoosh open + search (stock)"]
    print(f"cold wall time, median of {args.runs} fresh processes (Python {sys.version.split()[0]}, seeds)")
    print(f"{'command':<40} {'ms':>8} {'x import whoosh.index':>22} {'x minimal Whoosh':>17}")
    for name, ms in results.items():
        print(f"{name:<40} {ms:8.1f} {ms / base:22.2f} {ms / stock:17.2f}")


if __name__ == "__main__":
    main()
