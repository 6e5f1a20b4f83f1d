"""The entity modules a wheel compiles (mypyc, ``.ci/build_hook.py``) find what the source finds.

The suite imports the source tree; the installed package is what users run. A child process
started outside the tree (``-P``: no current directory on its path) annotates the same articles
with the installed package. Under ``SEARCHIDX_COMPILE=yes`` (CI) it must be compiled; with an
editable install it is the source itself, and there is nothing to compare.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from searchidx.entities import annotate_many
from searchidx.ingest import bundled_seeds

_CHILD = """
import dataclasses, json, sys
from searchidx.cli import RELEASE
from searchidx.entities import annotate_many, scorer, tagger
articles = [tuple(a) for a in json.load(sys.stdin)]
found = [[dataclasses.astuple(e) for e in row] for row in annotate_many(articles)]
compiled = not tagger.__file__.endswith(".py")
native = scorer._crf is not None
print(json.dumps({"compiled": compiled, "native": native, "release": RELEASE, "found": found}))
"""

_MORE = [
    (
        "REAGAN SAYS U.S. WILL TALK TO OPEC",
        "President Ronald Reagan said on Monday the U.S. would talk to OPEC.",
        False,
    ),
    (
        "Merrill Lynch buys unit",
        "NEW YORK, March 3 - Merrill Lynch and Co Inc said it bought the unit of Standard and Poor's "
        "Corp from the Bank of England. Moody's Investors Service said it may cut the rating.\n"
        "  Shr 1.20 dlrs vs 1.10 dlrs\n  Net 4.5 mln vs 3.9 mln\n Reuter",
        False,
    ),
    (
        "",
        "Mevlüt Çavuşoğlu met Sergei Lavrov in Ankara; Cavusoglu said the International Monetary "
        "Fund (IMF) would help.",
        True,
    ),
]


_LOOPS = """
import json, sys
import numpy as np
from searchidx.entities import scorer
if scorer._crf is None:
    print(json.dumps({"native": False}))
    raise SystemExit
rng = np.random.default_rng(7)
checked = 0
for size in (1, 2, 9, 17):
    for _ in range(40):
        lengths = rng.integers(0, 12, size=int(rng.integers(1, 9))).astype(np.int64)
        lengths[0] = max(int(lengths[0]), 1)
        tokens = int(lengths.sum())
        # coarse weights, so equal scores (ties: the first label wins) happen too
        table = rng.integers(-3, 4, size=(tokens + 5, 5 * size)).astype(np.float64) / 2
        rows = rng.integers(0, tokens + 5, size=tokens).astype(np.int64)
        ends = np.cumsum(lengths)
        position = np.arange(tokens) - np.repeat(ends - lengths, lengths)
        left = np.repeat(ends, lengths) - np.arange(tokens) - 1
        expected = scorer.base_scores(table[rows], position, left, size)
        found = np.empty((tokens, size))
        scorer._crf.base_scores(found, table, rows, lengths, size)
        assert np.array_equal(found, expected), (size, lengths.tolist())
        trans = rng.integers(-2, 3, size=(size, size)).astype(np.float64) / 2
        paths = np.frombuffer(scorer._crf.best_paths(expected, lengths, trans), dtype=np.uint8)
        reference = scorer.best_paths(expected, lengths, trans)
        assert paths.tolist() == reference.tolist(), (size, lengths.tolist())
        checked += 1
two = np.array([2])
for bad in (
    lambda: scorer._crf.base_scores(np.empty((2, 3)), np.zeros((1, 15)), np.array([0, 1]), two, 3),  # row 1
    lambda: scorer._crf.best_paths(np.zeros((3, 2)), two, np.zeros((2, 2))),  # 2 of 3 tokens
    lambda: scorer._crf.best_paths(np.zeros((3, 2), dtype=np.float32), np.array([3]), np.zeros((2, 2))),
):
    try:
        bad()
    except (IndexError, ValueError, TypeError):
        checked += 1
    else:
        raise AssertionError("bad input accepted")
print(json.dumps({"native": True, "checked": checked}))
"""


def _installed(script: str, tmp_path: Path, stdin: str = "") -> dict[str, Any]:
    """What ``script`` prints, run by the installed package (a child outside the source tree)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SEARCHIDX_NER_MODEL")}
    child = subprocess.run(
        [sys.executable, "-P", "-c", script],
        cwd=tmp_path,
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    found: dict[str, Any] = json.loads(child.stdout)
    return found


def _must_be_compiled() -> bool:
    return os.environ.get("SEARCHIDX_COMPILE", "").lower() in ("yes", "1", "true")


def test_the_installed_scorer_loops_in_c_give_the_numpy_results(tmp_path: Path) -> None:
    """The wheel's C loops (``_crf.c``) against the NumPy reference on random batches, ties included."""
    installed = _installed(_LOOPS, tmp_path)
    if not installed["native"]:
        if _must_be_compiled():
            pytest.fail("SEARCHIDX_COMPILE=yes, but the installed scorer has no compiled loops (_crf)")
        pytest.skip("the installed searchidx has no compiled loops (an editable install runs the source)")
    assert installed["checked"] == 4 * 40 + 3


def test_the_installed_entity_modules_find_what_the_source_finds(tmp_path: Path) -> None:
    seeds = [
        (path.stem, path.read_text(encoding="utf-8"), True) for path in sorted(bundled_seeds().iterdir())
    ]
    articles = seeds + _MORE
    installed = _installed(_CHILD, tmp_path, json.dumps(articles))
    # searchidx --version says what the installed package runs
    assert ("compiled with mypyc" in installed["release"]) == installed["compiled"]
    assert ("scoring loops in C" in installed["release"]) == installed["native"]
    if _must_be_compiled():
        assert installed["compiled"], (
            "SEARCHIDX_COMPILE=yes, but the installed entity modules are not compiled"
        )
    elif not installed["compiled"]:
        pytest.skip("the installed searchidx is not compiled (an editable install runs the source itself)")
    expected = [[list(dataclasses.astuple(e)) for e in row] for row in annotate_many(articles)]
    assert installed["found"] == expected
    assert any(row for row in expected)
