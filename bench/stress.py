"""Reliability harness: SIGKILL during indexing, readers during commits, hostile files.

Usage: python -m bench.stress [--trials 25] [--readers 3] [--batches 6]

The test suite runs the same functions with small numbers; this runs them
long and prints the figures (trials survived, documents lost, reader errors).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

INDEX_CMD = [sys.executable, "-c", "from searchidx.cli import main; main(prog_name='searchidx')"]


def write_batch(folder: Path, batch: int, size: int) -> None:
    """Write one JSON Lines file of ``size`` distinct articles."""
    folder.mkdir(parents=True, exist_ok=True)
    words = "ceasefire talks minister border refugees oil market election court storm".split()
    rng = random.Random(batch)
    lines = []
    for i in range(size):
        body = " ".join(rng.choice(words) for _ in range(120)) + f". Batch {batch} item {i}."
        record = {"id": f"b{batch}-{i}", "title": f"Report {batch}-{i}", "date": "2020-01-15", "text": body}
        lines.append(json.dumps(record))
    (folder / f"batch{batch:03}.jsonl").write_text("\n".join(lines) + "\n")


def _ids(index_dir: Path) -> set[str]:
    from searchidx import Index

    with Index.open(index_dir) as index:
        return {h.id for h in index.search("date:..2100", limit=10**9, highlight=False).hits}


def crash_trials(work: Path, trials: int, batch_size: int = 300, seed: int = 7) -> dict[str, Any]:
    """Kill ``searchidx index`` with SIGKILL at random moments; check the last commit survives.

    Each trial adds a batch, starts the indexer, kills it after a random delay
    (spread over a whole uninterrupted run, so some land in the commit), then
    checks the index opens with exactly the previous or the new set of ids,
    and that re-running completes with the expected count.
    """
    rng = random.Random(seed)
    corpus, index_dir = work / "corpus", work / "ix"
    env = {**os.environ, "SEARCHIDX_INDEX": str(index_dir)}
    run = [*INDEX_CMD, "index", "--no-entities", str(corpus)]
    write_batch(corpus, 0, batch_size)
    started = time.perf_counter()
    subprocess.run(run, env=env, check=True, capture_output=True)
    duration = time.perf_counter() - started
    committed = _ids(index_dir)
    killed_mid = killed_writing = lost = inconsistent = opened = 0
    for trial in range(1, trials + 1):
        write_batch(corpus, trial, batch_size)
        expected = committed | {f"b{trial}-{i}" for i in range(batch_size)}
        proc = subprocess.Popen(run, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(duration * 0.2, duration * 1.1))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed_mid += 1
        proc.wait()
        killed_writing += _orphans(index_dir) > 0
        after = _ids(index_dir)  # must open
        opened += 1
        if after not in (committed, expected):
            inconsistent += 1
            lost += len(committed - after)
        subprocess.run(run, env=env, check=True, capture_output=True)
        committed = _ids(index_dir)
        lost += len(expected - committed)
    return {
        "trials": trials,
        "killed_mid_run": killed_mid,
        "killed_while_writing_segments": killed_writing,
        "opened_after_kill": opened,
        "inconsistent_states": inconsistent,
        "documents_lost": lost,
        "final_documents": len(committed),
        "uninterrupted_run_seconds": round(duration, 2),
    }


def _orphans(index_dir: Path) -> int:
    """Segment files the current table of contents does not reference (a write was cut short)."""
    from whoosh import index as windex

    live = {seg.segment_id() for seg in windex.open_dir(str(index_dir))._segments()}
    files = [f for f in index_dir.glob("MAIN_*") if f.name != "MAIN_WRITELOCK"]
    return sum(1 for f in files if not any(s in f.name for s in live))


def _reader(index_dir: str, stop: Any, queue: Any) -> None:
    from searchidx import Index

    searches = errors = regressions = 0
    last = -1
    index = Index.open(index_dir)
    while not stop.is_set():
        try:
            total = index.search("ceasefire", limit=5).total  # long-lived, refreshed per search
            with Index.open(index_dir) as fresh:  # opened mid-commit
                fresh.search("talks", limit=1)
            searches += 2
            regressions += total < last
            last = max(last, total)
        except Exception as exc:  # counted and reported, never fatal
            errors += 1
            queue.put(("error", repr(exc)))
    queue.put(("done", {"searches": searches, "errors": errors, "count_went_down": regressions}))


def concurrency(work: Path, readers: int, batches: int, batch_size: int = 200) -> dict[str, Any]:
    """Run ``readers`` searching processes while one writer commits ``batches`` times."""
    from searchidx import Index

    corpus, index_dir = work / "corpus", work / "ix"
    write_batch(corpus, 0, batch_size)
    Index.build(index_dir, [corpus], entities=False).close()
    queue: Any = mp.Queue()
    stop = mp.Event()
    procs = [mp.Process(target=_reader, args=(str(index_dir), stop, queue)) for _ in range(readers)]
    for proc in procs:
        proc.start()
    started = time.perf_counter()
    with Index.open(index_dir) as index:
        for batch in range(1, batches + 1):
            write_batch(corpus, batch, batch_size)
            index.update([corpus])
        final = index.stats().documents
    writer_seconds = time.perf_counter() - started
    stop.set()
    done: list[dict[str, Any]] = []
    errors: list[str] = []
    while len(done) < readers:
        kind, value = queue.get(timeout=60)
        if kind == "done":
            done.append(value)
        else:
            errors.append(value)
    for proc in procs:
        proc.join(timeout=10)
    return {
        "readers": readers,
        "commits": batches,
        "final_documents": final,
        "writer_seconds": round(writer_seconds, 2),
        "searches": sum(d["searches"] for d in done),
        "reader_errors": len(errors),
        "counts_went_down": sum(d["count_went_down"] for d in done),
        "first_errors": errors[:3],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=25)
    parser.add_argument("--readers", type=int, default=3)
    parser.add_argument("--batches", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print("crash:", json.dumps(crash_trials(Path(tmp) / "crash", args.trials)))
    with tempfile.TemporaryDirectory() as tmp:
        print("concurrency:", json.dumps(concurrency(Path(tmp) / "conc", args.readers, args.batches)))


if __name__ == "__main__":
    main()
