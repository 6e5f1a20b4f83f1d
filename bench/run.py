"""Reproduce every benchmark table and the plot: ``python -m bench.run``.

Usage: python -m bench.run [--data ../shared/data] [--quick] [--only STEP ...] [--skip STEP ...]

Steps, each a fresh process writing JSON under ``bench/results/``: ``convert`` (the
collections from ``--data`` into ``bench/data/``, skipped when present), ``cold``
(cold-start CLI), ``scaling`` (indexing and query latency at 1k/5k/19k/76k, every
engine), ``quality`` (MAP/nDCG/P@30 on CACM and TIME, plus analysis ablations),
``ner`` (entity F1, trains the research CoNLL model in a temp dir), ``tui``
(keystroke-to-results), then ``report`` renders ``docs/benchmarks.md`` and
``docs/scaling.png``. The full run takes about an hour on 2 cores; ``--quick``
(1k and 5k only, no CoNLL training) about ten minutes.

Needs the bench extra: ``pip install -e ".[dev,bench]"``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sqlite3
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DATA = ROOT / "bench" / "data"
STEPS = ("convert", "cold", "scaling", "quality", "ner", "tui", "report")
PACKAGES = (
    "searchidx",
    "Whoosh-Reloaded",
    "nltk",
    "python-crfsuite",
    "textual",
    "tantivy",
    "ir-measures",
    "matplotlib",
)


def environment() -> dict[str, object]:
    versions = {"Python": platform.python_version(), "SQLite": sqlite3.sqlite_version}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    try:
        meminfo = Path("/proc/meminfo").read_text().split("\n", 1)[0].split()
        memory = f"{int(meminfo[1]) / 1024 / 1024:.0f} GiB"
    except (OSError, IndexError, ValueError):
        memory = "? GiB"
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in _read("/proc/cpuinfo").splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "?",
    )
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} × {cpu}, {memory}, {platform.system()} {platform.release()}",
        "versions": versions,
    }


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def step(name: str, *args: str) -> None:
    print(f"\n=== {name}: python -m {' '.join(args)}", flush=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", *args], cwd=ROOT, check=True)
    print(f"=== {name} done in {time.perf_counter() - started:.0f}s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--quick", action="store_true", help="1k and 5k articles only; no CoNLL training")
    parser.add_argument("--only", nargs="+", choices=STEPS, default=list(STEPS))
    parser.add_argument("--skip", nargs="+", choices=STEPS, default=[])
    args = parser.parse_args()
    wanted = [s for s in STEPS if s in args.only and s not in args.skip]
    RESULTS.mkdir(parents=True, exist_ok=True)
    if set(wanted) - {"report"}:
        (RESULTS / "environment.json").write_text(json.dumps(environment(), indent=1))
    out = lambda name: str(RESULTS / f"{name}.json")  # noqa: E731
    if "convert" in wanted:
        needed = [
            n
            for n, p in (
                ("reuters", "reuters.jsonl"),
                ("reuters4x", "reuters4x.jsonl"),
                ("cacm", "cacm"),
                ("time", "time"),
            )
            if not (DATA / p).exists()
        ]
        if needed:
            step("convert", "bench.convert", *needed, "--data", str(args.data))
    if "cold" in wanted:
        step("cold", "bench.cold_start", "--runs", "7", "--out", out("cold_start"))
    if "scaling" in wanted:
        sizes = ["1000", "5000"] if args.quick else ["1000", "5000", "19043", "76172"]
        step("scaling", "bench.scaling", "--sizes", *sizes, "--out", out("scaling"))
    if "quality" in wanted:
        step("quality", "bench.quality", "--ablations", "--out", out("quality"))
    if "ner" in wanted:
        step(
            "ner",
            "bench.ner_eval",
            "--data",
            str(args.data),
            "--out",
            out("ner_eval"),
            *(["--skip-conll"] if args.quick else []),
        )
    if "tui" in wanted:
        step("tui", "bench.tui_latency", "--out", out("tui_latency"))
    if "report" in wanted:
        step("report", "bench.report")


if __name__ == "__main__":
    main()
