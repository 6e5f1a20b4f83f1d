"""TUI latency on Reuters-21578: keystroke-to-results (p50/p95) and start-up to first paint.

Usage: python -m bench.tui_latency [--index bench/data/index-reuters] [--delay 0.08] [--out FILE]

Builds the index (with entities) from bench/data/reuters.jsonl if it is missing
(run ``python -m bench.convert reuters`` first). Each query is typed one key at
a time; latency runs from the last keystroke until that query's hits are painted,
and, after typing stops, until the preview and the facets (and timeline) are painted
(the preview once any paragraph widgets it mounted are mounted and a refresh has followed).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
QUERIES = (
    "oil prices, opec output, coffee brazil, interest rates, bank of japan, trade deficit, wheat exports, "
    "gold, dollar yen, stock market, merger, takeover bid, crude oil, soybean, sugar, tin, copper, "
    "money supply, inflation, unemployment, federal reserve, bundesbank, trade surplus, gulf, iran, tokyo, "
    "london, earnings, dividend, acquisition, shares, debt, loan, brazil debt, cocoa, rubber, cotton, corn, "
    "grain, ship, strike, tax, budget, reagan, baker, volcker, gatt, japan, china, argentina, mexico, "
    "canada, ibm, chrysler, texaco, exxon, petroleum, natural gas, coal, opec meeting, grain exports, "
    "oil reserves, interest rate cut, central bank, stock split, quarterly profit, net loss, share buyback, "
    "steel, aluminium, nickel, zinc, silver, platinum, palm oil, vegetable oil, orange juice, livestock, "
    "hogs, cattle, barley, rice, sorghum, rapeseed, sunflower, jet fuel, heating oil, gasoline, refinery, "
    "pipeline, opec quota, saudi arabia, kuwait, iraq, nigeria, venezuela, indonesia, west germany, france, "
    "italy, britain, australia, south africa, soviet union, poland, yen intervention, currency markets, "
    "bond yields, treasury bills, prime rate, mortgage, housing starts, retail sales, consumer prices"
).split(", ")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def drive(index: Any, delay: float) -> dict[str, Any]:
    from searchidx.tui import create_app
    from searchidx.tui.screens.search import SearchScreen
    from searchidx.tui.text import live_query
    from searchidx.tui.widgets import Preview, QueryBar

    painted: list[tuple[str, float]] = []
    details: list[tuple[str, float]] = []  # ("preview" | "facets", painted at)
    original = SearchScreen.show_results
    original_preview = SearchScreen.show_preview
    original_facets = SearchScreen.show_facets

    def record(self: SearchScreen, request: Any, results: Any) -> None:
        original(self, request, results)
        self.app.call_after_refresh(lambda: painted.append((request.query, time.perf_counter())))

    waiting: set[asyncio.Task[None]] = set()

    def record_preview(self: SearchScreen, *args: Any, **kwargs: Any) -> None:
        original_preview(self, *args, **kwargs)
        preview = self.query_one(Preview)
        if all(child.is_mounted for child in preview.children):
            # Nothing mounted: painted in the next refresh. (Waiting in a task would also count
            # what runs before the task does, such as the garbage collection after the details.)
            self.app.call_after_refresh(lambda: details.append(("preview", time.perf_counter())))
            return

        async def when_mounted() -> None:
            # Widgets the preview mounts are laid out and painted in a refresh after they
            # have mounted: a refresh right after show_preview would come before that.
            while not all(child.is_mounted for child in preview.children):
                await asyncio.sleep(0.001)
            self.app.call_after_refresh(lambda: details.append(("preview", time.perf_counter())))

        task = asyncio.ensure_future(when_mounted())
        waiting.add(task)
        task.add_done_callback(waiting.discard)

    def record_facets(self: SearchScreen, request: Any, facets: Any) -> None:
        original_facets(self, request, facets)
        self.app.call_after_refresh(lambda: details.append(("facets", time.perf_counter())))

    SearchScreen.show_results = record  # type: ignore[method-assign]
    SearchScreen.show_preview = record_preview  # type: ignore[method-assign]
    SearchScreen.show_facets = record_facets  # type: ignore[method-assign]
    started = time.perf_counter()
    app = create_app(index=index, timings=False)
    latencies: list[float] = []
    settled: dict[str, list[float]] = {"preview": [], "facets": []}
    async with app.run_test(size=(120, 36)) as pilot:
        first_paint = time.perf_counter() - started
        bar = app.screen.query_one(QueryBar)
        for query in QUERIES:
            bar.input.value = ""
            await pilot.pause(0.3)
            for key in query[:-1]:
                await pilot.press(key if key != " " else "space")
                await asyncio.sleep(delay)
            painted.clear()
            details.clear()
            last_key = time.perf_counter()
            await pilot.press(query[-1])
            wanted = live_query(query)
            for _ in range(400):
                done = [t for q, t in painted if q == wanted and t >= last_key]
                if done:
                    latencies.append((done[0] - last_key) * 1000)
                    break
                await asyncio.sleep(0.002)
            # Typing has stopped: the preview and the facets (with the timeline) follow the pause.
            for _ in range(1500):
                kinds = {kind for kind, t in details if t >= last_key}
                if kinds >= {"preview", "facets"} or not painted:
                    break
                await asyncio.sleep(0.002)
            for kind in settled:
                times = [t for k, t in details if k == kind and t >= last_key]
                if times:
                    settled[kind].append((times[-1] - last_key) * 1000)
    SearchScreen.show_results = original  # type: ignore[method-assign]
    SearchScreen.show_preview = original_preview  # type: ignore[method-assign]
    SearchScreen.show_facets = original_facets  # type: ignore[method-assign]
    return {
        "queries": len(latencies),
        "first_paint_ms": first_paint * 1000,
        "latencies": latencies,
        "settled": settled,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=ROOT / "bench" / "data" / "index-reuters")
    parser.add_argument("--docs", type=Path, default=ROOT / "bench" / "data" / "reuters.jsonl")
    parser.add_argument("--delay", type=float, default=0.08, help="seconds between keystrokes")
    parser.add_argument("--out", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    started = time.perf_counter()
    import searchidx.tui  # noqa: F401  (measured: Textual's import cost)

    import_ms = (time.perf_counter() - started) * 1000
    from searchidx import Index, IndexNotFound, IndexVersionError

    try:
        index = Index.open(args.index)
    except (IndexNotFound, IndexVersionError):
        print(f"building {args.index} from {args.docs} (entities on) ...")
        index = Index.build(args.index, [args.docs], rebuild=True)
    result = asyncio.run(drive(index, args.delay))
    lat = result.pop("latencies")
    settled = result.pop("settled")
    for kind, values in settled.items():
        if values:
            result[f"{kind}_p50_ms"] = statistics.median(values)
            result[f"{kind}_p95_ms"] = percentile(values, 0.95)
            result[f"{kind}_count"] = len(values)
    result.update(
        documents=index.stats().documents,
        typed=len(QUERIES),
        delay_ms=args.delay * 1000,
        import_ms=import_ms,
        p50_ms=statistics.median(lat),
        p95_ms=percentile(lat, 0.95),
        max_ms=max(lat),
    )
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))
    print(f"documents: {result['documents']}; typed queries: {result['queries']} of {len(QUERIES)}")
    print(
        f"import searchidx.tui: {import_ms:.0f} ms; "
        f"start-up to first paint: {result['first_paint_ms']:.0f} ms"
    )
    print(
        f"keystroke-to-results ms: p50 {result['p50_ms']:.1f}  p95 {result['p95_ms']:.1f}  "
        f"max {result['max_ms']:.1f}  (debounce included; {args.delay * 1000:.0f} ms between keys)"
    )
    for kind in ("preview", "facets"):
        also = "; the timeline lands with the facets" if kind == "facets" else ""
        if f"{kind}_p95_ms" in result:
            print(
                f"{kind} on screen after the last key: p50 {result[f'{kind}_p50_ms']:.0f}  "
                f"p95 {result[f'{kind}_p95_ms']:.0f} ms ({result[f'{kind}_count']} queries; "
                f"the pause before it included{also})"
            )


if __name__ == "__main__":
    main()
