"""Shared fixtures: a tiny hand-written corpus and indexes built from it and from seeds/."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from searchidx import Index
from searchidx.entities.gazetteer import Gazetteer
from searchidx.entities.train import to_bio2, train
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


# Tiny hand-written training set: enough for a CRF to learn these names.
TRAIN = [
    "Vladimir/PER Putin/PER met/O Recep/PER Tayyip/PER Erdogan/PER in/O Sochi/LOC ./O",
    "Erdogan/PER said/O NATO/ORG would/O meet/O in/O Ankara/LOC ./O",
    "Putin/PER spoke/O to/O reporters/O in/O Moscow/LOC on/O Monday/O ./O",
    "The/O United/ORG Nations/ORG warned/O about/O Idlib/LOC ./O",
    "Mevlüt/PER Çavuşoğlu/PER visited/O Moscow/LOC ./O",
    "Foreign/O Minister/O Mevlut/PER Cavusoglu/PER spoke/O ./O",
    "Focus/O on/O Libya/LOC too/O",
    "Plus/O :/O",
]


def fixture_sentences() -> list[tuple[list[str], list[str]]]:
    out = []
    for line in TRAIN:
        pairs = [item.rsplit("/", 1) for item in line.split()]
        out.append(([w for w, _ in pairs], to_bio2([("I-" + t if t != "O" else "O") for _, t in pairs])))
    return out


@pytest.fixture(scope="session")
def fixture_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ner") / "fixture.crfsuite"
    train(fixture_sentences() * 3, path, Gazetteer(), c1=0.0, c2=0.01, max_iterations=100)
    return path


@pytest.fixture
def entity_index(fixture_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Index:
    monkeypatch.setenv("SEARCHIDX_NER_MODEL", str(fixture_model))
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        " date 2018-09-17 Putin and Erdogan meet\n\nVladimir Putin met Recep Tayyip Erdogan in Sochi .\n\n"
        "Erdogan said NATO would meet in Ankara .\n\nPlus :\n\nFocus on Libya too\n"
    )
    (corpus / "b.txt").write_text(
        " date 2020-02-06 Talks in Moscow\n\nMevlüt Çavuşoğlu visited Moscow .\n\n"
        "Putin spoke to reporters in Moscow on Monday .\n"
    )
    (corpus / "c.txt").write_text("Warning on Idlib\n\nThe United Nations warned about Idlib .\n")
    return Index.build(tmp_path / "ix", [corpus], workers=1)


@pytest.fixture
def quick_pause(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Preview, facets and timeline follow a search after 0.05 s instead of the app's 0.3 s.

    Every TUI test waited that pause after each search (about 18 s of the TUI files' 50 s).
    Tests that type a query key by key and look at what the pause brings (the pause itself,
    previews counted, snapshots), marked ``typing_pause``, keep the app's own: a short pause
    runs out between keys on a loaded machine and shows a preview of a partial query.
    """
    if request.node.get_closest_marker("typing_pause") is None:
        from searchidx.tui.screens import live_search

        monkeypatch.setattr(live_search, "FACETS_AFTER_SECONDS", 0.05)


@pytest.fixture
def quick_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    """Textual's pilot looks for an idle app in 5 ms windows instead of 20 ms ones.

    ``pilot.press`` waits for idle twice per key (40 ms a key at least: most of a TUI
    test's time went there); the same test of "idle" (under 5% of a core busy over the
    window), checked more often. The app's own timers are untouched, and tests still wait
    for the app itself with their own ``settle``.
    """
    import textual._wait as wait

    monkeypatch.setattr(wait, "SLEEP_GRANULARITY", 0.005)
    monkeypatch.setattr(wait, "SLEEP_IDLE", 0.005 / 20)
