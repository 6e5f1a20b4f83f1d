"""Indexing rate on Reuters-21578 with and without entity extraction, in one run.

Usage: python -m bench.index_speed [--docs bench/data/reuters.jsonl] [--limit N]

Run ``python -m bench.convert reuters`` first. Prints articles/s for each
configuration and the with/without-entities ratio (issue target: <= 2x time).
"""

from __future__ import annotations

import argparse
import itertools
import json
import tempfile
import time
from pathlib import Path

from searchidx import Index

ROOT = Path(__file__).resolve().parent.parent


def build(docs: Path, where: Path, *, entities: bool, workers: int) -> tuple[float, int]:
    started = time.perf_counter()
    index = Index.build(where, [docs], entities=entities, workers=workers)
    elapsed = time.perf_counter() - started
    count = index.stats().documents
    index.close()
    return elapsed, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=Path, default=ROOT / "bench" / "data" / "reuters.jsonl")
    parser.add_argument("--limit", type=int, default=0, help="only the first N articles")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        docs = args.docs
        if args.limit:
            docs = Path(tmp) / "subset.jsonl"
            with args.docs.open() as src:
                docs.write_text("".join(itertools.islice(src, args.limit)))
        rows = []
        for name, entities, workers in (
            ("without entities", False, 1),
            ("with entities, 1 process", True, 1),
            ("with entities, 2 processes", True, 2),
        ):
            elapsed, count = build(
                docs, Path(tmp) / name.replace(" ", "_"), entities=entities, workers=workers
            )
            rows.append((name, elapsed, count))
    base = rows[0][1]
    print("| configuration | articles | seconds | articles/s | time vs without entities |")
    print("|---|---|---|---|---|")
    for name, elapsed, count in rows:
        print(f"| {name} | {count} | {elapsed:.1f} | {count / elapsed:.0f} | {elapsed / base:.2f}x |")
    print(json.dumps({name: round(count / elapsed, 1) for name, elapsed, count in rows}))


if __name__ == "__main__":
    main()
