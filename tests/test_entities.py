from __future__ import annotations

from pathlib import Path

import pytest

from searchidx import EntityModelError, Filters, Index, IndexVersionError
from searchidx.entities import annotate, canonicalize, extract_entities, name_key
from searchidx.entities.decode import decode, raw_spans
from searchidx.entities.features import sentence_features
from searchidx.entities.gazetteer import Gazetteer, gazetteer_marks
from searchidx.entities.tokens import sentences
from searchidx.entities.train import evaluate, read_conll, spans_from_bio, to_bio2
from searchidx.entities.word_entries import shape
from searchidx.models import Entity


def test_tokens_keep_offsets_and_split_possessives() -> None:
    text = "Erdogan's talks with Bashar al-Assad in the U.S. ended. Next."
    (words, starts, ends), second = sentences(text)
    assert words[:2] == ["Erdogan", "'s"] and "al-Assad" in words and "U.S." in words
    assert all(text[s:e] == w for w, s, e in zip(words, starts, ends, strict=True))
    assert second[0] == ["Next", "."]


def test_shape_and_gazetteer_marks() -> None:
    assert shape("Erdogan") == "Xx" and shape("U.S.") == "X.X." and shape("1987") == "d"
    assert gazetteer_marks(["in", "Black", "Sea", "ports"], {"black sea"}) == ["", "B", "I", ""]
    assert gazetteer_marks(["black", "sea"], {"black sea"}) == ["", ""]  # only capitalised runs
    feats = sentence_features(["President", "Putin"], Gazetteer())
    assert "-1percue" in feats[1] and "cap" in feats[1]


def test_bio_conversion_and_scoring() -> None:
    assert to_bio2(["I-PER", "I-PER", "O", "I-LOC", "B-LOC"]) == ["B-PER", "I-PER", "O", "B-LOC", "B-LOC"]
    assert spans_from_bio(["B-PER", "I-PER", "O", "B-MISC"]) == {(0, 2, "PER")}
    table = evaluate([["B-PER", "I-PER", "O", "B-LOC"]], [["B-PER", "I-PER", "O", "B-ORG"]])
    assert table["PER"]["f1"] == 1.0 and table["LOC"]["recall"] == 0.0
    assert table["ALL"]["precision"] == pytest.approx(0.5)


def test_read_conll_two_and_four_columns(tmp_path: Path) -> None:
    four = tmp_path / "a.txt"
    four.write_text("-DOCSTART- -X- O O\n\nEU NNP I-NP I-ORG\nrejects VBZ I-VP O\n\nPeter NNP I-NP I-PER\n")
    assert list(read_conll(four)) == [(["EU", "rejects"], ["B-ORG", "O"]), (["Peter"], ["B-PER"])]


def test_decode_trims_titles_and_context() -> None:
    words = "Foreign Minister Mevlut Cavusoglu told Sunday".split()
    assert decode(words, ["B-ORG", "I-ORG", "I-ORG", "I-ORG", "O", "B-LOC"]) == [(2, 4, "PER")]
    words = "Dmitry Peskov told RIA Novosti".split()
    assert decode(words, ["B-PER"] + ["I-PER"] * 4) == [(0, 2, "PER"), (3, 5, "PER")]
    assert raw_spans(["I-LOC", "O"]) == [(0, 1, "LOC")]
    # "General" and one word: a firm when the word is a plural or common word and no name.
    for name, spans in [("Motors", [(0, 2, "ORG")]), ("Electric", [(0, 2, "ORG")]), ("Zia", [(1, 2, "PER")])]:
        assert decode(["General", name, "said"], ["B-ORG", "I-ORG", "O"]) == spans, name
    for surname in ("Williams", "Adams", "Gladys"):  # first and last name; last name only; first name only
        assert decode(["General", surname, "said"], ["B-ORG", "I-ORG", "O"]) == [(1, 2, "PER")], surname


def test_name_keys_fold_and_drop_particles() -> None:
    assert name_key("Bashar al-Assad") == name_key("Bashar Assad") == "bashar assad"
    assert name_key("Mevlüt Çavuşoğlu") == name_key("Mevlut Cavusoglu")
    assert name_key("Erdogan's") == "erdogan"


def test_canonicalize_merges_short_mentions_and_labels() -> None:
    found = [
        Entity("Recep Tayyip Erdogan", "person", 0, 1),
        Entity("Erdogan", "org", 0, 1),  # mislabelled surname joins the person
        Entity("Erdogan", "person", 0, 1),
        Entity("Bashar al-Assad", "person", 0, 1),
        Entity("Assad", "person", 0, 1),
        Entity("Sochi", "place", 0, 1),
        Entity("Sochi", "org", 0, 1),
        Entity("Sochi", "place", 0, 1),
        Entity("Erdogan and Assad", "org", 0, 1),
    ]
    merged = {(e.label, e.name): e.mentions for e in canonicalize(found)}
    assert merged == {
        ("person", "Recep Tayyip Erdogan"): 4,
        ("person", "Bashar al-Assad"): 3,
        ("place", "Sochi"): 3,
    }


def test_ambiguous_surname_is_not_merged() -> None:
    found = [
        Entity("George Bush", "person", 0, 1),
        Entity("Jeb Bush", "person", 0, 1),
        Entity("Bush", "person", 0, 1),
    ]
    names = sorted(e.name for e in canonicalize(found))
    assert names == ["Bush", "George Bush", "Jeb Bush"]


def test_display_prefers_diacritics_on_tie() -> None:
    found = [Entity("Mevlut Cavusoglu", "person", 0, 1), Entity("Mevlüt Çavuşoğlu", "person", 0, 1)]
    assert [e.name for e in canonicalize(found)] == ["Mevlüt Çavuşoğlu"]


def test_an_unreadable_model_says_how_to_fix_it(tmp_path: Path) -> None:
    from searchidx.entities.scorer import CrfModel

    damaged = tmp_path / "model.crfsuite"
    damaged.write_bytes(b"not a model")
    with pytest.raises(EntityModelError, match=r"cannot be read .*searchidx entities train"):
        CrfModel(damaged)
    with pytest.raises(EntityModelError, match="not found"):
        CrfModel(tmp_path / "missing.crfsuite")


def test_shipped_model_loads_and_gives_consistent_offsets() -> None:
    text = "Russian President Vladimir Putin met German Chancellor Angela Merkel in Berlin on Monday."
    found = extract_entities(text)
    assert found, "the packaged model found nothing"
    for entity in found:
        assert text[entity.start : entity.end] == entity.text
        assert entity.label in ("person", "place", "org")


def test_entity_filters_in_query_and_api(entity_index: Index) -> None:
    assert {h.id for h in entity_index.search("person:erdogan").hits} == {"a.txt"}
    assert {h.id for h in entity_index.search("person:putin").hits} == {"a.txt", "b.txt"}
    assert entity_index.search("person:cavusoglu").total == 1  # no diacritics typed
    assert entity_index.search('person:"recep tayyip erdogan"').total == 1
    assert entity_index.search("place:sochi").total == 1
    assert entity_index.search("entity:nato").total == 1
    assert entity_index.search("moscow", filters=Filters(people=["putin"])).total == 1
    assert entity_index.search("-person:putin").total == 1
    assert entity_index.search("person:sochi").total == 0  # a place is not a person
    # A full name also finds an article that names the person by surname only,
    # as the facet count does (b.txt says just "Putin").
    assert {h.id for h in entity_index.search('person:"vladimir putin"').hits} == {"a.txt", "b.txt"}


def test_hits_carry_canonical_entities(entity_index: Index) -> None:
    hit = entity_index.search("sochi").hits[0]
    assert hit.entities["person"][:2] == ("Recep Tayyip Erdogan", "Vladimir Putin")
    assert "Plus" not in str(hit.entities) and "Focus" not in str(hit.entities)
    assert hit.to_dict()["entities"]["place"][0] in ("Sochi", "Ankara", "Libya")


def test_facets_count_articles_and_months(entity_index: Index) -> None:
    facets = entity_index.facets()
    assert facets.total == 3
    people = {v.name: v.count for v in facets.people}
    assert people["Vladimir Putin"] == 2 and people["Recep Tayyip Erdogan"] == 1
    assert facets.months == (("2018-09", 1), ("2020-02", 1)) and facets.undated == 1
    assert {v.name for v in entity_index.facets("idlib").orgs} == {"United Nations"}


def test_index_records_entity_model(entity_index: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    assert entity_index.stats().versions["entity_model"].startswith("fixture.crfsuite@")
    monkeypatch.delenv("SEARCHIDX_NER_MODEL")
    with pytest.raises(IndexVersionError, match=r"entity model .* rebuild"):
        entity_index.update([])


def test_parallel_extraction_matches_serial(
    fixture_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEARCHIDX_NER_MODEL", str(fixture_model))
    feed = tmp_path / "feed.jsonl"
    rows = [
        f'{{"id": "{i}", "title": "T{i}", "text": "Putin spoke to reporters in Moscow on Monday ."}}'
        for i in range(200)
    ]
    feed.write_text("\n".join(rows))
    # The 200 articles are one story told 200 times: count every copy.
    one = Index.build(tmp_path / "one", [feed], workers=1).facets(fold=False)
    two = Index.build(tmp_path / "two", [feed], workers=2).facets(fold=False)
    assert one == two and one.people[0].count == 200


def test_collection_resolution_is_saved_per_commit_and_rebuilt_when_stale(entity_index: Index) -> None:
    import json

    saved = entity_index.path / "entities.json"
    data = json.loads(saved.read_text())
    assert data["generation"] == 0
    # "Putin" in b.txt resolves to the only full name the collection has.
    assert ["person", "putin", "person", "vladimir putin"] in data["roots"]
    people = {v.name: v.count for v in entity_index.facets().people}
    # A stale file (another generation) is ignored and the resolution made in memory.
    saved.write_text(json.dumps({"generation": 7, "roots": [["person", "putin", "person", "nobody"]]}))
    fresh = Index.open(entity_index.path)
    assert {v.name: v.count for v in fresh.facets().people} == people
    assert people["Vladimir Putin"] == 2


def test_hits_name_entities_as_the_collection_does(entity_index: Index) -> None:
    # b.txt says only "Putin"; the collection's only Putin is Vladimir Putin, as in the facets.
    hit = next(h for h in entity_index.search("moscow").hits if h.id == "b.txt")
    assert "Vladimir Putin" in hit.entities["person"] and "Putin" not in hit.entities["person"]
    document = entity_index.document("b.txt")
    assert document is not None and document.entities == hit.entities


def test_an_index_built_without_entities_reads_no_entity_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": "a", "title": "Talks", "text": "Putin spoke to reporters in Moscow."}')

    def read(_reader: object) -> None:
        raise AssertionError("the entity column was read")

    monkeypatch.setattr("searchidx.snapshot.searcher.entity_rows", read)
    with Index.build(tmp_path / "ix", [feed], entities=False, workers=1) as index:
        [hit] = index.search("reporters").hits
        assert hit.id == "a" and not any(hit.entities.values())


def test_extract_entities_gives_what_an_indexed_body_gets() -> None:
    text = "The bill, Congressman Richard Gephardt said on Tuesday, would pass, U.S. officials told the IMF."
    found = [(e.text, e.label, text[e.start : e.end]) for e in extract_entities(text)]
    assert ("Richard Gephardt", "person", "Richard Gephardt") in found  # the title cut off
    assert ("United States", "place", "U.S.") in found  # the alias's full name, the offsets as written
    assert [e.name for e in annotate("", text) if e.label == "person"] == ["Richard Gephardt"]


def test_a_facet_shows_the_collections_name_when_the_matches_write_only_a_short_one(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        '{"id": "a", "title": "Budget talks", "text": "President Ronald Reagan spoke to reporters in '
        'Washington on Monday about the budget."}\n'
        '{"id": "b", "title": "Trade talks", "text": "Reagan said on Tuesday that the trade talks with '
        'Japan had failed, officials said."}\n'
    )
    with Index.build(tmp_path / "ix", [feed], workers=1) as index:
        assert [(v.name, v.count) for v in index.facets("trade").people] == [("Ronald Reagan", 1)]
        assert [(v.name, v.count) for v in index.facets("").people] == [("Ronald Reagan", 2)]
