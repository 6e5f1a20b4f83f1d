"""Features and training helpers of the entity model (no shipped model needed)."""

from __future__ import annotations

from pathlib import Path

from searchidx.entities.features import sentence_features
from searchidx.entities.gazetteer import Gazetteer, read_clusters
from searchidx.entities.train import (
    build_casing,
    read_casing,
    read_documents,
    wikigold_documents,
    wikigold_split,
)
from searchidx.entities.wordclusters import coarse_clusters, exchange_clusters, write_clusters


def test_company_agency_and_place_cues() -> None:
    words = "He joined the Ministry of Defence , not Apple Computer Inc , in Paris .".split()
    feats = sentence_features(words, Gazetteer())
    ministry, defence = feats[3], feats[5]
    assert "runag" in ministry and "runag" in defence and "run=B" in ministry and "run=E" in defence
    assert "runco" in feats[8] and "runco" in feats[10] and "runco" not in feats[3]
    assert "-1placeprep" in feats[13]


def test_title_two_words_before_a_name() -> None:
    feats = sentence_features("President Vladimir Putin said".split(), Gazetteer())
    assert "-1percue" in feats[1] and "-2percue" in feats[2]


def test_all_caps_lines_drop_capital_features_and_use_casing() -> None:
    gazetteer = Gazetteer(casing={"japan": "C", "win": "l"})
    feats = sentence_features("JAPAN GET LUCKY WIN".split(), gazetteer)
    assert all("capsline" in f and "cap" not in f and "upper" not in f for f in feats)
    assert "ctc=C" in feats[0] and "ctc=l" in feats[3] and "ctc=?" in feats[1]
    normal = sentence_features("Japan will win".split(), gazetteer)
    assert "cap" in normal[0] and "tc=C" in normal[0] and "tc=l" in normal[2]
    assert not any(f.startswith("ctc=") for f in normal[0])


def test_read_documents_and_wikigold_split(tmp_path: Path) -> None:
    path = tmp_path / "wiki.conll"
    docs = [f"Doc{i} I-PER\nsaid O\n\nAgain O\n" for i in range(10)]
    path.write_text("-DOCSTART- O\n".join(docs))
    documents = read_documents(path)
    assert len(documents) == 10 and documents[0] == [(["Doc0", "said"], ["B-PER", "O"]), (["Again"], ["O"])]
    train_part, held_out = wikigold_split(path)
    assert [s[0][0] for s in held_out if s[0][0] != "Again"] == ["Doc4", "Doc9"]
    assert len(train_part) == 16 and len(held_out) == 4
    train_docs, held_docs = wikigold_documents(path)
    assert held_docs == [documents[4], documents[9]] and len(train_docs) == 8
    assert [s for doc in train_docs for s in doc] == train_part


def test_casing_list_from_unlabelled_text(tmp_path: Path) -> None:
    text = tmp_path / "news.conll"
    rows = ["The O", "Bank O", "of O", "Japan O", "said O", "a O", "bank O", "rose O", "."]
    text.write_text(("\n".join(rows) + "\n\n") * 3 + "JAPAN O\nGETS O\nBANK O\n\n")
    assert build_casing(text, tmp_path, min_count=3) == 6
    casing = read_casing(tmp_path)
    assert casing["japan"] == "C" and casing["bank"] == "M" and casing["said"] == "l"
    assert "the" not in casing  # sentence-initial words say nothing about case
    assert read_casing(tmp_path / "missing") == {}


def test_exchange_clusters_group_words_seen_in_the_same_contexts(tmp_path: Path) -> None:
    text = [
        f"{name} said on {day} that the {noun} rose".split()
        for name in ("Smith", "Jones", "Brown")
        for day in ("Monday", "Friday", "Tuesday")
        for noun in ("index", "dollar", "yen")
    ]
    fine = exchange_clusters(text, classes=8, min_count=1)
    assert fine["Smith"] == fine["Jones"] == fine["Brown"]
    assert fine["Monday"] == fine["Friday"] and fine["index"] == fine["yen"]
    assert fine["Smith"] != fine["Monday"] != fine["index"]
    assert exchange_clusters(text, classes=8, min_count=1) == fine  # deterministic
    coarse = coarse_clusters(text, fine, classes=3)
    assert write_clusters(fine, coarse, tmp_path / "clusters.txt") == len(fine)
    clusters = read_clusters(tmp_path)
    assert clusters["Smith"] == f"{coarse[fine['Smith']]}-{fine['Smith']}"
    feats = sentence_features("Smith said".split(), Gazetteer(clusters=clusters))
    assert f"c={fine['Smith']}" in feats[0] and f"-1c={coarse[fine['Smith']]}" in feats[1]
    unknown = sentence_features(["Zed"], Gazetteer(clusters=clusters))[0]
    assert "c=?" in unknown and "cc=?" in unknown


def test_acronym_after_a_name_in_brackets() -> None:
    words = "the Kurdistan Democratic Party ( KDP ) and Europe ( OSCE ) ( 1 ) ( A )".split()
    feats = sentence_features(words, Gazetteer())
    assert "acro" in feats[5] and "runag" in feats[5]
    assert "acro" in feats[10] and "runag" not in feats[10]
    assert "acro" not in feats[13] and "acro" not in feats[16]


def test_searchidx_entities_train_makes_a_model_from_your_own_files(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from searchidx.cli import main
    from searchidx.entities.tagger import Tagger

    people, places = ["Alice Moreau", "Bruno Keller", "Chiara Lenz"], ["Lyon", "Graz", "Turin"]
    lines = []
    for i in range(30):
        first, last = people[i % 3].split()
        lines += [f"{first} B-PER", f"{last} I-PER", "visited O", f"{places[i % 3]} B-LOC", ". O", ""]
    mine = tmp_path / "mine.conll"
    mine.write_text("\n".join(lines), encoding="utf-8")
    runner = CliRunner()
    model = tmp_path / "mine.crfsuite"
    done = runner.invoke(main, ["entities", "train", str(mine), "-o", str(model), "--iterations", "20"])
    assert done.exit_code == 0, done.output
    assert "trained on 30 sentences" in done.output and f"SEARCHIDX_NER_MODEL={model}" in done.output
    found = Tagger(model).extract("Bruno Keller visited Graz .")
    assert [(e.text, e.label) for e in found] == [("Bruno Keller", "person"), ("Graz", "place")]
    untagged = tmp_path / "plain.conll"
    untagged.write_text("just O\nwords O\n", encoding="utf-8")
    for args, reason in (
        ([str(tmp_path / "missing.conll")], "no such file"),
        ([str(untagged)], "no PER, LOC or ORG tags"),
    ):
        failed = runner.invoke(main, ["entities", "train", *args, "-o", str(model)])
        assert failed.exit_code == 2 and reason in failed.stderr and len(failed.stderr.splitlines()) == 1
