"""searchidx watch: from a file landing in a watched folder to it being searchable in another process.

Usage: python -m bench.watch_latency [--files 200] [--max-gap 1.5] [--rounds 8] [--seed 13]
       [--background N] [-- WATCH OPTIONS]

Latency: starts ``searchidx watch DIR --index IX`` (default settings, or the
options after ``--``) as a child process and drops ``--files`` article files
into DIR at random intervals (uniform 0..``--max-gap`` seconds, seeded): real
Reuters-21578 stories, two in three as plain text (one story), one in three as
JSON Lines (one to three stories). Each file is written beside DIR and renamed
into it, so it lands whole; its landing time is taken right after the rename.
This process polls the index through the library every ``--poll`` seconds
(``Index.document(id)`` for the articles still awaited: a fresh searcher
whenever the index moved, as ``search`` and the TUI do) and records when all
of a file's articles are searchable. Prints p50/p95/max latency and, once the
watch is stopped, the articles lost (not in the index), doubled (an id held
twice) or unexpected (an id nobody dropped), counted with ``search("*")``.
``--background N`` starts with N other Reuters stories in DIR, so each commit
updates an index of that size. Issue 13's floor: p95 <= 3 s.

Ctrl-C: ``--rounds`` times (seeded) it starts the watch on the same folder and
index, drops files at random intervals and sends SIGINT to the watch's process
group (as a terminal's Ctrl-C does: the indexing workers get it too) at a
random moment, from during start-up to well into the watching. After each
round it records the exit status, whether a traceback was printed, and the
files that had landed before the interrupt, once the watch had made its first
commit, but were not searchable after it stopped (a watch stopped by Ctrl-C
commits what landed first). Files also land while no watch runs. A last watch
catches up; then every file's articles must be in the index exactly once (no
lost, no doubled, nothing else).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import SEARCHIDX
from searchidx import Index
from searchidx.errors import SearchidxError

DATA = Path(__file__).resolve().parent / "data" / "reuters.jsonl"


@dataclass
class Drop:
    """One article file to land in the watched folder."""

    name: str
    ids: list[str]
    content: str
    landed: float = 0.0
    seen: float | None = None


@dataclass
class Watcher:
    """A ``searchidx watch`` child process and what it printed."""

    proc: subprocess.Popen[str]
    started: float
    lines: list[tuple[float, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _norm(text: str) -> str:
    return " ".join(text.split())


def stories(seed: int) -> list[dict[str, Any]]:
    """Reuters stories with a body, one per distinct body (the collection has exact copies), shuffled."""
    if not DATA.exists():
        sys.exit(f"{DATA} is missing: run python -m bench.convert reuters")
    chosen: dict[str, dict[str, Any]] = {}
    with DATA.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            body = record.get("text") or ""
            if len(body.split()) >= 20:
                chosen.setdefault(hashlib.sha1(_norm(body).encode()).hexdigest(), record)
    found = list(chosen.values())
    random.Random(seed).shuffle(found)
    return found


def make_drops(pool: list[dict[str, Any]], count: int, rng: random.Random, prefix: str) -> list[Drop]:
    """``count`` files: plain text (one story) or, one in three, JSON Lines (one to three stories)."""
    drops = []
    for i in range(count):
        if i % 3 == 2:
            records = [pool.pop() for _ in range(rng.randint(1, 3))]
            content = "".join(
                json.dumps(
                    {
                        "id": f"{prefix}{r['id']}",
                        "title": r.get("title") or "",
                        "date": r.get("date"),
                        "text": r["text"],
                        "source": "Reuters",
                    }
                )
                + "\n"
                for r in records
            )
            drops.append(Drop(f"{prefix}{i:04d}.jsonl", [f"{prefix}{r['id']}" for r in records], content))
        else:
            record = pool.pop()
            title = (record.get("title") or "Untitled").strip().rstrip(".")
            name = f"{prefix}{i:04d}.txt"
            drops.append(Drop(name, [name], f"{title}\n\n{record['text']}\n"))
    return drops


def land(drop: Drop, folder: Path, staging: Path) -> None:
    """Write the file beside the folder, then rename it in: it appears whole, at once."""
    temp = staging / drop.name
    temp.write_text(drop.content, encoding="utf-8")
    os.rename(temp, folder / drop.name)
    drop.landed = time.monotonic()


def start_watch(folder: Path, index: Path, extra: list[str]) -> Watcher:
    command = [*SEARCHIDX, "watch", str(folder), "--index", str(index), *extra]
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    watcher = Watcher(proc, time.monotonic())

    def read(stream: Any, into: list[Any], stamped: bool) -> None:
        for line in stream:
            into.append((time.monotonic(), line.rstrip("\n")) if stamped else line.rstrip("\n"))

    threading.Thread(target=read, args=(proc.stdout, watcher.lines, True), daemon=True).start()
    threading.Thread(target=read, args=(proc.stderr, watcher.errors, False), daemon=True).start()
    return watcher


def interrupt(watcher: Watcher, timeout: float = 120.0) -> tuple[int | None, float]:
    """Ctrl-C the watch's process group; return its exit status and how long it took to stop."""
    sent = time.monotonic()
    with contextlib.suppress(ProcessLookupError):  # it had already ended
        os.killpg(watcher.proc.pid, signal.SIGINT)
    try:
        code = watcher.proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(watcher.proc.pid, signal.SIGKILL)
        watcher.proc.wait()
        code = None
    return code, time.monotonic() - sent


def wait_first_commit(watcher: Watcher, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not watcher.lines:
        if watcher.proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the watch did not start: {watcher.errors}")
        time.sleep(0.02)


class Poller:
    """The index as another process's search sees it, through the library (a fresh searcher per commit)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.index: Index | None = None

    def _open(self) -> Index:
        if self.index is None:
            self.index = Index.open(self.path)
        return self.index

    def found(self, ids: list[str]) -> set[str]:
        """Which of ``ids`` the index holds now (by id: cheap whatever the index's size)."""
        index = self._open()
        return {doc_id for doc_id in ids if index.document(doc_id) is not None}

    def ids(self) -> Counter[str]:
        """Every article's id, as often as the index holds it (``*`` matches every article)."""
        results = self._open().search("*", limit=10_000_000, fold=False, highlight=False)
        assert len(results.hits) == results.total
        return Counter(h.id for h in results.hits)

    def close(self) -> None:
        if self.index is not None:
            self.index.close()
            self.index = None


def mark_seen(drops: list[Drop], poller: Poller) -> None:
    """One poll: every landed drop whose articles are all searchable now gets its time."""
    waiting = [d for d in drops if d.landed and d.seen is None]
    found = poller.found([i for d in waiting for i in d.ids])
    now = time.monotonic()
    for drop in waiting:
        if all(i in found for i in drop.ids):
            drop.seen = now


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def check_exactly_once(
    drops: list[Drop], poller: Poller, background: frozenset[str] = frozenset()
) -> dict[str, int]:
    """Articles of the dropped files missing from the index, held more than once, and ids nobody dropped."""
    ids = poller.ids()
    expected = {i for d in drops for i in d.ids}
    return {
        "articles": len(expected),
        "in_index": sum(n for i, n in ids.items() if i in expected),
        "lost": sum(1 for i in expected if ids[i] == 0),
        "doubled": sum(n - 1 for n in ids.values() if n > 1),
        "unexpected": sum(n for i, n in ids.items() if i not in expected and i not in background),
    }


def latency_run(args: argparse.Namespace, work: Path, pool: list[dict[str, Any]]) -> dict[str, Any]:
    rng = random.Random(args.seed)
    folder, staging, index = work / "latency" / "in", work / "latency" / "staging", work / "latency" / "ix"
    folder.mkdir(parents=True)
    staging.mkdir()
    background = [pool.pop() for _ in range(min(args.background, len(pool) - 2 * args.files))]
    if background:  # an index that already holds a collection: each commit costs more
        with (folder / "background.jsonl").open("w", encoding="utf-8") as sink:
            for record in background:
                sink.write(json.dumps(record) + "\n")
    drops = make_drops(pool, args.files, rng, "lat-")
    gaps = [rng.uniform(0, args.max_gap) for _ in drops]
    watcher = start_watch(folder, index, args.watch_args)
    wait_first_commit(watcher, timeout=600)
    poller = Poller(index)
    started = time.monotonic()
    first = watcher.lines[0][1].split(": ", 1)[-1]
    print(
        f"latency: {len(drops)} files ({sum(len(d.ids) for d in drops)} articles), gaps 0-{args.max_gap} s, "
        f"into a folder of {len(background)} articles (first commit: {first})"
    )
    schedule = [started + sum(gaps[: i + 1]) for i in range(len(drops))]
    upcoming = 0
    while True:
        now = time.monotonic()
        while upcoming < len(drops) and schedule[upcoming] <= now:
            land(drops[upcoming], folder, staging)
            upcoming += 1
        mark_seen(drops, poller)
        if upcoming == len(drops) and all(d.seen is not None for d in drops):
            break
        if upcoming == len(drops) and now - drops[-1].landed > args.give_up:
            break
        wait = args.poll
        if upcoming < len(drops):
            wait = min(wait, max(0.0, schedule[upcoming] - time.monotonic()))
        time.sleep(wait)
    elapsed = time.monotonic() - started
    code, stop_time = interrupt(watcher)
    counts = check_exactly_once(drops, poller, frozenset(r["id"] for r in background))
    poller.close()
    latencies = [d.seen - d.landed for d in drops if d.seen is not None]
    commits = len(watcher.lines) - 1
    result = {
        "background": len(background),
        "files": len(drops),
        "seconds": round(elapsed, 1),
        "commits": commits,
        "p50": round(statistics.median(latencies), 3),
        "p95": round(percentile(latencies, 0.95), 3),
        "max": round(max(latencies), 3),
        "mean": round(statistics.fmean(latencies), 3),
        "exit": code,
        "stop_seconds": round(stop_time, 2),
        **counts,
    }
    print(
        f"  {result['files']} files in {result['seconds']} s, {commits} commits; landed -> searchable: "
        f"p50 {result['p50']:.2f} s, p95 {result['p95']:.2f} s, max {result['max']:.2f} s "
        f"(mean {result['mean']:.2f} s; polled every {args.poll} s)"
    )
    print(
        f"  after Ctrl-C (exit {code}, {stop_time:.2f} s): {counts['in_index']} of {counts['articles']} "
        f"articles in the index, {counts['lost']} lost, {counts['doubled']} doubled, "
        f"{counts['unexpected']} unexpected"
    )
    print(f"  floor p95 <= 3 s: {'met' if result['p95'] <= 3.0 else 'NOT MET'}")
    return result


def interrupt_rounds(args: argparse.Namespace, work: Path, pool: list[dict[str, Any]]) -> dict[str, Any]:
    rng = random.Random(args.seed + 1)
    folder, staging, index = work / "ctrlc" / "in", work / "ctrlc" / "staging", work / "ctrlc" / "ix"
    folder.mkdir(parents=True)
    staging.mkdir()
    everything: list[Drop] = []
    rounds = []
    print(f"Ctrl-C: {args.rounds} rounds")
    for number in range(args.rounds):
        # Files that land while no watch runs (the last round's interrupt, the restart).
        for drop in make_drops(pool, rng.randint(0, 3), rng, f"r{number}o-"):
            land(drop, folder, staging)
            everything.append(drop)
        drops = make_drops(pool, rng.randint(4, 16), rng, f"r{number}-")
        at = rng.uniform(0.3, args.max_interrupt)  # seconds after the watch is started
        watcher = start_watch(folder, index, args.watch_args)
        gaps = iter(rng.uniform(0, 0.6) for _ in drops)
        landed: list[Drop] = []
        next_at = time.monotonic() + next(gaps)
        while time.monotonic() - watcher.started < at:
            if len(landed) < len(drops) and time.monotonic() >= next_at:
                land(drops[len(landed)], folder, staging)
                landed.append(drops[len(landed)])
                next_at = time.monotonic() + next(gaps, 0.0)
            time.sleep(0.01)
        listening = watcher.lines[0][0] if watcher.lines else None
        sent = time.monotonic()
        code, stop_time = interrupt(watcher)
        everything.extend(landed)
        # The rest land while the watch is down: the next round's first scan must find them.
        for drop in drops[len(landed) :]:
            land(drop, folder, staging)
            everything.append(drop)
        poller = Poller(index)
        try:
            ids = poller.ids()
        except SearchidxError:
            ids = Counter()  # no commit yet (interrupted before the first one finished)
        poller.close()
        held = [d for d in landed if listening is not None and listening < d.landed <= sent - args.settle]
        dropped = [d.name for d in held if not all(ids[i] for i in d.ids)]
        traceback = any("Traceback" in line for line in watcher.errors)
        phase = "starting" if listening is None else f"watching {sent - listening:.1f} s"
        rounds.append(
            {
                "round": number + 1,
                "interrupt_after": round(at, 2),
                "phase": phase,
                "landed": len(landed),
                "exit": code,
                "stop_seconds": round(stop_time, 2),
                "traceback": traceback,
                "held_not_committed": dropped,
            }
        )
        print(
            f"  round {number + 1}: Ctrl-C {at:.1f} s after start ({phase}), {len(landed)} files landed "
            f"before it, exit {code} in {stop_time:.2f} s{', TRACEBACK' if traceback else ''}; "
            f"landed before it (watching) but not committed: {len(dropped)} of {len(held)}"
        )
        if traceback:
            print("    " + "\n    ".join(watcher.errors[-6:]))
    # A last watch catches up, then stops; every file's articles must be there once.
    watcher = start_watch(folder, index, args.watch_args)
    wait_first_commit(watcher)
    poller = Poller(index)
    deadline = time.monotonic() + args.give_up
    while time.monotonic() < deadline:
        mark_seen(everything, poller)
        if all(d.seen is not None for d in everything if d.landed):
            break
        time.sleep(args.poll)
    code, _stop = interrupt(watcher)
    counts = check_exactly_once(everything, poller)
    poller.close()
    not_committed = sum(len(r["held_not_committed"]) for r in rounds)
    clean = sum(1 for r in rounds if r["exit"] == 0 and not r["traceback"])
    print(
        f"  after {args.rounds} rounds and a last watch: {len(everything)} files, {counts['in_index']} of "
        f"{counts['articles']} articles in the index, {counts['lost']} lost, {counts['doubled']} doubled, "
        f"{counts['unexpected']} unexpected; {clean}/{args.rounds} rounds exited 0 without a traceback; "
        f"{not_committed} files held at Ctrl-C but not committed"
    )
    ok = counts["lost"] == counts["doubled"] == counts["unexpected"] == 0
    print(f"  no lost or doubled articles: {'met' if ok else 'NOT MET'}")
    return {"rounds": rounds, "files": len(everything), **counts, "clean_exits": clean}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200, help="files dropped for the latency run")
    parser.add_argument("--max-gap", type=float, default=1.5, help="longest pause between two files (s)")
    parser.add_argument("--poll", type=float, default=0.05, help="seconds between two polls of the index")
    parser.add_argument("--rounds", type=int, default=8, help="Ctrl-C rounds (0: none)")
    parser.add_argument("--max-interrupt", type=float, default=9.0, help="latest Ctrl-C after a start (s)")
    parser.add_argument(
        "--settle", type=float, default=0.0, help="files older than this at Ctrl-C must be committed (s)"
    )
    parser.add_argument("--give-up", type=float, default=60.0, help="seconds to wait for the last files")
    parser.add_argument("--background", type=int, default=0, help="Reuters articles in the folder at start")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--out", type=Path, help="also write the figures as JSON here")
    parser.add_argument(
        "watch_args", nargs="*", help="extra options for searchidx watch (after --), e.g. -- --every 2"
    )
    args = parser.parse_args()
    pool = stories(args.seed)
    work = Path(tempfile.mkdtemp(prefix="searchidx-watch-bench-"))
    try:
        figures: dict[str, Any] = {"watch_args": args.watch_args}
        if not args.skip_latency:
            figures["latency"] = latency_run(args, work, pool)
        if args.rounds:
            figures["interrupt"] = interrupt_rounds(args, work, pool)
        if args.out:
            args.out.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
