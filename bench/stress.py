"""Reliability figures: kills, parent-only kills, concurrent first builds, a full disk, readers.

Usage: python -m bench.stress [--trials 25] [--readers 3] [--batches 6] [--parent-trials 20]
       [--build-trials 20] [--only crash,parent,builds,disk,concurrency]

Runs the test suite's harness (``tests/harness.py``) long and prints the
figures (trials survived, documents lost, reader errors).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from tests.harness import concurrency, concurrent_first_builds, crash_trials, disk_full_sweep, parent_kills


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=25)
    parser.add_argument("--readers", type=int, default=3)
    parser.add_argument("--batches", type=int, default=6)
    parser.add_argument("--parent-trials", type=int, default=20)
    parser.add_argument("--build-trials", type=int, default=20)
    parser.add_argument("--only", default="crash,parent,builds,disk,concurrency")
    args = parser.parse_args()
    only = set(args.only.split(","))
    runs = {
        "crash": lambda w: crash_trials(w, args.trials),
        "parent": lambda w: parent_kills(w, args.parent_trials),
        "builds": lambda w: concurrent_first_builds(w, args.build_trials),
        "disk": disk_full_sweep,
        "concurrency": lambda w: concurrency(w, args.readers, args.batches),
    }
    for name, run in runs.items():
        if name in only:
            with tempfile.TemporaryDirectory() as tmp:
                print(f"{name}:", json.dumps(run(Path(tmp))), flush=True)


if __name__ == "__main__":
    main()
