"""Render ``docs/benchmarks.md`` and ``docs/scaling.png`` from the JSON in ``bench/results/``.

Usage: python -m bench.report [--results bench/results] [--docs docs]

Every figure on the page comes from the results files written by ``python -m bench.run``
(or the individual scripts); every ratio is between figures of the same run.
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NAMES = {"searchidx": "searchidx", "whoosh": "Whoosh (stock)", "fts5": "SQLite FTS5", "tantivy": "tantivy-py"}
ANSERINI_CACM = {"AP": 0.3123, "P@30": 0.1942}


def _load(results: Path, name: str) -> Any:
    path = results / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def _verdict(ok: bool, by: str) -> str:
    return "met" if ok else f"**missed** ({by})"


def _row(*cells: object) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    return [_row(*header), _row(*["---"] * len(header)), *(_row(*r) for r in rows), ""]


def _index_row(scaling: Any, engine: str, size: int, workers: int, entities: bool) -> Any:
    for row in scaling["indexing"]:
        if (row["engine"], row["size"], row["workers"], row["entities"]) == (engine, size, workers, entities):
            return row
    return None


def _latency(scaling: Any, engine: str, size: int) -> Any:
    return next((r for r in scaling["latency"] if (r["engine"], r["size"]) == (engine, size)), None)


def _cold(row: Any) -> float | None:
    """A latency row's cold-cache p95 (``None`` for a run from before cold timing)."""
    cold = row.get("cold") if row else None
    return float(cold["p95"]) if cold else None


def _query_targets(scaling: Any, sizes: list[int]) -> list[list[object]]:
    """Issue 14's query targets, on cold-cache p95 with snippets (wall ms unless CPU is said)."""
    rows: list[list[object]] = []
    for size in sizes:
        ours = _cold(_latency(scaling, "searchidx", size))
        for peer, bound in (("whoosh", 0.5), ("fts5", 3.0)):
            theirs = _cold(_latency(scaling, peer, size))
            if ours is not None and theirs:
                ratio = ours / theirs
                rows.append(
                    [
                        f"cold p95 at {size:,} ≤ {bound}× {NAMES[peer]}",
                        f"{ratio:.2f}× ({ours:.1f} vs {theirs:.1f} ms)",
                        _verdict(ratio <= bound, f"{ratio / bound:.2f}× over"),
                    ]
                )
    for small, large in itertools.pairwise(sizes):
        a, b = _cold(_latency(scaling, "searchidx", small)), _cold(_latency(scaling, "searchidx", large))
        if a and b is not None:
            rows.append(
                [
                    f"cold p95 at {large:,} ≤ 2× cold p95 at {small:,}",
                    f"{b / a:.2f}× ({b:.1f} vs {a:.1f} ms)",
                    _verdict(b / a <= 2, f"{b / a / 2:.2f}× over"),
                ]
            )
    if sizes:
        row = _latency(scaling, "searchidx", sizes[-1])
        multi = (row or {}).get("cold_p95_by_kind_cpu", {}).get("multi-word")
        if multi is not None:
            rows.append(
                [
                    f"multi-word AND cold p95 at {sizes[-1]:,} ≤ 40 ms CPU",
                    f"{multi:.1f} ms",
                    _verdict(multi <= 40, f"{multi / 40:.2f}× over"),
                ]
            )
    return rows


def _paired_size_targets(results: Path | None) -> list[list[object]]:
    """The size targets timed alternately on two indexes (``bench.size_ratio``), when run."""
    rows: list[list[object]] = []
    if results is None:
        return rows
    for path in sorted(results.glob("size_ratio-*.json"), key=lambda p: p.stat().st_mtime):
        found = json.loads(path.read_text())
        small, large = found["small"], found["large"]
        ratio = large["p95"] / small["p95"]
        rows.append(
            [
                f"cold p95 at {large['documents']:,} ≤ 2× cold p95 at {small['documents']:,}, "
                "timed alternately (`bench.size_ratio`, CPU)",
                f"{ratio:.2f}× ({large['p95']:.1f} vs {small['p95']:.1f} ms)",
                _verdict(ratio <= 2, f"{ratio / 2:.2f}× over"),
            ]
        )
    return rows


def targets(cold: Any, scaling: Any, quality: Any, tui: Any, results: Path | None = None) -> list[str]:
    rows: list[list[object]] = []
    if cold:
        ms = cold["ms"]
        ratio = ms[f"search {cold['query']}"] / ms["minimal Whoosh open + search (stock)"]
        rows.append(
            [
                "cold `search` ≤ 1.5× minimal Whoosh script",
                f"{ratio:.2f}×",
                _verdict(ratio <= 1.5, f"{ratio / 1.5:.2f}× over"),
            ]
        )
    if scaling:
        sizes = sorted({r["size"] for r in scaling["indexing"]})
        mid = 19043 if 19043 in sizes else sizes[-1]
        ours, stock = (
            _index_row(scaling, "searchidx", mid, 1, False),
            _index_row(scaling, "whoosh", mid, 1, False),
        )
        if ours and stock:
            ratio = ours["articles_per_s"] / stock["articles_per_s"]
            rows.append(
                [
                    f"indexing {mid:,}, no entities, 1 process ≥ stock Whoosh",
                    f"{ratio:.2f}×",
                    _verdict(ratio >= 1, f"{1 - ratio:.0%} slower"),
                ]
            )
        two = _index_row(scaling, "searchidx", mid, 2, False)
        if ours and two:
            ratio = two["articles_per_s"] / ours["articles_per_s"]
            rows.append(
                [
                    f"indexing {mid:,}, 2 processes faster than 1",
                    f"{ratio:.2f}×",
                    _verdict(ratio > 1, "not faster"),
                ]
            )
        plain, ent = (
            _index_row(scaling, "searchidx", mid, 2, False),
            _index_row(scaling, "searchidx", mid, 2, True),
        )
        if plain and ent:
            ratio = ent["wall_s"] / plain["wall_s"]
            for bound in (1.6, 1.5):  # issue 11's bound, then issue 14's
                rows.append(
                    [
                        f"entities cost ≤ {bound}× time (2 processes)",
                        f"{ratio:.2f}× ({ent['cpu_s'] / plain['cpu_s']:.2f}× CPU)",
                        _verdict(ratio <= bound, f"{ratio / bound:.2f}× over"),
                    ]
                )
        stock = _index_row(scaling, "whoosh", mid, 1, False)
        if ent and stock:
            ratio = ent["articles_per_s"] / stock["articles_per_s"]
            rows.append(
                [
                    f"indexing {mid:,} with entities, 2 processes ≥ 1.5× stock Whoosh (1 process)",
                    f"{ratio:.2f}×",
                    _verdict(ratio >= 1.5, f"{1.5 / ratio:.2f}× short"),
                ]
            )
        rows += _query_targets(scaling, sorted(s for s in sizes if s >= mid))
    if quality:
        for name in ("cacm", "time"):
            table = quality.get(name)
            if not table:
                continue
            ours_map = table["searchidx"]["AP"]
            best_name, best = max(
                ((k, v["AP"]) for k, v in table.items() if k != "searchidx"), key=lambda kv: kv[1]
            )
            rows.append(
                [
                    f"MAP {name.upper()} ≥ every peer",
                    f"{ours_map:.4f} vs {best_name} {best:.4f}",
                    _verdict(ours_map >= best, f"by {best - ours_map:.4f}"),
                ]
            )
            if name == "cacm":
                rows.append(
                    [
                        "MAP CACM ≥ Anserini 0.3123",
                        f"{ours_map:.4f}",
                        _verdict(ours_map >= ANSERINI_CACM["AP"], f"by {ANSERINI_CACM['AP'] - ours_map:.4f}"),
                    ]
                )
    rows += _paired_size_targets(results)
    if tui:
        rows.append(
            [
                "TUI keystroke-to-results p95 ≤ 100 ms",
                f"{tui['p95_ms']:.0f} ms",
                _verdict(tui["p95_ms"] <= 100, f"{tui['p95_ms'] / 100:.1f}× over"),
            ]
        )
    return ["## Targets", "", *_table(["target", "this run", "verdict"], rows)]


def cold_section(cold: Any) -> list[str]:
    ms = cold["ms"]
    base = ms['python -c "import whoosh.index"']
    stock = ms["minimal Whoosh open + search (stock)"]
    rows = [
        [
            f"`{k}`" if k.startswith(("search", "python")) else k,
            f"{v:.0f}",
            f"{v / base:.2f}",
            f"{v / stock:.2f}",
        ]
        for k, v in ms.items()
    ]
    return [
        "## Cold start (`python -m bench.cold_start`)",
        "",
        f"Median wall time of {cold['runs']} fresh processes on the bundled seeds (bytecode cached, as",
        "Python does by default). The peers' scripts open an index of the same seeds and print the top 10.",
        "",
        *_table(["command", "ms", "× `import whoosh.index`", "× minimal Whoosh"], rows),
    ]


def indexing_section(scaling: Any) -> list[str]:
    rows = []
    for r in sorted(
        scaling["indexing"],
        key=lambda r: (r["size"], list(NAMES).index(r["engine"]), r["entities"], r["workers"]),
    ):
        config = f"{NAMES[r['engine']]}{', entities' if r['entities'] else ''}"
        rows.append(
            [
                f"{r['size']:,}",
                config,
                r["workers"],
                f"{r['articles_per_s']:,.0f}",
                f"{r['mb_per_s']:.2f}",
                f"{r['wall_s']:.1f}",
                f"{r['cpu_s']:.1f}",
                f"{r['peak_rss_mb']:.0f}",
                f"{r['index_mb']:.1f}",
            ]
        )
    return [
        "## Indexing (`python -m bench.scaling`)",
        "",
        "Reuters-21578 stories with a body: the first 1,000 and 5,000, all 19,043, and the 4× replica",
        "(76,172, distinct ids). One fresh process per build. Processes: searchidx worker processes",
        "(one segment each), Whoosh's `procs=2` multisegment writer, tantivy writer threads; FTS5 has",
        "one writer. CPU includes child processes; peak RSS is the largest single process.",
        "",
        *_table(
            [
                "articles",
                "engine",
                "processes",
                "articles/s",
                "MB/s",
                "wall s",
                "CPU s",
                "peak RSS MB",
                "index MB",
            ],
            rows,
        ),
    ]


def _triple(stats: Any) -> str:
    return f"{stats['p50']:.1f} / {stats['p95']:.1f} / {stats['p99']:.1f}" if stats else "–"


def latency_section(scaling: Any) -> list[str]:
    rows = []
    for r in sorted(scaling["latency"], key=lambda r: (r["size"], list(NAMES).index(r["engine"]))):
        cold = r.get("cold")
        rows.append(
            [
                f"{r['size']:,}",
                NAMES[r["engine"]],
                _triple(cold),
                f"{cold['cpu']['p95']:.1f}" if cold else "–",
                _triple(r["snippets"]),
                _triple(r["no_snippets"]),
                f"{r['answered']}/{r['queries']}",
            ]
        )
    count = len(scaling["queries"])
    return [
        "## Query latency (`python -m bench.scaling`)",
        "",
        f"The same {count} seeded queries at every size, a fifth each: 1–2 keywords, 3–5 keywords,",
        "quoted two-word phrases from titles, a keyword in a one-month date window, and a keyword with",
        "a place filter (searchidx: `place:` over its extracted entities; peers: the Reuters PLACES",
        "tags). All parts ANDed, top 10, milliseconds. searchidx runs on its index with entities.",
        "**Cold**: each engine's in-process caches emptied before every query (searchidx: its",
        "term-score and lookup caches; Whoosh and tantivy: a fresh searcher; FTS5: a fresh",
        "connection), with snippets; the system's page cache is warm for all. **Warm**: the",
        "queries in order after a warm-up over the first ten, caches kept (live search repeats",
        "words). Wall ms unless CPU is said.",
        "",
        *_table(
            [
                "articles",
                "engine",
                "cold p50 / p95 / p99",
                "cold CPU p95",
                "warm p50 / p95 / p99 with snippets",
                "warm, without snippets",
                "queries with hits",
            ],
            rows,
        ),
        *_by_kind(scaling),
        "![Indexing time and query p95 against collection size](scaling.png)",
        "",
    ]


def _by_kind(scaling: Any) -> list[str]:
    """Cold CPU p95 by query kind, where the tail comes from."""
    rows = []
    kinds: list[str] = []
    for r in sorted(scaling["latency"], key=lambda r: (r["size"], list(NAMES).index(r["engine"]))):
        by = r.get("cold_p95_by_kind_cpu")
        if not by:
            continue
        kinds = kinds or sorted(by)
        rows.append([f"{r['size']:,}", NAMES[r["engine"]], *(f"{by.get(k, 0.0):.1f}" for k in kinds)])
    if not rows:
        return []
    return ["Cold CPU p95 (ms) by query kind:", "", *_table(["articles", "engine", *kinds], rows)]


def big_section(big: Any) -> list[str]:
    """The 304,688-article point (``bench.scaling --sizes 304688``): one build per engine, no entities."""
    size = max(r["size"] for r in big["indexing"])
    builds = [
        [
            NAMES[r["engine"]],
            r["workers"],
            f"{r['articles_per_s']:,.0f}",
            f"{r['wall_s']:.0f}",
            f"{r['cpu_s']:.0f}",
            f"{r['peak_rss_mb']:.0f}",
            f"{r['index_mb']:.0f}",
        ]
        for r in big["indexing"]
    ]
    runs = [*big["latency"], *big.get("reference", [])]
    queries = []
    for r in runs:
        kinds = r.get("cold_p95_by_kind_cpu")  # absent in runs from before cold timing
        cold = r.get("cold")
        queries.append(
            [
                f"{r['size']:,}",
                NAMES[r["engine"]] + (f" ({r['label']})" if r.get("label") else ""),
                _triple(cold),
                f"{cold['cpu']['p95']:.1f}" if cold else "–",
                _triple(r["snippets"]),
                f"{kinds['multi-word']:.1f}" if kinds else "–",
                f"{kinds['phrase']:.1f}" if kinds else "–",
                f"{r['answered']}/{r['queries']}",
                str(r.get("refused", 0)),
            ]
        )
    ratio_line = []
    reference = next((r for r in big.get("reference", []) if r["engine"] == "searchidx"), None)
    a = _cold(reference)
    b = _cold(next((r for r in big["latency"] if r["engine"] == "searchidx"), None))
    if a and b is not None and reference is not None:
        verdict = _verdict(b / a <= 2, f"{b / a / 2:.2f}× over")
        ratio_line = [
            f"Target cold p95 at {size:,} ≤ 2× cold p95 at {reference['size']:,} (the reference row): "
            f"{b / a:.2f}× ({b:.1f} vs {a:.1f} ms), {verdict}.",
            "",
        ]
    return [
        f"## {size:,} articles (`python -m bench.scaling --sizes {size}`)",
        "",
        "Reuters ×16 (distinct ids), each engine built once without entities with its faster",
        "writer, and queried on that build with the same queries. searchidx refuses `place:` on an",
        "index without entities and queries over its cost bound: refused queries are counted, not",
        "timed. A reference row, when present, was measured with the same queries on a",
        "76,172-article searchidx index built the same way, after this run.",
        "",
        *_table(["engine", "processes", "articles/s", "wall s", "CPU s", "peak RSS MB", "index MB"], builds),
        *_table(
            [
                "articles",
                "engine",
                "cold p50 / p95 / p99",
                "cold CPU p95",
                "warm p50 / p95 / p99",
                "multi-word p95 (cold CPU)",
                "phrase p95 (cold CPU)",
                "queries with hits",
                "refused",
            ],
            queries,
        ),
        *ratio_line,
    ]


def plot(scaling: Any, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    series: list[tuple[str, Callable[[dict[str, Any]], bool], str]] = [
        (
            f"{NAMES[e]}, {w} proc",
            lambda r, e=e, w=w: (r["engine"], r["workers"], r["entities"]) == (e, w, False),
            style,
        )
        for e in NAMES
        for w, style in ((1, "-o"), (2, "--s"))
    ]
    series.append(
        (
            "searchidx + entities, 2 proc",
            lambda r: (r["engine"], r["workers"], r["entities"]) == ("searchidx", 2, True),
            ":^",
        )
    )
    for label, keep, style in series:
        points = sorted((r["size"], r["wall_s"]) for r in scaling["indexing"] if keep(r))
        if points:
            left.plot(*zip(*points, strict=True), style, label=label)
    for engine in NAMES:
        points = sorted(
            (r["size"], (r.get("cold") or r["snippets"])["p95"])
            for r in scaling["latency"]
            if r["engine"] == engine
        )
        if points:
            right.plot(*zip(*points, strict=True), "-o", label=NAMES[engine])
    titles = ((left, "Indexing time", "seconds"), (right, "Query p95, cold, with snippets", "ms"))
    for axis, title, unit in titles:
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("articles")
        axis.set_ylabel(unit)
        axis.set_title(title)
        axis.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=7)
    right.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def quality_section(quality: Any) -> list[str]:
    lines = [
        "## Ranking quality (`python -m bench.quality --ablations`)",
        "",
        "Topics with punctuation removed, terms OR'd, 1,000 results per topic; trec_eval definitions",
        "via ir-measures. TIME.REL.ALL numbers documents by position in the original file (two records",
        "are missing between positions 371 and 377; `bench/convert.py` maps them).",
        "",
    ]
    for name in ("cacm", "time"):
        table = quality.get(name)
        if not table:
            continue
        rows: list[list[object]] = [
            [k, f"{v['AP']:.4f}", f"{v['nDCG@10']:.4f}", f"{v['P@30']:.4f}"] for k, v in table.items()
        ]
        if name == "cacm":
            rows.append(
                [
                    "Anserini BM25 (published)",
                    f"{ANSERINI_CACM['AP']:.4f}",
                    "-",
                    f"{ANSERINI_CACM['P@30']:.4f}",
                ]
            )
        lines += [f"**{name.upper()}**", "", *_table(["engine", "MAP", "nDCG@10", "P@30"], rows)]
    if quality.get("ablations"):
        names = [n for n in ("cacm", "time") if n in quality]
        rows = [
            [
                "searchidx as shipped (Snowball, stop words, closed forms)",
                *(f"{quality[n]['searchidx']['AP']:.4f}" for n in names),
            ]
        ]
        rows += [
            [variant, *(f"{scores[n]['AP']:.4f}" for n in names)]
            for variant, scores in quality["ablations"].items()
        ]
        lines += [
            "**Analysis ablations (MAP)**: searchidx with one analysis choice changed, each in a",
            "fresh process.",
            "",
            *_table(["variant", *(n.upper() for n in names)], rows),
        ]
    return lines


def ner_section(ner: Any) -> list[str]:
    rows = [
        [
            t["title"],
            *(f"{t['scores'][k]['f1']:.3f}" for k in ("PER", "LOC", "ORG", "ALL")),
            f"{t['tokens_per_s']:,.0f}" if t["tokens_per_s"] else "-",
        ]
        for t in ner
    ]
    return [
        "## Entity quality (`python -m bench.ner_eval`)",
        "",
        "Entity-level exact match, PER/LOC/ORG (MISC ignored). The shipped model is trained on openly",
        "licensed data only (wikigold without its held-out documents, the Broad Twitter Corpus, WNUT-17;",
        "CoNLL-2003 and GMB are for evaluation: see `searchidx/entities/MODEL_CARD.md`).",
        "",
        *_table(["model and data", "PER F1", "LOC F1", "ORG F1", "all F1", "tokens/s"], rows),
    ]


def tui_section(tui: Any) -> list[str]:
    rows = [
        ["documents", f"{tui['documents']:,}"],
        ["import `searchidx.tui`", f"{tui['import_ms']:.0f} ms"],
        ["start-up to first paint", f"{tui['first_paint_ms']:.0f} ms"],
        ["keystroke-to-results p50", f"{tui['p50_ms']:.0f} ms"],
        ["keystroke-to-results p95", f"**{tui['p95_ms']:.0f} ms**"],
        ["slowest", f"{tui['max_ms']:.0f} ms"],
    ]
    return [
        "## Terminal UI (`python -m bench.tui_latency`)",
        "",
        f"Reuters index with entities; {tui['queries']} queries typed one key at a time,",
        f"{tui['delay_ms']:.0f} ms apart; latency from the last keystroke until that query's hits",
        "are painted (debounce included).",
        "",
        *_table(["figure", "value"], rows),
    ]


def render(results: Path, docs: Path) -> Path:
    env = _load(results, "environment") or {}
    cold, scaling, quality = (
        _load(results, "cold_start"),
        _load(results, "scaling"),
        _load(results, "quality"),
    )
    ner, tui = _load(results, "ner_eval"), _load(results, "tui_latency")
    lines = [
        "# Benchmarks",
        "",
        "Generated by `python -m bench.run` from `../shared/data` (do not edit: rerun it). Every ratio",
        "compares figures taken in the same run on the same machine; the machine is a shared VM, so",
        "absolute times drift between runs more than ratios do.",
        "",
    ]
    if env:
        lines += [
            f"Run {env.get('date', '?')} on {env.get('machine', '?')}. Versions: "
            + ", ".join(f"{k} {v}" for k, v in env.get("versions", {}).items())
            + ".",
            "",
        ]
    lines += targets(cold, scaling, quality, tui, results)
    if cold:
        lines += cold_section(cold)
    if scaling:
        lines += indexing_section(scaling) + latency_section(scaling)
        plot(scaling, docs / "scaling.png")
    big = _load(results, "scaling-304k")
    if big:
        lines += big_section(big)
    if quality:
        lines += quality_section(quality)
    if ner:
        lines += ner_section(ner)
    if tui:
        lines += tui_section(tui)
    notes = Path(__file__).with_name("notes.md")  # the hand-written part, kept beside the generator
    if notes.exists():
        lines += [notes.read_text().strip(), ""]
    out = docs / "benchmarks.md"
    out.write_text("\n".join(lines).rstrip() + "\n")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    print(f"wrote {render(args.results, args.docs)}")


if __name__ == "__main__":
    main()
