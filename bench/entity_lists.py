"""The top people, places and organisations of Reuters-21578, as `searchidx entities` lists them.

Usage: python -m bench.entity_lists [--index DIR] [--limit 40] [--out docs/entities-reuters.md]

Builds (or reuses) an index of bench/data/reuters.jsonl with entities, then
writes the three lists to a Markdown page anyone can read, with the model and
the checks issue 11 asks for (no boilerplate, no headline, no fragment, no
word of another type, each entity once) left to the reader's eye.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from pathlib import Path

from bench import SEARCHIDX

DATA = Path(__file__).resolve().parent / "data" / "reuters.jsonl"
TYPES = ("person", "place", "org")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--index", type=Path, default=Path(__file__).resolve().parent / "data" / "ix-entities"
    )
    parser.add_argument("--limit", type=int, default=40)
    parser.add_argument("--out", type=Path, default=Path("docs/entities-reuters.md"))
    args = parser.parse_args()
    if not DATA.exists():
        raise SystemExit(f"{DATA} is missing: run `python -m bench.convert reuters` first")
    cli = [*SEARCHIDX]
    started = time.perf_counter()
    subprocess.run([*cli, "index", "--index", str(args.index), str(DATA)], check=True)
    built = time.perf_counter() - started
    stats = json.loads(
        subprocess.run(
            [*cli, "stats", "--json", "--index", str(args.index)], check=True, capture_output=True, text=True
        ).stdout
    )["data"]
    lines = [
        "# Entities of Reuters-21578 (19,043 stories)",
        "",
        f"`python -m bench.entity_lists` (index {built:.0f} s); entity model "
        f"`{stats['versions']['entity_model']}`. Counts are articles.",
        "",
    ]
    for kind in TYPES:
        done = subprocess.run(
            [*cli, "entities", "--index", str(args.index), "--type", kind, "-n", str(args.limit), "--json"],
            check=True,
            capture_output=True,
            text=True,
        )
        rows = [json.loads(line)["data"] for line in done.stdout.splitlines()]
        lines += [f"## {kind}", "", "| # | name | articles |", "|---|---|---|"]
        lines += [f"| {i} | {r['name']} | {r['count']} |" for i, r in enumerate(rows, start=1)]
        lines.append("")
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
