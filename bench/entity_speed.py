"""What entity extraction costs an indexing run: with and without entities, wall and CPU.

Usage: python -m bench.entity_speed [FILE.jsonl] [--limit N] [--workers 2] [--runs 1] [--sample 2000]
       [--passes 3]

Indexes FILE (default ``bench/data/reuters.jsonl``; ``--limit`` keeps its first N
lines) into fresh temporary indexes with the real ``searchidx index`` command
(a child process, ``--workers`` processes), with and without entities, runs
alternating. Prints wall seconds and CPU seconds (user + system of the command
and every worker it waited for), the with/without ratios, and the entity
extractor's own speed: ``searchidx.entities.annotate`` on ``--sample`` articles
spread evenly over the indexed ones (every k-th: the first ones are shorter than
the collection's average, so they understate it), in batches of 1,000 articles
as each of 2 indexing workers gets them (``searchidx.update.BATCH`` shared), in
this process (one core), in tokens/s and articles/s, after the model is loaded, the fastest of ``--passes``;
``--sample 0`` takes every indexed article. From that speed it estimates how much
of the run's entity CPU is ``annotate()`` itself and how much is the rest (Whoosh
indexing the names, the workers, the collection-level resolution). On a shared
machine CPU seconds say more than wall seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench import SEARCHIDX

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "bench" / "data" / "reuters.jsonl"
_WORKER_BATCH = 1000  # articles a segment writer tags at once: searchidx.update.BATCH, 2 workers


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def index_once(path: Path, *, entities: bool, workers: int) -> tuple[float, float, dict[str, object]]:
    """Index ``path`` into a fresh index; return (wall s, CPU s incl. workers, the JSON report)."""
    folder = Path(tempfile.mkdtemp(prefix="entity-speed-"))
    try:
        command = [*SEARCHIDX, "index", str(path), "--index", str(folder / "ix")]
        command += ["--workers", str(workers), "--json"]
        if not entities:
            command.append("--no-entities")
        cpu = _children_cpu()
        wall = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - wall
        cpu = _children_cpu() - cpu
        if done.returncode != 0:
            raise SystemExit(f"searchidx index failed ({done.returncode}):\n{done.stderr[-2000:]}")
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        return wall, cpu, json.loads(lines[-1]).get("data", {}) if lines else {}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def extraction_speed(path: Path, sample: int, passes: int) -> tuple[int, int, int, float, float, float]:
    """Annotate ``sample`` articles of ``path`` spread evenly (0: all) here.

    Returns (articles in the file, articles annotated, their tokens, CPU s, wall s) of
    the fastest pass, then the first pass's CPU s. The tagger forgets the sentences it
    has seen before each pass; the fastest pass is the one least slowed by other work
    on the machine, but its words' memo entries (features, clean-up) were made by the
    first, as an indexing worker makes them for each new word: the first pass is
    the slower bound of what tagging costs there, the fastest the faster one.
    """
    from searchidx.entities import MAX_TAGGED_CHARS, annotate, annotate_many
    from searchidx.entities.tagger import _tagger, configured_model
    from searchidx.entities.tokens import sentences
    from searchidx.ingest import iter_file
    from searchidx.models import Article

    everything = [item for item in iter_file(path, path.parent) if isinstance(item, Article)]
    step = max(1, len(everything) // sample) if sample else 1
    articles = everything[::step][: sample or None]
    tokens = 0
    for article in articles:
        texts = [article.body[:MAX_TAGGED_CHARS]] + ([article.title] if not article.title_derived else [])
        tokens += sum(len(words) for text in texts for words, _s, _e in sentences(text))
    annotate("Warm-up", "The model is loaded before the clock starts, Mr Smith said in London.")
    best = (float("inf"), float("inf"))
    first = 0.0
    for done in range(passes):
        getattr(_tagger(configured_model()), "seen", {}).clear()
        cpu, wall = time.process_time(), time.perf_counter()
        for start in range(0, len(articles), _WORKER_BATCH):  # as the indexing workers do
            annotate_many(
                [(a.title, a.body, a.title_derived) for a in articles[start : start + _WORKER_BATCH]]
            )
        best = min(best, (time.process_time() - cpu, time.perf_counter() - wall))
        first = first if done else time.process_time() - cpu
    return len(everything), len(articles), tokens, *best, first


def _entity_modules(*, installed: bool = False) -> str:
    """What ``searchidx --version`` says of the entity tagger, here or in the installed package."""
    if installed:
        command = [*SEARCHIDX, "--version"]
        release = subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()
    else:
        from searchidx.cli import RELEASE as release
    return release.partition("(entity tagger ")[2].rstrip(")")


def main(argv: list[str] | None = None) -> None:
    """Run the comparison and print it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--limit", type=int, default=0, help="index only the first N lines")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=1, help="runs of each, alternating (medians shown)")
    parser.add_argument(
        "--sample", type=int, default=2000, help="articles for the in-process speed, spread evenly (0: all)"
    )
    parser.add_argument("--passes", type=int, default=3, help="passes over them (the fastest is shown)")
    args = parser.parse_args(argv)
    source: Path = args.file
    if not source.is_file():
        raise SystemExit(f"{source} not found (python -m bench.convert reuters makes it)")
    scratch = Path(tempfile.mkdtemp(prefix="entity-speed-src-"))
    try:
        if args.limit:
            limited = scratch / source.name
            with source.open(encoding="utf-8") as src, limited.open("w", encoding="utf-8") as out:
                for number, line in enumerate(src):
                    if number >= args.limit:
                        break
                    out.write(line)
            source = limited
        print(f"{source.name}: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start")
        modules = f"in the indexing runs {_entity_modules(installed=True)}, here {_entity_modules()}"
        print(f"entity tagger: {modules}")
        runs: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
        added = 0
        for _ in range(args.runs):
            for entities in (False, True):
                wall, cpu, report = index_once(source, entities=entities, workers=args.workers)
                runs[entities].append((wall, cpu))
                added = int(str(report.get("added", added)))
                label = "with entities   " if entities else "without entities"
                print(f"  {label}: {wall:7.2f} s wall {cpu:7.2f} s CPU", flush=True)
        wall_off = statistics.median(w for w, _ in runs[False])
        cpu_off = statistics.median(c for _, c in runs[False])
        wall_on = statistics.median(w for w, _ in runs[True])
        cpu_on = statistics.median(c for _, c in runs[True])
        print(f"articles indexed: {added}, workers: {args.workers}, runs: {args.runs} (medians)")
        print(f"without entities: {wall_off:7.2f} s wall {cpu_off:7.2f} s CPU")
        print(f"with entities:    {wall_on:7.2f} s wall {cpu_on:7.2f} s CPU")
        print(f"ratio:            {wall_on / wall_off:7.2f} x wall {cpu_on / cpu_off:5.2f} x CPU")
        extra = cpu_on - cpu_off
        if extra > 0 and added:
            print(f"entity CPU in the run: {extra:.2f} s, {added / extra:.0f} articles per CPU s")
        total, count, tokens, cpu, wall, first = extraction_speed(source, args.sample, args.passes)
        print(
            f"annotate() on {count} of {total} articles (one in {max(1, total // count)}), one process, "
            f"fastest of {args.passes} passes: {cpu:.2f} s CPU ({wall:.2f} s wall), "
            f"{tokens / cpu:,.0f} tokens/s, {count / cpu:,.0f} articles/s, "
            f"{1000 * cpu / count:.2f} ms/article; first pass (memos empty): {first:.2f} s CPU, "
            f"{tokens / first:,.0f} tokens/s"
        )
        if extra > 0 and count:
            low, high = cpu * total / count, first * total / count
            print(
                f"of the run's entity CPU: annotate() ~{low:.2f}-{high:.2f} s "
                f"({100 * low / extra:.0f}-{100 * high / extra:.0f}%), the rest "
                f"~{extra - high:.2f}-{extra - low:.2f} s (Whoosh indexing the names, workers, resolution)"
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
