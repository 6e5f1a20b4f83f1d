"""Shared fixtures: a tiny hand-written corpus and indexes built from it and from seeds/."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from searchidx import Index
from searchidx.ingest import bundled_seeds

ARTICLES = {
    "world/peace.txt": " date 2021-03-04 Peace talks resume in Geneva\n\n"
    "Negotiators met in Geneva on Thursday. The cease-fire held overnight, officials said.\n",
    "world/markets.txt": " date 2021-05-20 Oil prices climb as OPEC trims output\n\n"
    "Crude oil rose 3% after OPEC agreed to cut production. Traders expect prices to keep rising.\n",
    "tech/chips.txt": "Chipmakers race to build new factories\n\n"
    "Semiconductor companies announced programming tools and factories. Demand for chips is high.\n",
}

RECORDS = [
    {
        "id": "r1",
        "title": "Ceasefire agreed in the north",
        "date": "2020-01-15T10:00:00+02:00",
        "text": "A ceasefire was agreed on Wednesday.",
        "source": "Wire",
        "url": "https://example.org/r1",
        "topics": ["war"],
    },
    {"id": "r2", "title": "Harvest report", "date": "2020-02-01", "body": "Wheat harvests grew."},
]


def write_corpus(root: Path) -> Path:
    for rel, text in ARTICLES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "feed.jsonl").write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n", encoding="utf-8")
    return root


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "corpus")


@pytest.fixture
def built(corpus: Path, tmp_path: Path) -> Iterator[Index]:
    with Index.build(tmp_path / "ix", [corpus]) as index:
        yield index


@pytest.fixture(scope="session")
def seeds_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    with Index.build(tmp_path_factory.mktemp("seeds") / "ix", [bundled_seeds()]) as index:
        yield index
