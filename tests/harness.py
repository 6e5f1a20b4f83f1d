"""Reliability harness: kills, parent-only kills, concurrent first builds, a full disk, readers.

The test suite runs these functions with small numbers; ``python -m bench.stress``
runs them long and prints the figures (trials survived, documents lost, reader
errors). It lives with the tests so that benchmarks import tests, never the reverse.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

INDEX_CMD = [sys.executable, "-c", "from searchidx.cli import main; main(prog_name='searchidx')"]
# The same command with worker segments for small batches (so a few hundred articles use them).
SEGMENTS_CMD = [
    sys.executable,
    "-c",
    "import searchidx.segments as s; s.PARALLEL_MIN = 50; "
    "from searchidx.cli import main; main(prog_name='searchidx')",
]


def until(done: Callable[[], bool], timeout: float = 20.0) -> bool:
    """Wait for ``done()`` to be true (polled every 50 ms); False after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if done():
            return True
        time.sleep(0.05)
    return False


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


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def parent_kills(work: Path, trials: int, batch_size: int = 400, seed: int = 11) -> dict[str, Any]:
    """Kill only the indexer's own PID (SIGKILL or SIGTERM) while its workers run.

    Alternates the entity-extraction pool and the segment writers. After each
    kill: how many workers are still alive 5 s later, whether the next run gets
    the lock at once (``--lock-timeout 0``), and whether the index holds exactly
    the old or the new documents.
    """
    rng = random.Random(seed)
    corpus, index_dir = work / "corpus", work / "ix"
    env = {**os.environ, "SEARCHIDX_INDEX": str(index_dir)}
    write_batch(corpus, 0, 50)
    subprocess.run([*INDEX_CMD, "index", str(corpus)], env=env, check=True, capture_output=True)
    orphans = blocked = inconsistent = no_workers = 0
    waits: list[float] = []
    for trial in range(1, trials + 1):
        before = _ids(index_dir)
        write_batch(corpus, trial, batch_size)
        command = INDEX_CMD if trial % 2 else SEGMENTS_CMD
        proc = subprocess.Popen(
            [*command, "index", "--workers", "2", str(corpus)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while len(children(proc.pid)) < 2 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        workers = children(proc.pid)
        no_workers += len(workers) < 2
        time.sleep(rng.uniform(0.0, 1.0))
        proc.send_signal(signal.SIGKILL if trial % 4 in (1, 2) else signal.SIGTERM)
        proc.wait()
        time.sleep(5)
        orphans += sum(alive(w) for w in workers)
        after = _ids(index_dir)
        inconsistent += after != before and after != before | {f"b{trial}-{i}" for i in range(batch_size)}
        started = time.perf_counter()
        rerun = subprocess.run(
            [*INDEX_CMD, "index", "--lock-timeout", "0", str(corpus)], env=env, capture_output=True
        )
        waits.append(time.perf_counter() - started)
        blocked += rerun.returncode != 0
    return {
        "trials": trials,
        "trials_without_2_workers_seen": no_workers,
        "orphans_alive_after_5s": orphans,
        "next_run_blocked": blocked,
        "inconsistent_states": inconsistent,
        "next_run_seconds_max": round(max(waits), 2),
    }


def concurrent_first_builds(work: Path, trials: int, batch_size: int = 300) -> dict[str, Any]:
    """Start two first builds of the same new index at once (worker segments on); count damage."""
    corpus = work / "corpus"
    write_batch(corpus, 0, batch_size)
    corrupted = failed = 0
    for trial in range(trials):
        index_dir = work / f"rx{trial}"
        command = [*SEGMENTS_CMD, "index", "--no-entities", "--lock-timeout", "120"]
        runs = [
            subprocess.Popen(
                [*command, "--index", str(index_dir), str(corpus)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            for _ in range(2)
        ]
        failed += sum(run.wait(timeout=300) != 0 for run in runs)
        stats = subprocess.run(
            [*INDEX_CMD, "stats", "--json", "--index", str(index_dir)], capture_output=True, text=True
        )
        ok = stats.returncode == 0 and json.loads(stats.stdout)["data"]["documents"] == batch_size
        corrupted += not ok
    return {"trials": trials, "writers_failed": failed, "corrupted": corrupted}


def disk_full_sweep(work: Path, sizes_kb: tuple[int, ...] = (96, 160, 256, 384, 512, 768)) -> dict[str, Any]:
    """Update an index on a small tmpfs that fills up mid-run (needs root to mount).

    Each size: build a small index, add a batch too large for the space left;
    the run must exit 2 with one line, leave the old documents, and no files.
    """
    if os.geteuid() != 0:
        return {"skipped": "needs root to mount a tmpfs"}
    results = {"sizes": len(sizes_kb), "filled": 0, "inconsistent": 0, "leftover_files": 0, "not_one_line": 0}
    corpus = work / "corpus"
    write_batch(corpus, 0, 20)
    for size in sizes_kb:
        mount = work / f"mnt{size}"
        mount.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}k", "tmpfs", str(mount)], check=True)
        try:
            index_dir = mount / "ix"
            base = subprocess.run(
                [*INDEX_CMD, "index", "--no-entities", "--index", str(index_dir), str(corpus)],
                capture_output=True,
            )
            if base.returncode != 0:
                continue  # too small even for the base index
            before_files = sorted(os.listdir(index_dir))
            before = _ids(index_dir)
            big = work / f"big{size}"
            write_batch(big, size, 400)
            run = subprocess.run(
                [*INDEX_CMD, "index", "--no-entities", "--workers", "1", "--index", str(index_dir), str(big)],
                capture_output=True,
                text=True,
            )
            if run.returncode == 0:
                continue  # it fitted
            results["filled"] += 1
            results["not_one_line"] += (
                len(run.stderr.strip().splitlines()) != 1 or "no space" not in run.stderr
            )
            results["inconsistent"] += _ids(index_dir) != before
            results["leftover_files"] += len(set(os.listdir(index_dir)) - set(before_files))
        finally:
            subprocess.run(["umount", str(mount)], check=False)
    return results
