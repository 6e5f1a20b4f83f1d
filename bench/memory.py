"""Indexing memory: peak RSS of the indexer and of each worker at 19k / 38k / 76k Reuters articles.

Usage: python -m bench.memory [--copies 1 2 4] [--entities] [--workers 2] [--out FILE]

Runs `searchidx index` (a fresh index each time) on 1, 2 and 4 copies of the
converted Reuters collection (distinct ids) and samples /proc every 20 ms:
the indexer's own peak RSS, the largest worker's, and the process tree's.
The target (issue 17): growth from 19k to 76k at most 1.3x for the parent and
each worker, so memory is bounded by a batch, not by the collection.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import SEARCHIDX
from tests.harness import children

DATA = Path(__file__).resolve().parent / "data" / "reuters.jsonl"


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (workers, and anything they start)."""
    found, queue = [], [pid]
    while queue:
        below = children(queue.pop())
        found.extend(below)
        queue.extend(below)
    return found


def copies(work: Path, count: int) -> Path:
    """``count`` copies of the Reuters JSON Lines file, ids made distinct, in one file."""
    out = work / f"reuters-x{count}.jsonl"
    with out.open("w", encoding="utf-8") as sink:
        for copy in range(count):
            for line in DATA.open(encoding="utf-8"):
                record = json.loads(line)
                record["id"] = f"{record['id']}-c{copy}"
                sink.write(json.dumps(record) + "\n")
    return out


def measure(docs: Path, where: Path, workers: int, entities: bool) -> dict[str, Any]:
    """Index ``docs`` into a new index at ``where`` and sample RSS until the run ends."""
    command = [*SEARCHIDX, "index", "--index", str(where), "--workers", str(workers)]
    command += [] if entities else ["--no-entities"]
    started = time.perf_counter()
    proc = subprocess.Popen([*command, str(docs)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    parent = worker = tree = 0
    while proc.poll() is None:
        children = _descendants(proc.pid)
        sizes = {pid: _rss_kb(pid) for pid in children}
        parent = max(parent, _rss_kb(proc.pid))
        worker = max([worker, *sizes.values()])
        tree = max(tree, _rss_kb(proc.pid) + sum(sizes.values()))
        time.sleep(0.02)
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"indexing failed: {err.decode()[-2000:]}")
    return {
        "articles": sum(1 for _ in docs.open(encoding="utf-8")),
        "parent_mb": round(parent / 1024, 1),
        "worker_mb": round(worker / 1024, 1),
        "tree_mb": round(tree / 1024, 1),
        "seconds": round(time.perf_counter() - started, 1),
        "report": out.decode().strip(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--entities", action="store_true", help="extract entities too (slower)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if not DATA.exists():
        raise SystemExit(f"{DATA} is missing: run `python -m bench.convert reuters` first")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for count in args.copies:
            docs = DATA if count == 1 else copies(work, count)
            row = measure(docs, work / f"ix{count}", args.workers, args.entities)
            rows.append(row)
            print(json.dumps(row), flush=True)
    base = rows[0]
    for row in rows[1:]:
        ratios = {k: row[k] / max(base[k], 0.1) for k in ("parent_mb", "worker_mb", "tree_mb")}
        print(
            f"{row['articles']} vs {base['articles']} articles: parent x{ratios['parent_mb']:.2f}, "
            f"worker x{ratios['worker_mb']:.2f}, tree x{ratios['tree_mb']:.2f}"
        )
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
