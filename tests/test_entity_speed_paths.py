"""The tagger's shortcuts give the mentions of the plain path: skipped sentences, remembered ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from searchidx.analysis import sentence_spans
from searchidx.entities import annotate
from searchidx.entities.decode import decode
from searchidx.entities.features import sentence_features
from searchidx.entities.scorer import marginals, viterbi, word_pairs
from searchidx.entities.tagger import (
    DEFAULT_MODEL,
    ENTITY_LABELS,
    REACH,
    Tagger,
    may_name,
    may_name_text,
    windows,
)
from searchidx.entities.tokens import offsets, sentences, tokenize, words
from searchidx.ingest import bundled_seeds
from searchidx.models import Entity

CASING = {"the": "l", "he": "l", "prices": "l", "reagan": "C"}

TEXT = (
    "Vladimir Putin met Recep Tayyip Erdogan in Sochi on Monday.\n\nprices rose 3 pct in thin trading.\n\n"
    "The company said it would appeal. Terms were not disclosed. He said NATO would meet in Ankara. "
    "Terms were not disclosed. Reagan's aides flew to the U.S. capital. Erdogan's O'Brien-style "
    "talks with Bashar al-Assad ended.\n\nVladimir Putin met Recep Tayyip Erdogan in Sochi on Monday."
)


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger(DEFAULT_MODEL)


@pytest.fixture(scope="module")
def crfsuite() -> Any:
    """CRFsuite's own tagger on the same model: the reference for the scorer."""
    import pycrfsuite

    reference = pycrfsuite.Tagger()
    reference.open(str(DEFAULT_MODEL))
    return reference


def plain(tagger: Tagger, text: str, crfsuite: Any) -> list[Entity]:
    """Every sentence tagged by CRFsuite with every training feature, offsets from the full tokeniser."""
    found = []
    for tokens, starts, ends in sentences(text):
        if not may_name(tokens, tagger.gazetteer.casing, tagger.gazetteer.first_names):
            continue
        tags = crfsuite.tag(sentence_features(tokens, tagger.gazetteer))
        for first, last, kind in decode(tokens, tags):
            if kind in ENTITY_LABELS:
                found.append(
                    Entity(
                        text[starts[first] : ends[last - 1]],
                        ENTITY_LABELS[kind],
                        *(starts[first], ends[last - 1]),
                    )
                )
    return found


def test_sentences_without_a_capital_cannot_name() -> None:
    assert not may_name("prices rose 3 pct in thin trading .".split(), CASING)
    assert not may_name("The company said it would appeal .".split(), CASING)  # 'The' is capital by place
    assert not may_name(["1987", "12.5", "--", "4.65"], CASING) and not may_name([], CASING)
    assert may_name("Reagan said he would veto it .".split(), CASING)  # a name first
    assert may_name("Kohl said he would veto it .".split(), CASING)  # a first word of unknown casing
    assert may_name("the talks in Geneva ended".split(), CASING)
    assert may_name("talks in the U.S. ended".split(), CASING)
    assert may_name("shares of al-Assad ended".split(), CASING)  # a capital inside the word
    assert may_name("The talks in the U.S. ended".split(), CASING)
    casing = {**CASING, "rose": "l"}
    assert not may_name("Rose said it would appeal .".split(), casing)
    assert may_name("Rose said it would appeal .".split(), casing, {"rose"})  # also a first name


@given(st.text(alphabet=st.sampled_from("aZ1 .'’´s-‐‑U\n\t\u00a0\u2003\x1c_,é²"), max_size=60))
def test_words_are_the_tokens_of_tokenize(text: str) -> None:
    assert words(text) == tokenize(text)[0]


def test_a_word_and_one_mark_are_the_tokens_of_tokenize() -> None:
    """The shortcuts ("said," "Inc." "company's") give what the regex gives, "a_" and initialisms included."""
    pieces = [
        "said,",
        "Inc.",
        "a.",
        "U.S.",
        "U.S",
        "x'",
        "dlrs-",
        "é²,",
        "a_",
        "ab_",
        "s'",
        "1987)",
        "(a",
        "'s",
        "Co.,",
    ]
    pieces += ["company's", "company’s", "company´s", "COMPANY'S", "a's", "'s's", "O'Neil's", "a-b's", "a_'s"]
    for piece in pieces:
        assert words(piece) == tokenize(piece)[0], piece
    assert words("said, Inc. a_ U.S.") == ["said", ",", "Inc", ".", "a_", "U.S."]


def _texts() -> list[str]:
    seeds = [path.read_text(encoding="utf-8") for path in sorted(bundled_seeds().iterdir())]
    return [
        TEXT,
        "JAPAN GET LUCKY WIN IN NEW YORK",
        "Mr. Smith , chairman of Apple Inc , flew to Paris .",
        "President Mr Smith and Prime Minister Lee , Senator Kim , met in Ankara .",  # titles in a row
        *seeds,
    ]


def test_extract_matches_the_plain_path(tagger: Tagger, crfsuite: Any) -> None:
    texts = _texts()
    for text in texts:
        tagger.seen.clear()
        assert tagger.extract(text) == plain(tagger, text, crfsuite)
        assert tagger.extract(text) == plain(tagger, text, crfsuite)  # now from the remembered sentences
    tagger.seen.clear()
    assert tagger.extract_many(texts) == [plain(tagger, text, crfsuite) for text in texts]  # all at once
    assert any(e.text == "Vladimir Putin" for e in tagger.extract(TEXT))


def test_scores_are_the_summed_weights_of_the_training_features(tagger: Tagger) -> None:
    """Each word's memoised vector and the sentence's cues add up to CRFsuite's state scores."""
    model = tagger.model
    for text in _texts():
        for tokens, _starts, _ends in sentences(text):
            for _pass in range(2):  # computed, then from the memo
                (scores,) = model.scores([tokens], tagger.gazetteer)
                ids = [
                    [model.ids.get(f, model.unknown) for f in feats]
                    for feats in sentence_features(tokens, tagger.gazetteer)
                ]
                expected = [model.state[row].sum(axis=0) for row in ids]
                assert abs(scores - expected).max() < 1e-9


def _named_ids(tagger: Tagger, word: str, caps_line: bool) -> list[list[int]]:
    """The known attribute ids of a word's five feature groups, from the names training writes."""
    from searchidx.entities.tokens import fold
    from searchidx.entities.word_entries import _word_features, shape

    model, low = tagger.model, word.lower()
    word_shape = ("C" + shape(word.title())) if caps_line else shape(word)
    own, around = _word_features(word, low, fold(low), word_shape, caps_line, tagger.gazetteer)
    groups = (own, around[0:3], around[3:5], around[5:8], around[8:10])
    known = [[model.ids[f] for f in group if f in model.ids] for group in groups]
    return [ids or [model.unknown] for ids in known]


def _feature_ids(tagger: Tagger, word: str, caps_line: bool) -> list[list[int]]:
    from searchidx.entities.feature_ids import feature_ids
    from searchidx.entities.tokens import fold
    from searchidx.entities.word_entries import shape

    low = word.lower()
    word_shape = ("C" + shape(word.title())) if caps_line else shape(word)
    found = feature_ids(tagger.model).groups(word, low, fold(low), word_shape, caps_line, tagger.gazetteer)
    return list(found)


def test_feature_ids_are_the_ids_of_the_training_features(tagger: Tagger) -> None:
    """Each group's ids, found without naming the features, are the known ones of the names, in order."""
    vocabulary = {w for text in _texts() for tokens, _s, _e in sentences(text) for w in tokens}
    known_words = [name[2:] for name in tagger.model.ids if name.startswith("w=")][:300]
    extra = ["Jean-Pierre", "al-Assad", "U.S.", "IBM", "x", "1987", "O'Brien", "Émile", "co-op", "Mr."]
    words_ = sorted(vocabulary | set(known_words) | set(extra) | {w.title() for w in known_words[:100]})
    differ = [
        (word, caps_line)
        for word in words_
        for caps_line in (False, True)
        if _feature_ids(tagger, word, caps_line) != _named_ids(tagger, word, caps_line)
    ]
    assert not differ, differ[:5]
    assert len(words_) > 500


@given(st.text(alphabet=st.sampled_from("aZeé1-.'ßLlo"), min_size=1, max_size=12), st.booleans())
def test_feature_ids_of_any_word(word: str, caps_line: bool) -> None:
    tagger = _shared_tagger()
    assert _feature_ids(tagger, word, caps_line) == _named_ids(tagger, word, caps_line)


_TAGGERS: list[Tagger] = []


def _shared_tagger() -> Tagger:
    if not _TAGGERS:
        _TAGGERS.append(Tagger(DEFAULT_MODEL))
    return _TAGGERS[0]


def test_a_batch_scores_each_sentence_as_if_alone(tagger: Tagger) -> None:
    """Cues lent to neighbours are found for the whole batch: none crosses into the next sentence."""
    model = tagger.model
    batch = [tokens for text in _texts() for tokens, _starts, _ends in sentences(text)]
    batch += [["Mr"], ["said", "President"], [",", "Mr"], ["Smith", ","], ["in", "Paris"], ["Corp"]]
    together = model.scores(batch, tagger.gazetteer)
    for tokens, scores in zip(batch, together, strict=True):
        (alone,) = model.scores([tokens], tagger.gazetteer)
        assert abs(scores - alone).max() < 1e-9, tokens


def test_words_past_the_memo_limit_score_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """A full memo: the batch's other words get rows that last until the next batch."""
    from searchidx.entities import word_entries

    monkeypatch.setattr(word_entries, "_TAG_MEMO_MAX", 12)
    fresh = Tagger(DEFAULT_MODEL)
    model = fresh.model
    batches = [[tokens for tokens, _s, _e in sentences(text)] for text in _texts()]
    for batch in batches + batches:  # the second time, the memo is full and the rows reused
        for tokens, scores in zip(batch, model.scores(batch, fresh.gazetteer), strict=True):
            ids = [
                [model.ids.get(f, model.unknown) for f in feats]
                for feats in sentence_features(tokens, fresh.gazetteer)
            ]
            assert abs(scores - [model.state[row].sum(axis=0) for row in ids]).max() < 1e-9
    memo = fresh.gazetteer.tag_memos[model]
    assert len(memo.words) == 12 and memo.kept == 12
    assert 12 < memo.used <= 12 + sum(len(tokens) for tokens in batches[-1])  # the last batch's rows only


def test_marginals_are_crfsuites(tagger: Tagger, crfsuite: Any) -> None:
    """Forward-backward over many sentences at once gives CRFsuite's own marginals."""
    model = tagger.model
    batch = [tokens for text in _texts()[:4] for tokens, _starts, _ends in sentences(text)]
    found = marginals(model.scores(batch, tagger.gazetteer), model.trans)
    for tokens, chances in zip(batch, found, strict=True):
        crfsuite.set(sentence_features(tokens, tagger.gazetteer))
        crfsuite.tag()
        expected = [[crfsuite.marginal(label, i) for label in model.labels] for i in range(len(tokens))]
        assert abs(chances - expected).max() < 1e-9


def _reference_viterbi(scores: list[list[float]], trans: list[list[float]]) -> list[int]:
    """CRFsuite's loop (crf1dc_viterbi), written out: the first of equal scores wins."""
    size = len(trans)
    alpha = list(scores[0])
    back = []
    for row in scores[1:]:
        pointers = [max(range(size), key=lambda i, j=j: (alpha[i] + trans[i][j], -i)) for j in range(size)]
        alpha = [alpha[pointers[j]] + trans[pointers[j]][j] + row[j] for j in range(size)]
        back.append(pointers)
    label = max(range(size), key=lambda i: (alpha[i], -i))
    path = [label]
    for pointers in reversed(back):
        label = pointers[label]
        path.append(label)
    return path[::-1]


@given(
    st.lists(st.integers(1, 7), min_size=1, max_size=6),
    st.integers(2, 4),
    st.randoms(use_true_random=False),
)
def test_batched_viterbi_is_crfsuites_per_sentence(lengths: list[int], size: int, rng: Any) -> None:
    import numpy as np

    values = [-1.0, 0.0, 0.5, 1.0, 2.0]  # few values: equal scores (ties) are common
    trans = np.array([[rng.choice(values) for _ in range(size)] for _ in range(size)])
    batch = [np.array([[rng.choice(values) for _ in range(size)] for _ in range(n)]) for n in lengths]
    assert viterbi(batch, trans) == [_reference_viterbi(s.tolist(), trans.tolist()) for s in batch]


def test_the_taggers_word_positions_give_what_counting_words_gives(tagger: Tagger) -> None:
    """The document pass takes each mention's words from the tagger, or counts them in the text: the same."""
    from searchidx.entities.document import document_mentions

    texts = _texts()
    places = tagger.gazetteer.places
    tagger.seen.clear()
    for _pass in range(2):  # tagged, then answered from the remembered sentences (words not split)
        for text, (mentions, parsed) in zip(texts, tagger.parse_many(texts), strict=True):
            spans, split, where = parsed
            assert len(where) == len(mentions)
            for (number, first, last), mention in zip(where, mentions, strict=True):
                start, end = spans[number]
                found = split[number] or words(text[start:end])
                assert words(mention.text) == found[first:last]
            assert document_mentions(mentions, text, places, parsed) == document_mentions(
                mentions, text, places
            )


@pytest.mark.parametrize(
    "sentence",
    [
        "the market fell .",
        "The market fell .",
        "Rose said so .",
        "Analysts said so .",
        "Texaco said so .",
        "(Reuters) said so",
        "He met Putin .",
        "eBay rose .",
        "1987 was a year .",
        "İstanbul talks .",
        "«Putin» spoke",
        "THE END",
        "",
        " The lead space",
    ],
)
def test_may_name_from_the_text_is_may_name_of_the_words(tagger: Tagger, sentence: str) -> None:
    casing, first_names = tagger.gazetteer.casing, tagger.gazetteer.first_names
    assert may_name_text(sentence, casing, first_names) == may_name(words(sentence), casing, first_names)


@given(st.text(max_size=40))
def test_may_name_from_any_text_is_may_name_of_its_words(sentence: str) -> None:
    casing = {"the": "l", "analysts": "l", "rose": "l"}
    assert may_name_text(sentence, casing, {"rose"}) == may_name(words(sentence), casing, {"rose"})


def test_articles_tagged_in_chunks_get_what_one_batch_gets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bodies and headlines are tagged a chunk at a time: chunks of two give the same entities."""
    from searchidx import entities

    seeds = [path.read_text(encoding="utf-8") for path in sorted(bundled_seeds().iterdir())]
    heads = [
        "PUTIN AND ERDOGAN MEET",
        "Erdogan Says Ceasefire Holds",
        "Russia, Turkey Agree",
        "Talks In Sochi",
    ]
    articles = [(head, body, False) for head, body in zip(heads * 2, seeds + [TEXT] * 3, strict=False)]
    whole = entities.annotate_many(articles)
    headless = entities.annotate_many([("", body, False) for _head, body, _derived in articles])
    assert whole != headless  # the headlines add mentions
    monkeypatch.setattr(entities, "TAG_CHUNK", 2)
    monkeypatch.setattr(entities, "HEADLINE_CHUNK", 2)
    assert entities.annotate_many(articles) == whole


def test_repeated_sentences_are_tagged_once_at_their_own_offsets(tagger: Tagger, monkeypatch: Any) -> None:
    tagged: list[list[str]] = []
    real = tagger.model.tag

    def counting(batch: list[list[str]], gazetteer: Any) -> list[list[str]]:
        tagged.extend(batch)
        return real(batch, gazetteer)

    monkeypatch.setattr(tagger.model, "tag", counting)
    tagger.seen.clear()
    found = tagger.extract(TEXT)
    # 9 sentences: 3 without a name's capital, 'Terms were not disclosed.' and the first again
    assert len(sentence_spans(TEXT)) == 9 and len(tagged) == 4
    assert len({tuple(tokens) for tokens in tagged}) == 4
    putins = [e for e in found if e.text == "Vladimir Putin"]
    assert (
        len(putins) == 2 and putins[0].start == 0 and TEXT[putins[1].start :].startswith("Vladimir Putin met")
    )


@pytest.fixture
def calls(tagger: Tagger, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The length of every sentence the CRF is given from now on (nothing remembered)."""
    lengths: list[int] = []
    real = tagger.model.tag

    def counting(batch: list[list[str]], gazetteer: Any) -> list[list[str]]:
        lengths.extend(len(tokens) for tokens in batch)
        return real(batch, gazetteer)

    monkeypatch.setattr(tagger.model, "tag", counting)
    tagger.seen.clear()
    return lengths


def test_sentences_that_cannot_name_reach_no_crf(tagger: Tagger, calls: list[int]) -> None:
    assert tagger.extract("prices rose 3 pct in thin trading. The company said it would appeal.") == []
    assert calls == []
    tagger.extract("prices rose in Tokyo.")
    assert calls == [5]


LONG = (
    "Vladimir Putin said on Monday that the talks about the price of grain and the cost of shipping "
    "it across the sea had gone well, and that Recep Tayyip Erdogan agreed."
)


def test_windows_keep_the_words_near_a_capital() -> None:
    assert REACH == 3
    words = "the cat sat on the mat with Putin in a big red house and then slept".split()
    assert windows(words) == [(4, 11)]
    assert windows("Putin saw it all happen there and then met Erdogan".split()) == [(0, 4), (6, 10)]
    assert windows("talks with Putin and Erdogan ended".split()) == [(0, 6)]  # overlapping: one
    assert windows("prices rose 3 pct".split()) == [(0, 4)]  # no capital: the whole sentence


def test_words_far_from_a_capital_reach_no_crf(tagger: Tagger, crfsuite: Any, calls: list[int]) -> None:
    found = tagger.extract(LONG)
    assert calls == [8 + 8] and len(words(LONG)) == 33  # "... that the talks" and "gone well ... ."
    assert found == plain(tagger, LONG, crfsuite)  # the names of the whole sentence
    assert [e.text for e in found] == ["Vladimir Putin", "Recep Tayyip Erdogan"]
    # a window that looks like a line in capitals: the sentence is tagged whole
    calls.clear()
    tagger.extract("USA, IBM, UN: a b and then the talks went on and on")
    assert calls == [16]


def test_a_headline_adds_only_names_the_body_has(monkeypatch: Any, tmp_path: Path) -> None:
    monkeypatch.delenv("SEARCHIDX_NER_MODEL", raising=False)
    assert annotate("Putin Meets Erdogan In Sochi", "prices rose 3 pct in thin trading.") == []
    names = {
        e.name for e in annotate("Putin Meets Erdogan", "Vladimir Putin met Recep Tayyip Erdogan in Sochi.")
    }
    assert "Vladimir Putin" in names


def test_word_pairs_find_pairs_of_words_holding_a_bar() -> None:
    pairs = word_pairs(["w=a", "-1w|w=a|b", "-1w|w=x|y|z", "w|+1w=|||"])
    assert pairs["-1w|w="] == {"a": {"b"}, "x": {"y|z"}, "x|y": {"z"}}
    assert pairs["w|+1w="] == {"": {"||"}, "|": {"|"}, "||": {""}}


@given(st.text(alphabet=st.sampled_from("aZ1 .'’s-‑U\n\u00a0\t,é"), max_size=60), st.integers(0, 70))
def test_offsets_are_those_of_tokenize(text: str, count: int) -> None:
    tokens, starts, ends = tokenize(text)
    assert offsets(text, tokens, count) == (starts[:count], ends[:count])


def _entity_rows(where: Path) -> dict[str, tuple[bytes, Any]]:
    """Each article's entities: the facet column and the stored names."""
    from searchidx.schema import build_schema, live_column
    from searchidx.whoosh_files import whoosh_index

    with whoosh_index(where, build_schema()).reader() as reader:
        ids = dict(live_column(reader, "id"))
        column = dict(live_column(reader, "entities"))
        stored = {fields["id"]: fields["extra"]["entities"] for fields in reader.all_stored_fields()}
    return {ids[doc]: (column[doc], stored[ids[doc]]) for doc in ids}


def test_both_worker_pools_store_the_entities_of_a_serial_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The segment writers (a batch tagged, then written) and update's entity pool agree with one process."""
    import json

    from searchidx import Index, segments

    monkeypatch.delenv("SEARCHIDX_NER_MODEL", raising=False)
    seeds = [path.read_text(encoding="utf-8") for path in sorted(bundled_seeds().iterdir())]
    texts = [TEXT, *seeds, *(part for seed in seeds for part in seed.split("\n\n")[1:4])]
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps({"id": f"a{i}", "text": text}) + "\n" for i, text in enumerate(texts)))
    Index.build(tmp_path / "serial", [feed], workers=1, entities=True)
    serial = _entity_rows(tmp_path / "serial")
    assert (
        len(serial) == len(texts) and sum(1 for column, _names in serial.values() if column) > len(texts) // 2
    )
    monkeypatch.setattr("searchidx.update.ANNOTATE_TASK", 3)  # update's pool: 4 tasks for 2 processes
    Index.build(tmp_path / "pool", [feed], workers=2, entities=True)
    assert _entity_rows(tmp_path / "pool") == serial
    monkeypatch.setattr(segments, "PARALLEL_MIN", 4)
    monkeypatch.setattr("searchidx.update.PARALLEL_MIN", 4)
    monkeypatch.setattr("searchidx.update.BATCH", 5)  # the segment writers, several batches each
    monkeypatch.setattr("searchidx.entities.TAG_CHUNK", 2)  # each batch tagged in several chunks
    monkeypatch.setattr("searchidx.entities.HEADLINE_CHUNK", 2)
    Index.build(tmp_path / "segments", [feed], workers=2, entities=True)
    assert len(list((tmp_path / "segments").glob("*.seg"))) == 2
    assert _entity_rows(tmp_path / "segments") == serial
    for name in ("pool", "segments"):
        assert (tmp_path / name / "entities.json").read_text() == (
            tmp_path / "serial" / "entities.json"
        ).read_text()


def test_the_parent_keeps_the_model_out_of_its_collections_for_a_run_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both pools load the model frozen (full collections skip it), thawed at close; a host's freeze stays."""
    import gc

    from searchidx.executors import LocalSlots
    from searchidx.models import Article
    from searchidx.update import _Annotator

    monkeypatch.delenv("SEARCHIDX_NER_MODEL", raising=False)
    gc.unfreeze()  # whatever an earlier test froze
    slots = LocalSlots(1, entities=True)
    assert gc.get_freeze_count() > 0
    slots.close(abandon=False)
    assert gc.get_freeze_count() == 0
    slots = LocalSlots(1, entities=False)
    assert gc.get_freeze_count() == 0
    slots.close(abandon=False)

    monkeypatch.setattr("searchidx.update.ANNOTATE_TASK", 1)
    annotate = _Annotator(2)
    articles = [Article(id=f"a{n}", path="", title="", body=TEXT) for n in range(2)]
    during: list[int] = []
    for _entities in annotate(articles):
        during.append(gc.get_freeze_count())
    annotate.close()
    assert min(during) > 0 and gc.get_freeze_count() == 0

    def failing(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("no processes")

    monkeypatch.setattr("searchidx.update.ProcessPoolExecutor", failing)
    annotate = _Annotator(2)
    with pytest.raises(RuntimeError):
        list(annotate(articles))
    annotate.close()  # the pool was never made: the freeze is undone all the same
    assert gc.get_freeze_count() == 0

    gc.freeze()  # a host that froze its own objects keeps them frozen after a run
    try:
        slots = LocalSlots(1, entities=True)
        slots.close(abandon=False)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_a_segment_pool_that_cannot_start_closes_its_workers_and_thaws(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The segment writers' slots are closed (the model's freeze undone) when their pool fails to start."""
    import gc
    import json

    from searchidx import Index, segments
    from searchidx.executors import LocalSlots

    closed: list[bool] = []
    close = LocalSlots.close

    def closing(self: LocalSlots, *, abandon: bool) -> None:
        closed.append(abandon)
        close(self, abandon=abandon)

    def failing(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("no segment pool")

    monkeypatch.delenv("SEARCHIDX_NER_MODEL", raising=False)
    monkeypatch.setattr(LocalSlots, "close", closing)
    monkeypatch.setattr("searchidx.update.SegmentPool", failing)
    monkeypatch.setattr(segments, "PARALLEL_MIN", 4)
    monkeypatch.setattr("searchidx.update.PARALLEL_MIN", 4)
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps({"id": f"a{n}", "text": TEXT}) + "\n" for n in range(8)))
    gc.unfreeze()
    with pytest.raises(RuntimeError, match="no segment pool"):
        Index.build(tmp_path / "ix", [feed], workers=2, entities=True)
    assert closed == [True] and gc.get_freeze_count() == 0


def test_a_mentions_remembered_words_are_a_new_list_each_time() -> None:
    """The rules shorten what ``_words`` gives ("Sachs and Co" -> "Sachs"): the memo must not change."""
    from searchidx.entities import cleanup

    text = "Goldman, Sachs and Co"
    first = cleanup._words(text)
    assert first == ["goldman", "sachs", "and", "co"]
    first.pop()
    assert cleanup._words(text) == ["goldman", "sachs", "and", "co"]
    assert cleanup._words(text) is not cleanup._words(text)


def test_the_shapes_whose_ids_are_remembered_are_bounded(tagger: Tagger) -> None:
    """Codes near a capital have shapes of their own: the memo stops at its limit, the ids stay the same."""
    from searchidx.entities.feature_ids import SHAPES_MAX, FeatureIds
    from searchidx.entities.word_entries import shape

    ids = FeatureIds(tagger.model)
    rng = __import__("random").Random(7)
    words_ = ["".join(rng.choice("aB1.-") for _ in range(18)) for _ in range(SHAPES_MAX + 500)]
    for word in words_:
        ids.groups(word, word.lower(), word.lower(), shape(word), False, tagger.gazetteer)
    assert len(ids.shapes) == SHAPES_MAX
    for word in words_[-20:]:
        assert list(ids.groups(word, word.lower(), word.lower(), shape(word), False, tagger.gazetteer)) == (
            _named_ids(tagger, word, False)
        )
