"""The Whoosh internals searchidx uses must exist, with the shape it expects.

:mod:`searchidx.snapshot` reads private attributes and codec classes of
Whoosh-Reloaded (listed in :mod:`searchidx.snapshot.protocols`); whoosh_files
writes segments and tables of contents through private calls; schema encodes
postings in Whoosh's own format. An upgrade that renames
or reshapes any of them must fail here, by name, rather than as a wrong score
or an ``AttributeError`` deep in a search or an indexing run.
"""

from __future__ import annotations

import ast
import inspect
import json
import re
import zlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from whoosh import query as wq

from searchidx import Article, Index
from searchidx.schema import NewsTokenizer, build_schema, column_values, document, live_column, text_postings
from searchidx.snapshot import BlockMatcher, Snapshot, WhooshReader, WhooshSearcher
from searchidx.snapshot.columns import MISSING, DateColumn
from searchidx.snapshot.postings import code_lengths, length_codes
from searchidx.storage import INDEX_NAME
from searchidx.whoosh_files import whoosh_index

SNAPSHOT = Path(__file__).resolve().parent.parent / "searchidx" / "snapshot"


def _members(protocol: type) -> set[str]:
    """The attributes and methods a protocol class declares."""
    declared = set(getattr(protocol, "__annotations__", {}))
    declared |= {name for name, value in vars(protocol).items() if inspect.isfunction(value)}
    return {name for name in declared if not name.startswith("__") or name == "__contains__"}


def _missing(obj: Any, protocol: type) -> list[str]:
    return sorted(name for name in _members(protocol) if not hasattr(obj, name))


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    """Three segments, the first with a deleted (replaced) document, and 300 postings per common word."""
    root = tmp_path_factory.mktemp("shape")
    rows = [
        {"id": f"a{i}", "title": f"oil report {i}", "date": "2020-01-02", "text": f"oil gold price {i}."}
        for i in range(300)
    ]
    for i in range(0, 300, 10):  # long bodies: lengths over ~100 are stored in a lossy one-byte code
        rows[i]["text"] += " more" * (i * 3)
    first = root / "first.jsonl"
    first.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    built = Index.build(root / "ix", [first], workers=1, entities=False)
    second = root / "second.jsonl"
    second.write_text(json.dumps({"id": "b", "title": "gold", "text": "gold again."}) + "\n")
    built.update([second], workers=1)
    rows[0]["text"] = "replaced text."
    first.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    assert built.update([first], workers=1).updated == 1
    return built


@pytest.fixture
def snapshot(index: Index) -> Snapshot:
    return index._snapshot()


def test_the_searcher_and_readers_have_the_calls_the_snapshot_makes(snapshot: Snapshot) -> None:
    searcher = snapshot._searcher
    reader = searcher.reader()
    assert _missing(searcher, WhooshSearcher) == []
    assert _missing(reader, WhooshReader) == []
    leaves = reader.leaf_readers()
    assert len(leaves) >= 2
    for leaf, _offset in leaves:
        assert _missing(leaf, WhooshReader) == []
    assert isinstance(searcher.weighting._field_B, dict)  # read by Snapshot._bm25


def test_term_postings_are_w3_block_matchers_with_the_attributes_read(snapshot: Snapshot) -> None:
    from whoosh.codec.whoosh3 import W3LeafMatcher

    found = snapshot.term_postings("body", "oil")
    assert [s.offset for s in found.segments] == [0]  # "oil" is only in the first segment
    segment = found.segments[0]
    assert isinstance(segment.matcher, W3LeafMatcher)
    assert _missing(segment.matcher, BlockMatcher) == []
    assert segment.deleted  # the replaced document, taken from Whoosh's FilterMatcher._ids


def test_every_private_name_the_codec_reads_is_in_the_protocol() -> None:
    """So the shape checks above cover what :mod:`.postings` really reads of a matcher."""
    tree = ast.parse((SNAPSHOT / "postings.py").read_text(encoding="utf-8"))
    read = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "matcher"
        and node.attr.startswith("_")
    }
    assert read  # the codec does read private names; this test must see them
    assert read - {"_ids"} <= _members(BlockMatcher), read - _members(BlockMatcher)


def test_blocks_decode_as_whooshs_public_matcher_reads_them(snapshot: Snapshot) -> None:
    """Block layout, delta coding, deletions and weights: the bulk decoder against ``items_as``."""
    reader = snapshot._searcher.reader()
    deflated: set[bool] = set()
    for fieldname, text in (("body", "oil"), ("body", "gold"), ("title", "report"), ("body", "replac")):
        found = snapshot.term_postings(fieldname, text)
        decoded: list[tuple[int, float]] = []
        for segment in found.segments:
            for ids, weights in segment.blocks():
                decoded += [
                    (segment.offset + i, w)
                    for i, w in zip(ids, weights, strict=True)
                    if i not in segment.deleted
                ]
            for header in segment.headers():
                ids, weights = segment.block(header)
                assert len(ids) == header.size and ids[-1] == header.last
                deflated.add(header.compressed)
        expected = list(reader.postings(fieldname, text).items_as("weight"))
        assert decoded == [(d, float(w)) for d, w in expected], (fieldname, text)
        assert len(decoded) > (100 if text in ("oil", "gold") else 0)
    assert deflated == {True, False}  # large blocks deflated, small ones as they are (posting_pool)


def test_a_blocks_ids_and_weights_are_read_from_its_front_only(
    snapshot: Snapshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The positions after them are never inflated: a whole-block ``zlib.decompress`` is not called."""
    from searchidx.snapshot import postings

    found = snapshot.term_postings("body", "oil")
    expected = [block for segment in found.segments for block in segment.blocks()]

    class FrontOnly:
        decompressobj = staticmethod(zlib.decompressobj)

        @staticmethod
        def decompress(data: bytes) -> bytes:
            raise AssertionError("a whole block was inflated")

    monkeypatch.setattr(postings, "zlib", FrontOnly)
    fresh = snapshot.term_postings("body", "oil")
    headers = [header for segment in fresh.segments for header in segment.headers()]
    assert all(header.compressed for header in headers)
    assert [block for segment in fresh.segments for block in segment.blocks()] == expected


def test_field_lengths_match_whooshs_doc_field_length(snapshot: Snapshot) -> None:
    reader = snapshot._searcher.reader()
    by_code = code_lengths()
    for leaf, offset in reader.leaf_readers():
        lengths = [by_code[code] for code in length_codes(leaf, "body")]
        assert len(lengths) == leaf.doc_count_all()
        for docnum, length in enumerate(lengths):
            assert length == leaf.doc_field_length(docnum, "body", 0), (offset, docnum)


@pytest.mark.parametrize("fieldname", ["id", "path", "hash", "date", "sketch", "entities"])
def test_columns_read_at_once_match_whooshs_reader(snapshot: Snapshot, fieldname: str) -> None:
    """Every segment's values as Whoosh's column reader gives them, a document at a time."""
    reader = snapshot._searcher.reader()
    for leaf, _offset in reader.leaf_readers():
        column = leaf.column_reader(fieldname)
        expected = [column[docnum] for docnum in range(leaf.doc_count_all())]
        assert column_values(leaf, fieldname) == expected, fieldname
    live = [(d, v) for d, v in live_column(reader, fieldname)]
    assert [d for d, _v in live] == sorted(reader.all_doc_ids())  # deleted documents left out


def test_columns_are_sliced_or_unpacked_not_read_per_document(
    snapshot: Snapshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fixture's id, path and date columns take the read-at-once paths, not the fallback."""
    from whoosh import columns

    def per_document(self: Any, docnum: int) -> Any:
        raise AssertionError("read a document at a time")

    leaf = snapshot._searcher.reader().leaf_readers()[0][0]
    expected = {name: column_values(leaf, name) for name in ("id", "path", "date")}
    monkeypatch.setattr(columns.VarBytesColumn.Reader, "__getitem__", per_document)
    monkeypatch.setattr(columns.NumericColumn.Reader, "__getitem__", per_document)
    count = leaf.doc_count_all()
    assert {name: column_values(leaf, name) for name in ("id", "path")} == {
        name: expected[name] for name in ("id", "path")
    }
    assert len(expected["date"]) == count
    raw = leaf.column_reader("date").raw_column()
    if raw._count == count:  # no default past the values written: no per-document read at all
        assert column_values(leaf, "date") == expected["date"]


def test_the_date_column_sorts_the_live_dated_documents(snapshot: Snapshot) -> None:
    """Keys, docnums, undated count and the by-docnum map, as the per-document definition gives them."""
    reader = snapshot._searcher.reader()
    by_doc = {d: v for d, v in live_column(reader, "date") if v != MISSING}
    pairs = sorted((v, d) for d, v in by_doc.items())
    dates = DateColumn(reader)
    assert list(zip(dates.keys, dates.docs, strict=True)) == pairs
    assert dates.by_doc == by_doc and dates.undated == reader.doc_count() - len(pairs) == 1


def test_filter_matcher_keeps_deleted_ids_and_child() -> None:
    from whoosh.matching import ListMatcher
    from whoosh.matching.wrappers import FilterMatcher

    child = ListMatcher([1, 2, 3])
    wrapped = FilterMatcher(child, frozenset({2}), exclude=True)
    assert wrapped._ids == frozenset({2}) and wrapped.child is child


def test_multiterm_queries_still_expand_through_btexts(snapshot: Snapshot) -> None:
    assert snapshot.expand_terms(wq.Prefix("body", "gol")) == [("body", "gold")]
    assert hasattr(wq.FuzzyTerm("body", "gold"), "_btexts")


# ---- The other places: whoosh_files writes Whoosh's internals, schema formats them ----

#: What tests/test_layering.py counts as Whoosh internals in each writing and format place, each
#: exercised by a test below. A new use must be added here, with a test, or this check fails.
WRITE_AND_FORMAT = {
    "searchidx.whoosh_files": {
        "from whoosh.writing import SegmentWriter",
        "writer._close_segment",
        "writer._finalize_segment",
        "from whoosh.filedb.filestore import FileStorage",
        "from whoosh.index import FileIndex",
        "from whoosh.index import TOC",
        "from whoosh.index import clean_files",
        "TOC._latest_generation",
    },
    "searchidx.posting_pool": {
        "from whoosh.writing import PostingPool",
        "writer._tempstorage",
        # SmallBlockWriter: test_small_blocks_are_stored_undeflated_and_large_ones_as_whoosh_writes_them
        "from whoosh.codec.whoosh3 import W3PostingsWriter",
        "from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC",
        "from whoosh.util.numeric import length_to_byte",
        "writer.fieldwriter._codec",
        "codec._blocklimit",
        "codec._compression",
        "codec._inlinelimit",
        # FieldLengths: test_field_lengths_read_at_once_are_whooshs_per_document_ones (test_posting_pool)
        "from whoosh.codec.whoosh3 import LENGTHS_COLUMN",
        "from whoosh.codec.whoosh3 import _lenfield",
        "from whoosh.util.numeric import byte_to_length",
        "self._reader._cached_reader",
        "column._dbfile",
        "column._basepos",
        "column._count",
        "column._fixedlen",
    },
    "searchidx.schema": {
        "from whoosh import columns",
        "from whoosh import fields",
        "from whoosh.analysis import Token",
        "from whoosh.analysis import Tokenizer",
        "from whoosh.system import pack_uint",
        # column_values: test_columns_read_at_once_match_whooshs_reader and the next test
        "raw._lengths",
        "raw._offsets",
        "raw._dbfile",
        "raw._basepos",
        "raw._typecode",
        "raw._count",
        "column._translate",
    },
}


def _blocks(data: bytes) -> list[tuple[int, bytes]]:
    """A term's W3 posting blocks, as written: (compression level, data) of each."""
    import io
    import pickle
    import struct

    from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC

    assert data[:4] == WHOOSH3_HEADER_MAGIC
    found, at = [], 4
    while True:
        (size,) = struct.unpack("!i", data[at : at + 4])  # the last block's is negative
        block = io.BytesIO(data[at + 4 : at + 4 + abs(size)])
        info = pickle.load(block)  # (count, last id, top weight, compression, length bytes)
        found.append((info[3], block.read()))
        at += 4 + abs(size)
        if size < 0:
            return found


def test_small_blocks_are_stored_undeflated_and_large_ones_as_whoosh_writes_them() -> None:
    """SmallBlockWriter against Whoosh's W3PostingsWriter on terms of 1 to 300 postings; Whoosh reads both."""
    import io
    import random

    from whoosh.codec.whoosh3 import W3LeafMatcher, W3PostingsWriter, W3TermInfo
    from whoosh.filedb.structfile import StructFile
    from whoosh.formats import Positions

    from searchidx.posting_pool import SMALL_BLOCK, SmallBlockWriter

    positions = Positions()

    def written(writer: Any, postings: list[tuple[int, list[int]]]) -> tuple[bytes, list[tuple[int, Any]]]:
        out = StructFile(io.BytesIO())
        block_writer = writer(out, blocklimit=128, compression=3, inlinelimit=1)
        block_writer.start_postings(positions, W3TermInfo())
        for docnum, at in postings:
            block_writer.add_posting(docnum, float(len(at)), positions.encode(at), len(at))
        block_writer.finish_postings()
        data = out.file.getvalue()
        read = W3LeafMatcher(StructFile(io.BytesIO(data)), 0, len(data), positions)
        return data, list(read.items_as("positions"))

    rng = random.Random(5)
    small = 0
    for count in (1, 2, 3, 40, 128, 129, 300):
        postings = [(3 * d + 1, sorted(rng.sample(range(500), rng.randint(1, 4)))) for d in range(count)]
        whooshs, read_whooshs = written(W3PostingsWriter, postings)
        ours, read_ours = written(SmallBlockWriter, postings)
        assert read_ours == read_whooshs == postings
        blocks = _blocks(ours)  # (compression, data) of each block
        sizes = [len(zlib.decompress(data) if level else data) for level, data in blocks]
        assert [level for level, _data in blocks] == [0 if size < SMALL_BLOCK else 3 for size in sizes]
        if min(sizes) < SMALL_BLOCK:
            small += 1
        else:
            assert ours == whooshs, count  # every block deflated: Whoosh's bytes
    assert 0 < small < 7
    import copy

    from whoosh.codec.whoosh3 import W3Codec

    from searchidx.posting_pool import _SmallBlocks

    copied = copy.copy(_SmallBlocks(W3Codec()))  # a proxy without its codec yet does not recurse
    assert copied._blocklimit == 128 and isinstance(copied.postings_writer(None), SmallBlockWriter)


def test_the_write_and_format_places_use_only_what_is_checked_here() -> None:
    from tests.test_layering import PACKAGE, _whoosh_internals

    for name, expected in WRITE_AND_FORMAT.items():
        path = PACKAGE.parent.joinpath(*name.split(".")).with_suffix(".py")
        found = {re.sub(r"^line \d+: ", "", item) for item in _whoosh_internals(path)}
        assert found == expected, name


def _article(number: int) -> Article:
    return Article(
        id=f"d{number}", path=f"/d{number}.txt", title=f"Oil {number}", body=f"Oil price {number}."
    )


def test_segments_are_written_apart_and_listed_by_one_commit(tmp_path: Path) -> None:
    """How segments' workers and the run's commit use Whoosh's SegmentWriter (``_lk``, ``_finalize_segment``).

    The lock is the caller's (``_lk=False``); each worker finishes its own segment,
    and the parent's one commit lists them all.
    """
    from whoosh.writing import SegmentWriter

    schema = build_schema()
    finished = []
    for number in (1, 2):  # two workers, each one segment; the index's lock is not taken
        worker = SegmentWriter(whoosh_index(tmp_path, schema, fresh=True), _lk=False)
        worker.add_document(**document(_article(number)))
        finished.append(worker._finalize_segment())
    empty = SegmentWriter(whoosh_index(tmp_path, schema, fresh=True), _lk=False)
    empty._close_segment()  # a worker with nothing to write (or stopped) leaves no segment
    assert not list(tmp_path.glob("*.toc"))  # nothing is listed yet
    parent = SegmentWriter(whoosh_index(tmp_path, schema, fresh=True), _lk=False)
    parent.segments.extend(finished)
    parent.commit()
    with whoosh_index(tmp_path, schema).searcher() as searcher:
        assert searcher.doc_count() == 2
        assert searcher.document(id="d1")["title"] == "Oil 1" and searcher.document(id="d2")


def test_the_table_of_contents_generation_and_cleanup_are_whooshs(tmp_path: Path) -> None:
    """What whoosh_files reads of Whoosh: ``TOC._latest_generation``, ``clean_files``, ``FileIndex``."""
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC, FileIndex, clean_files
    from whoosh.writing import SegmentWriter

    storage = FileStorage(str(tmp_path))
    assert TOC._latest_generation(storage, INDEX_NAME) == -1
    schema = build_schema()
    for number in (1, 2):  # a first build (fresh), then an update: generations 0 and 1
        writer = SegmentWriter(whoosh_index(tmp_path, schema, fresh=number == 1), _lk=False)
        writer.add_document(**document(_article(number)))
        writer.commit()
    assert TOC._latest_generation(storage, INDEX_NAME) == 1
    assert isinstance(whoosh_index(tmp_path, schema), FileIndex)
    listed = TOC.read(storage, INDEX_NAME, 1, schema=schema).segments
    stray = SegmentWriter(whoosh_index(tmp_path, schema, fresh=True), _lk=False)
    stray.add_document(**document(_article(3)))
    unlisted = stray._finalize_segment()  # written, never committed
    assert any(unlisted.segment_id() in f.name for f in tmp_path.iterdir())
    clean_files(storage, INDEX_NAME, 1, listed)
    assert not any(unlisted.segment_id() in f.name for f in tmp_path.iterdir())
    assert all(any(s.segment_id() in f.name for f in tmp_path.iterdir()) for s in listed)


@pytest.mark.parametrize(
    ("text", "boost"),
    [
        ("Cease-fire in Idlib: the ceasefire holds, Erdogan's 3,000 troops; CEASEFIRE!", 1.0),
        ("", 1.0),
        ("oil oil gold", 2.5),
    ],
)
def test_text_postings_are_the_bytes_whooshs_characters_format_writes(text: str, boost: float) -> None:
    """schema.text_postings encodes positions and characters itself; Whoosh must still read the same bytes."""
    from whoosh import fields

    expected = fields.TEXT(analyzer=NewsTokenizer(), chars=True, field_boost=boost).index(text)
    assert sorted(text_postings(text, boost)) == sorted(expected)
    # and Whoosh's own decoder reads them back: the positions and characters of each term
    fmt = fields.TEXT(chars=True).format
    for _btext, _freq, _weight, value in text_postings(text, boost):
        assert len(fmt.decode_characters(value)) == _freq


# ---- Reading segments through the map (snapshot.mapped) ----


def test_segment_files_are_read_through_the_map_not_copied(snapshot: Snapshot) -> None:
    """After a search, the compound segments hand out mapped sub-files; their bytes are Whoosh's."""
    from whoosh.filedb.compound import CompoundStorage
    from whoosh.filedb.structfile import BufferFile

    from searchidx.snapshot.mapped import MappedFile

    assert snapshot.doc_count() and getattr(CompoundStorage.open_file, "_searchidx_mapped", False)
    leaf_storages = [leaf._storage.a for leaf, _ in snapshot._searcher.reader().leaf_readers()]
    compound = [s for s in leaf_storages if isinstance(s, CompoundStorage) and s._source]
    assert compound  # the fixture's segments are compound files, mapped
    for storage in compound:
        for name in storage.list():
            opened = storage.open_file(name)
            assert isinstance(opened, BufferFile) and isinstance(opened.file.raw, MappedFile)
            offset, length = storage.range(name)
            assert opened.read() == storage._source[offset : offset + length]
            opened.seek(0)
            assert opened.read(7) == storage._source[offset : offset + min(7, length)]


#: Bytes with many newlines (pickle's text opcodes read lines) and some that are not text.
_CHUNKS = st.lists(st.sampled_from([b"ab", b"\n", b"\x80\x00", b"c", b"\n\n"]), max_size=120).map(b"".join)


@given(_CHUNKS, st.lists(st.tuples(st.sampled_from("rls"), st.integers(-5, 320)), max_size=12))
def test_a_mapped_file_reads_as_bytesio_does(data: bytes, steps: list[tuple[str, int]]) -> None:
    import io

    from searchidx.snapshot.mapped import MappedFile

    mine, theirs = MappedFile(memoryview(data)), io.BytesIO(data)
    for kind, n in steps:
        if kind == "r":
            assert mine.read(n) == theirs.read(n)
        elif kind == "l":
            assert mine.readline(n) == theirs.readline(n)
        else:
            assert mine.seek(max(n, 0)) == theirs.seek(max(n, 0))
        assert mine.tell() == theirs.tell()
    assert mine.read() == theirs.read()
