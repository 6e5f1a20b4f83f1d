"""Cold p95 of the bench's queries on two indexes, timed alternately: their ratio without the drift.

Usage: python -m bench.size_ratio SMALL_INDEX LARGE_INDEX [--rounds 3] [--out FILE]

``bench.scaling`` times each size minutes apart, and this machine's speed drifts by a
third within minutes (the same code measured 76k/19k ratios of 1.48x, 1.97x and 3.64x in
three runs). Here every query runs cold (searchidx's term and lookup caches emptied, as
``bench.engines`` does) on the small index and then on the large one, round after round;
a query's time is its fastest round on each index, in CPU milliseconds, with snippets.
Place filters are left out (indexes built without entities cannot answer them), and so is
a query either index refuses (over the cost bound). Prints p50/p95 on each index, the
p95 ratio, and p95 by query kind; writes ``bench/results/size_ratio-SMALL-LARGE.json`` (article
counts), which ``bench.report`` adds to the targets.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from searchidx import Index

from .engines import REFUSED, load, open_searchidx
from .scaling import DATA, make_queries

RESULTS = Path(__file__).resolve().parent / "results"
SLOWEST = 12  # the queries listed as the tail


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def _text(q: dict[str, Any]) -> str:
    phrase = [f'"{" ".join(q["phrase"])}"'] if q["phrase"] else []
    return " ".join(q["words"] + phrase + ([f"date:{q['month']}"] if q["month"] else []))


def measure(small: Path, large: Path, rounds: int) -> dict[str, Any]:
    """Each query's fastest cold CPU ms on both indexes, the two timed one after the other."""
    queries = [q for q in make_queries(load(DATA / "reuters.jsonl"), 200) if not q["place"]]
    runners = [open_searchidx(small), open_searchidx(large)]
    for run, _reset in runners:  # imports, norms and columns: not what a query costs
        for q in queries[:10]:
            run(q, True)
    best = [[float("inf")] * len(queries) for _ in runners]
    refused: set[int] = set()
    for _ in range(rounds):
        for k, q in enumerate(queries):
            for side, (run, reset) in enumerate(runners):
                reset()
                started = time.process_time()
                if run(q, True) == REFUSED:
                    refused.add(k)
                best[side][k] = min(best[side][k], 1000 * (time.process_time() - started))
    kept = [k for k in range(len(queries)) if k not in refused]
    result: dict[str, Any] = {"rounds": rounds, "queries": len(kept), "refused": len(refused)}
    for side, name in enumerate(("small", "large")):
        times = [best[side][k] for k in kept]
        kinds: dict[str, list[float]] = defaultdict(list)
        for k in kept:
            kinds[queries[k]["kind"]].append(best[side][k])
        where = (small, large)[side]
        with Index.open(where) as index:
            documents = index.stats().documents
        result[name] = {
            "index": str(where),
            "documents": documents,
            "p50": _p(times, 0.5),
            "p95": _p(times, 0.95),
            "p95_by_kind": {kind: _p(values, 0.95) for kind, values in sorted(kinds.items())},
        }
    result["ratio_p95"] = result["large"]["p95"] / result["small"]["p95"]
    slowest = sorted(kept, key=lambda k: -best[1][k])[:SLOWEST]
    result["slowest"] = [
        {"query": _text(queries[k]), "kind": queries[k]["kind"], "small": best[0][k], "large": best[1][k]}
        for k in slowest
    ]
    return result


def main(argv: list[str] | None = None) -> None:
    """Time the queries on both indexes and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("small", type=Path)
    parser.add_argument("large", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    result = measure(args.small, args.large, args.rounds)
    print(f"{result['queries']} queries ({result['refused']} refused), fastest of {result['rounds']} rounds")
    for name in ("small", "large"):
        side = result[name]
        kinds = ", ".join(f"{kind} {ms:.1f}" for kind, ms in side["p95_by_kind"].items())
        print(f"{side['index']}: cold CPU p50 {side['p50']:.1f} ms, p95 {side['p95']:.1f} ms ({kinds})")
    print(f"p95 ratio large/small: {result['ratio_p95']:.2f}x")
    print("slowest on the large index (ms, small -> large):")
    for row in result["slowest"]:
        print(f"  {row['small']:6.1f} -> {row['large']:6.1f}  {row['kind']:<12} {row['query']}")
    sizes = f"{result['small']['documents']}-{result['large']['documents']}"
    out = args.out or RESULTS / f"size_ratio-{sizes}.json"
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
