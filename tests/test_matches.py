"""Highlight ranges found by analysing the stored text again are the ranges the index stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from searchidx import Index
from searchidx.schema import TEXT_FIELDS
from searchidx.snapshot import matches
from searchidx.snapshot.matches import posting_matches, text_matches

HEADED = "Cease-fire talks: the ceasefire holds\n\nThe cease-fire and the CEASEFIRE held; Çavuşoğlu said so."
# no headline: its title is derived from the body, stored but not indexed
UNHEADED = "Oil prices rose 3.5% to $61.20 on Monday's U.S. report, said O'Brien of Exxon-Mobil Corp."


def _whoosh_ranges(index: Index, docnum: int) -> dict[str, dict[bytes, list[tuple[int, int]]]]:
    """Every term's character ranges in one document, as Whoosh stored them."""
    reader = index._snapshot()._searcher.reader()
    found: dict[str, dict[bytes, list[tuple[int, int]]]] = {"title": {}, "body": {}}
    for fieldname in found:
        for term in reader.lexicon(fieldname):
            postings = reader.postings(fieldname, term)
            postings.skip_to(docnum)
            if postings.is_active() and postings.id() == docnum:
                found[fieldname][term] = [(s, e) for _p, s, e in postings.value_as("characters")]
    return found


@pytest.mark.parametrize("source", ["seeds", "written"])
def test_every_terms_ranges_are_the_stored_ones(source: str, seeds_index: Index, tmp_path: Path) -> None:
    if source == "seeds":
        index = seeds_index
    else:
        folder = tmp_path / "articles"
        folder.mkdir()
        (folder / "a.txt").write_text(HEADED, encoding="utf-8")
        (folder / "b.txt").write_text(UNHEADED, encoding="utf-8")
        index = Index.build(tmp_path / "ix", [folder], entities=False)
    snapshot = index._snapshot()
    checked = 0
    for docnum in range(snapshot.doc_count_all()):
        expected = _whoosh_ranges(index, docnum)
        # every term of the document asked of both fields: a field must not find another's terms
        everything = {term for held in expected.values() for term in held}
        terms = [(fieldname, term) for fieldname in expected for term in everything]
        got = text_matches(terms, {docnum: snapshot.stored_fields(docnum)})[docnum]
        read = posting_matches(snapshot._searcher.reader(), terms, [docnum], TEXT_FIELDS)[docnum]
        for fieldname, held in expected.items():
            assert sorted(got[fieldname]) == sorted(r for ranges in held.values() for r in ranges), fieldname
            assert sorted(read[fieldname]) == sorted(got[fieldname]), fieldname
            for term, ranges in held.items():  # each term alone
                alone = text_matches([(fieldname, term)], {docnum: snapshot.stored_fields(docnum)})[docnum]
                assert sorted(alone[fieldname]) == sorted(ranges), term
                checked += 1
    assert checked > (60 if source == "seeds" else 20)


def test_a_page_is_read_from_its_text_for_common_terms_and_from_postings_for_rare_ones_or_long_texts(
    seeds_index: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    used: list[str] = []
    for name in ("posting_matches", "text_matches"):
        original = getattr(matches, name)
        monkeypatch.setattr(
            f"searchidx.snapshot.searcher.{name}",
            lambda *args, _f=original, _n=name: used.append(_n) or _f(*args),  # type: ignore[misc]
        )
    snapshot = seeds_index._snapshot()
    every = {docnum: snapshot.stored_fields(docnum) for docnum in range(snapshot.doc_count_all())}
    snapshot.page_matches([("body", b"sochi")], every)  # one block holds it: read through it
    common = [("body", term.encode()) for term in ("said", "the", "ceasefir", "turkey", "russia", "syria")]
    monkeypatch.setattr("searchidx.snapshot.searcher.CHARS_A_BLOCK", 10**6)  # short texts: analysed again
    snapshot.page_matches(common, every)
    monkeypatch.setattr("searchidx.snapshot.searcher.CHARS_A_BLOCK", 1)  # long texts: the postings again
    snapshot.page_matches(common, every)
    assert used == ["posting_matches", "text_matches", "posting_matches"]
