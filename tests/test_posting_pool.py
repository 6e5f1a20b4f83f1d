"""The posting pool grouped by term gives the codec the same stream as Whoosh's own pool."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh.filedb.filestore import FileStorage
from whoosh.writing import PostingPool

from searchidx.posting_pool import FieldLengths, TermPostingPool

FIELDS = ("body", "org", "title")
TERMS = [b"a", b"ab", b"b", b"ceasefire", b"\xc3\xa9t\xc3\xa9", b"z"]

# One document's postings: (field, term) -> (weight, value or None).
document = st.dictionaries(
    st.tuples(st.sampled_from(FIELDS), st.sampled_from(TERMS)),
    st.tuples(st.floats(0.5, 9.0), st.one_of(st.none(), st.binary(max_size=12))),
    max_size=8,
)


def _drained(pool: PostingPool, items: list[tuple[str, bytes, int, float, bytes | None]]) -> list[tuple]:
    for item in items:
        pool.add(item)
    try:
        return list(pool.iter_postings())
    finally:
        pool.cleanup()


def _both(items: list[tuple[str, bytes, int, float, bytes | None]], limit: int) -> tuple[list, list, int]:
    with tempfile.TemporaryDirectory() as folder:
        store = FileStorage(folder)
        whoosh_pool = PostingPool(store, None)
        ours = TermPostingPool(store, None)
        whoosh_pool.limit = ours.limit = limit
        expected = _drained(whoosh_pool, items)
        for item in items:
            ours.add(item)
        runs = len(ours.runs)
        try:
            got = list(ours.iter_postings())
        finally:
            ours.cleanup()
        assert not list(Path(folder).iterdir()), "runs are removed once read"
        return expected, got, runs


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    docs=st.lists(document, max_size=30),
    limit=st.sampled_from([300, 2_000, 10**9]),
    shuffle=st.randoms(use_true_random=False),
    in_order=st.booleans(),
)
def test_same_stream_as_whoosh_pool(docs, limit, shuffle, in_order) -> None:
    """Runs or none, documents in docnum order or not (merged segments): the same tuples in the same order."""
    items = [
        (field, term, docnum, weight, value)
        for docnum, postings in enumerate(docs)
        for (field, term), (weight, value) in postings.items()
    ]
    if not in_order:
        shuffle.shuffle(items)
    expected, got, _runs = _both(items, limit)
    assert got == expected


def test_runs_are_spilled_and_merged() -> None:
    """A small limit writes several runs; a term whose postings span runs comes back whole, in order."""
    items = [("body", TERMS[d % 3], d, 1.0, bytes([d % 256])) for d in range(400)]
    expected, got, runs = _both(items, 2_000)
    assert runs > 3
    assert got == expected
    assert [d for f, t, d, w, v in got if t == TERMS[0]] == list(range(0, 400, 3))


def test_many_runs_are_merged_first(monkeypatch) -> None:
    """More runs than may be open at once are merged, oldest first, before the final merge."""
    monkeypatch.setattr("searchidx.posting_pool._MAX_OPEN", 3)
    items = [("title", TERMS[d % 4], d, 2.0, None) for d in range(300)]
    expected, got, runs = _both(items, 1_000)
    assert runs > 6
    assert got == expected


def _all_postings(path: Path) -> list[tuple]:
    from searchidx.schema import build_schema
    from searchidx.whoosh_files import whoosh_index

    with whoosh_index(path, build_schema()).reader() as reader:
        found = []
        for field, text in reader.all_terms():
            info = reader.term_info(field, text)  # lengths: what the writer's field lengths gave
            found.append((field, text, info.min_length(), info.max_length(), info.max_weight()))
            matcher = reader.postings(field, text)
            while matcher.is_active():
                found.append((matcher.block_min_length(), matcher.block_max_length()))
                found.append((field, text, matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
        return found


def test_a_segment_writer_spilling_runs_writes_whooshs_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``segment_writer``, its pool spilling runs to Whoosh's ``_tempstorage`` and its field lengths
    read once per field, writes stock Whoosh's postings, block and term statistics."""
    from whoosh.writing import SegmentWriter

    from searchidx.models import Article
    from searchidx.schema import build_schema, document
    from searchidx.whoosh_files import segment_writer, whoosh_index

    articles = [
        Article(
            id=f"d{n}",
            path=f"/d{n}.txt",
            title=f"Oil {n % 7}",
            body=f"Oil price {n} rose in Kuwait {n % 5}." + " Crude fell." * (n % 40),
        )
        for n in range(60)
    ]
    ours_path, stock_path = tmp_path / "ours", tmp_path / "stock"
    for path in (ours_path, stock_path):
        path.mkdir()
    ours = segment_writer(whoosh_index(ours_path, build_schema(), fresh=True))
    assert isinstance(ours.pool, TermPostingPool)
    fields: list[str] = []
    reading = FieldLengths.doc_field_length
    monkeypatch.setattr(
        FieldLengths, "doc_field_length", lambda self, d, f, *a: fields.append(f) or reading(self, d, f, *a)
    )
    ours.pool.limit = 3_000  # several runs on the writer's temporary storage
    stock = SegmentWriter(whoosh_index(stock_path, build_schema(), fresh=True), _lk=False)
    for writer in (ours, stock):
        for article in articles:
            writer.add_document(**document(article))
    assert len(ours.pool.runs) > 2
    ours.commit()
    stock.commit()
    assert {"body", "title"} <= set(fields)  # the codec read the lengths through FieldLengths
    assert _all_postings(ours_path) == _all_postings(stock_path)


class _Segment:
    def segment_id(self) -> str:
        return "MAIN_testsegment"


def test_the_arrays_file_is_written_only_when_every_posting_is_read(tmp_path: Path) -> None:
    """A segment written whole leaves its arrays file; one stopped early (or never read) leaves nothing."""
    items = [("body", b"oil", 0, 1.0, None), ("body", b"oil", 2, 3.0, None), ("title", b"gold", 1, 1.0, None)]
    store = FileStorage(str(tmp_path / "temp"))
    for stop_after in (None, 1, 0):
        folder = tmp_path / f"segment-{stop_after}"
        folder.mkdir()
        pool = TermPostingPool(store.create(), _Segment(), folder=folder)
        for item in items:
            pool.add(item)
        postings = pool.iter_postings()
        if stop_after is None:
            assert len(list(postings)) == 3
            assert [p.name for p in folder.iterdir()] == ["MAIN_testsegment.arrays"]
            continue
        for _ in range(stop_after):
            next(postings)
        postings.close()  # the codec failed, or never started
        assert not list(folder.iterdir())


def test_merged_and_new_segments_keep_every_terms_positions(tmp_path: Path) -> None:
    """New documents' positions come from the analysis, a merge's from Whoosh's values: the same."""
    from searchidx import Index
    from searchidx.snapshot.postings import value_positions
    from tests.test_array_scoring import text_matchers

    def feed(name: str, count: int, start: int) -> Path:
        path = tmp_path / name
        words = "oil gold wheat talks price crude ceasefire market".split()
        lines = [
            f'{{"id": "d{n}", "title": "Report {n}", "text": "'
            + " ".join(words[(n * k) % len(words)] for k in range(3, 3 + 40 + n % 7))
            + '"}'
            for n in range(start, start + count)
        ]
        path.write_text("\n".join(lines) + "\n")
        return path

    index = Index.build(tmp_path / "ix", [feed("0.jsonl", 30, 0)], workers=1, entities=False)
    for batch in range(1, 12):  # small commits: Whoosh merges small segments on commit
        index.update([feed(f"{batch}.jsonl", 3, 100 * batch)], workers=1)
    snapshot = index._snapshot()
    leaves = [leaf for leaf, _offset in snapshot._searcher.reader().leaf_readers()]
    assert len(leaves) < 12  # some were merged
    checked = 0
    for leaf, fieldname, btext, matcher in text_matchers(index):
        stored = snapshot._arrays_file(leaf)
        assert stored is not None
        expected: list[tuple[int, list[int]]] = []
        while matcher.is_active():
            expected.append((matcher.id(), value_positions(matcher.value())))
            matcher.next()
        kept = stored.positions(fieldname, btext)
        assert kept is not None, btext
        ids, ends, every = kept
        starts = [0, *ends.tolist()[:-1]]
        got = [
            (doc, every[begin:end].tolist())
            for doc, begin, end in zip(ids.tolist(), starts, ends.tolist(), strict=True)
        ]
        assert got == expected, btext
        checked += 1
    assert checked > 20
    index.close()


def test_positions_past_uint16_are_kept_wide_and_a_version_2_file_still_reads(tmp_path: Path) -> None:
    import json
    from array import array

    from searchidx.postings_arrays import ArraysWriter, SegmentArrays

    writer = ArraysWriter(tmp_path / "s.arrays", "MAIN_s", ("body",), 0o600)
    short = (array("I", [1, 5, 0]), array("I", [2, 1]))
    wide = (array("I", [3, 70_000]), array("I", [2]))
    writer.add("body", b"a", [0, 4], [2.0, 1.0], short)
    writer.add("body", b"b", [2], [2.0], wide)
    writer.add("body", b"c", [3], [1.0], None)  # a merged term without positions
    writer.finish()
    data = (tmp_path / "s.arrays").read_bytes()
    stored = SegmentArrays.open(memoryview(data), "MAIN_s")
    assert stored is not None
    for term, docs, positions in ((b"a", [0, 4], [[1, 5], [0]]), (b"b", [2], [[3, 70_000]])):
        ids, ends, every = stored.positions("body", term)  # type: ignore[misc]
        starts = [0, *ends.tolist()[:-1]]
        assert ids.tolist() == docs
        assert [every[s:e].tolist() for s, e in zip(starts, ends.tolist(), strict=True)] == positions
    assert stored.positions("body", b"c") is None and stored.get("body", b"c") is not None
    assert stored.positions("body", b"zz") is None
    # Version 2 (no positions): its postings read, its positions not
    footer_at = data.rindex(b'{"version"')
    footer = json.loads(data[footer_at:-16])
    footer["version"] = 2
    for table in footer["fields"].values():
        del table["positions"], table["short"]
    old = json.dumps(footer).encode()
    v2 = data[:footer_at] + old + len(old).to_bytes(8, "little") + data[-8:]
    stored = SegmentArrays.open(memoryview(v2), "MAIN_s")
    assert stored is not None and stored.positions("body", b"a") is None
    assert stored.get("body", b"a")[0].tolist() == [0, 4]  # type: ignore[index]


def test_postings_put_in_order_take_their_positions_along() -> None:
    """Postings merged in out of docnum order: the positions read from their values follow them."""
    from searchidx.posting_pool import _postings
    from searchidx.schema import text_postings

    def value(text: str) -> bytes:
        return dict((t, v) for t, _f, _w, v in text_postings(text))[b"gold"]

    got: list[tuple] = []

    class Sink:
        fields = frozenset({"body"})

        def add(self, *args: object) -> None:
            got.append(args)

        def finish(self) -> None: ...

    flat = [7, 1.0, value("oil gold"), 2, 1.0, value("gold gold oil gold"), 5, 2.0, value("a b c gold")]
    yielded = list(_postings([("body", b"gold", flat)], lambda: Sink()))  # type: ignore[arg-type, return-value]
    assert [p[2] for p in yielded] == [2, 5, 7]
    [(_field, _term, docnums, _weights, (every, counts))] = got
    assert docnums == [2, 5, 7]
    assert every.tolist() == [0, 1, 3, 2, 1] and counts.tolist() == [3, 1, 1]  # "a b c": "a" is no term


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, 100_000), min_size=1, max_size=5, unique=True), max_size=6))
def test_positions_read_from_values_are_the_unpickled_ones(documents: list[list[int]]) -> None:
    """The one-occurrence shortcut (the pickle's first opcode) and unpickling agree, at every width."""
    from whoosh.formats import Characters

    from searchidx.position_values import value_positions, values_positions

    encoded = [
        Characters().encode([(p, 2 * p, 2 * p + 1) for p in sorted(positions)]) for positions in documents
    ]
    every, counts = values_positions(encoded)  # type: ignore[misc]
    assert counts.tolist() == [len(positions) for positions in documents]
    assert every.tolist() == [p for positions in documents for p in sorted(positions)]
    assert every.tolist() == [p for value in encoded for p in value_positions(value)]
    assert values_positions([*encoded, None]) is None


def test_field_lengths_read_at_once_are_whooshs_per_document_ones(tmp_path: Path) -> None:
    """Every field: those without lengths give the default, an empty one None, the rest Whoosh's lengths."""
    from searchidx import Index
    from searchidx.schema import build_schema
    from searchidx.whoosh_files import whoosh_index

    feed = tmp_path / "feed.jsonl"
    rows = [
        {"id": f"a{n}", "title": "" if n % 3 else f"Oil {n}", "text": "Oil. " * (n * 7 + 1)}
        for n in range(40)
    ]
    rows[0]["text"] = "President Ronald Reagan met James Baker in Washington on Monday."  # the only names
    feed.write_text("".join(json.dumps(row) + "\n" for row in rows))
    Index.build(tmp_path / "ix", [feed], workers=1, entities=True)
    with whoosh_index(tmp_path / "ix", build_schema()).reader() as reader:
        [(leaf, _offset)] = reader.leaf_readers()
        per_document = leaf._perdoc  # the segment's reader, over its compound file
        count = per_document.doc_count_all()
        lengths: set[object] = set()
        read_once = FieldLengths(per_document)  # each field asked with two defaults
        for fieldname in build_schema().names():
            for default in (0, 7):
                expected = [per_document.doc_field_length(d, fieldname, default) for d in range(count)]
                found = [read_once.doc_field_length(d, fieldname, default) for d in range(count)]
                assert found == expected, fieldname
                lengths |= set(expected)
    assert {None, 7} < lengths and len(lengths) > 20  # empty fields, fields without lengths, and lengths


def test_an_index_in_memory_writes_no_arrays_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whoosh's RamStorage has the folder "": nothing is written beside the process."""
    from whoosh.filedb.filestore import RamStorage
    from whoosh.writing import SegmentWriter

    from searchidx.models import Article
    from searchidx.posting_pool import install
    from searchidx.schema import build_schema, document

    monkeypatch.chdir(tmp_path)
    ix = RamStorage().create_index(build_schema())
    writer = install(SegmentWriter(ix))
    writer.add_document(**document(Article(id="a", path="/a.txt", title="Oil", body="Oil rose.")))
    writer.commit()
    assert list(tmp_path.iterdir()) == []
    with ix.searcher() as searcher:
        assert searcher.document_number(id="a") == 0
