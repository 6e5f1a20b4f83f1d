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

import pytest

from searchidx.entities import annotate_many
from searchidx.ingest import bundled_seeds

_CHILD = """
import dataclasses, json, sys
from searchidx.cli import RELEASE
from searchidx.entities import annotate_many, tagger
articles = [tuple(a) for a in json.load(sys.stdin)]
found = [[dataclasses.astuple(e) for e in row] for row in annotate_many(articles)]
print(json.dumps({"compiled": not tagger.__file__.endswith(".py"), "release": RELEASE, "found": found}))
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


def test_the_installed_entity_modules_find_what_the_source_finds(tmp_path: Path) -> None:
    seeds = [
        (path.stem, path.read_text(encoding="utf-8"), True) for path in sorted(bundled_seeds().iterdir())
    ]
    articles = seeds + _MORE
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SEARCHIDX_NER_MODEL")}
    child = subprocess.run(
        [sys.executable, "-P", "-c", _CHILD],
        cwd=tmp_path,
        input=json.dumps(articles),
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    installed = json.loads(child.stdout)
    assert ("compiled with mypyc" in installed["release"]) == installed[
        "compiled"
    ]  # searchidx --version says
    if os.environ.get("SEARCHIDX_COMPILE", "").lower() in ("yes", "1", "true"):
        assert installed["compiled"], (
            "SEARCHIDX_COMPILE=yes, but the installed entity modules are not compiled"
        )
    elif not installed["compiled"]:
        pytest.skip("the installed searchidx is not compiled (an editable install runs the source itself)")
    expected = [[list(dataclasses.astuple(e)) for e in row] for row in annotate_many(articles)]
    assert installed["found"] == expected
    assert any(row for row in expected)
