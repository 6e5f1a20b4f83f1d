"""Cold wall time of ``search QUERY`` as a fresh process, beside Python and Whoosh baselines.

Usage: python bench/cold_start.py [--runs 5] [--index DIR] [QUERY]

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("query", nargs="?", default="ceasefire")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--index", help="index to search (default: the bundled seeds, built in a temp dir)")
    args = parser.parse_args()
    py = sys.executable
    search = [py, "-c", "from searchidx.cli import search_main; search_main()"]
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        index = ["--index", args.index] if args.index else []
        if not args.index:
            subprocess.run([*search, args.query], cwd=cwd, capture_output=True, check=False)
        whoosh_script = (
            "import sys; from whoosh import index, qparser\n"
            f"ix = index.open_dir({str(Path(args.index or cwd / 'index').resolve())!r})\n"
            "with ix.searcher() as s:\n"
            f"    q = qparser.QueryParser('body', ix.schema).parse({args.query!r})\n"
            "    for hit in s.search(q, limit=10): sys.stdout.write(hit['title'] + '\\n')\n"
        )
        rows = [
            ("python -c pass", [py, "-c", "pass"]),
            ('python -c "import whoosh.index"', [py, "-c", "import whoosh.index"]),
            ("minimal Whoosh open + search", [py, "-c", whoosh_script]),
            (f"search {args.query} (seeds)", [*search, *index, args.query]),
            (f"search --json {args.query}", [*search, *index, "--json", args.query]),
        ]
        results = {name: wall(cmd, cwd, args.runs) for name, cmd in rows}
    base = results['python -c "import whoosh.index"']
    print(f"cold wall time, median of {args.runs} fresh processes (Python {sys.version.split()[0]})")
    print(f"{'command':<40} {'ms':>8} {'x import whoosh.index':>22}")
    for name, ms in results.items():
        print(f"{name:<40} {ms:8.1f} {ms / base:22.2f}")


if __name__ == "__main__":
    main()
