"""HTML article extraction against hand-marked pages (issue 13).

Usage: python -m bench.html_extraction [--fixtures DIR] [--json]

Reads every saved page in tests/fixtures/html (``.html``, ``.htm``, ``.xhtml``) through searchidx's
own reader (``searchidx.ingest.read_file``, as ``searchidx index`` does) and compares it with the
page's hand-marked answer, ``NAME.expected.json`` (``title``, ``date``: ISO 8601 or null for a page
whose metadata gives no publication date, ``text``: the article body as a reader would mark it).
Per page and overall it prints:
  * title exact: the extracted title equals the hand-marked one (spaces collapsed);
  * date exact: the same instant, or both missing (a page without a publication date must stay
    undated);
  * body token F1: tokens are lower-cased words (runs of letters and digits; a Chinese or Japanese
    character is a token by itself, those scripts having no spaces), compared as multisets:
    precision = shared / extracted, recall = shared / hand-marked.
Target (issue 13): title and date exact on every page, body F1 >= 0.9 on every page.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

# The check itself lives with its test (tests never import bench): the same scores, asserted there.
from tests.test_html_fixtures import F1_TARGET, FIXTURES, pages, score_page


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixtures", type=Path, default=FIXTURES, help="folder of pages and answers")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON as well")
    args = parser.parse_args(argv)
    found = pages(args.fixtures)
    if not found:
        print(f"no pages with answers in {args.fixtures}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    scores = [score_page(page) for page in found]
    elapsed = time.perf_counter() - start
    width = max(len(s.name) for s in scores)
    print(f"{'page':<{width}}  title  date    P      R      F1    ")
    for s in scores:
        flag = "" if s.passed else "  <- below target"
        print(
            f"{s.name:<{width}}  {'yes' if s.title_ok else 'NO ':<5}  {'yes' if s.date_ok else 'NO ':<4}  "
            f"{s.precision:.3f}  {s.recall:.3f}  {s.f1:.3f}{flag}"
        )
        if not s.title_ok:
            print(f"    title: {s.title!r}")
        if not s.date_ok:
            print(f"    date: {s.date}")
        for note in s.problems:
            print(f"    problem: {note}")
    f1s = [s.f1 for s in scores]
    titles, dates = sum(s.title_ok for s in scores), sum(s.date_ok for s in scores)
    below = [s.name for s in scores if s.f1 < F1_TARGET]
    print(
        f"\n{len(scores)} pages in {elapsed:.2f} s: title exact {titles}/{len(scores)}, "
        f"date exact {dates}/{len(scores)}, body token F1 mean {sum(f1s) / len(f1s):.3f}, "
        f"min {min(f1s):.3f} ({min(scores, key=lambda s: s.f1).name}), "
        f"{len(scores) - len(below)}/{len(scores)} pages >= {F1_TARGET}"
    )
    ok = all(s.passed for s in scores)
    print("target (title and date exact on all pages, F1 >= 0.9 on every page):", "met" if ok else "NOT met")
    if args.json:
        print(json.dumps([asdict(s) for s in scores], ensure_ascii=False, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
