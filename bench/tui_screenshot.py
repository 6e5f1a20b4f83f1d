"""Export the README screenshot of the TUI on the bundled seeds (written by the app itself).

Usage: python -m bench.tui_screenshot [--out docs/tui.svg]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


async def shoot(out: Path) -> None:
    from searchidx import Index
    from searchidx.ingest import bundled_seeds
    from searchidx.tui import create_app
    from searchidx.tui.widgets import ResultsList

    with tempfile.TemporaryDirectory() as tmp, Index.build(Path(tmp) / "ix", [bundled_seeds()]) as index:
        app = create_app(index=index, timings=False)
        async with app.run_test(size=(130, 38)) as pilot:
            for key in "ceasefire":
                await pilot.press(key)
            for _ in range(5):
                await pilot.pause(0.3)
            app.screen.query_one(ResultsList).focus()
            await pilot.press("down", "up")
            for _ in range(3):
                await pilot.pause(0.3)
            await pilot.press("n")
            await pilot.pause(0.3)
            app.save_screenshot(filename=out.name, path=str(out.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "tui.svg")
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    asyncio.run(shoot(args.out))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
