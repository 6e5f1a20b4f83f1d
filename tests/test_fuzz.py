"""Property-based hostile queries: every query gives results or a QueryError, fast.

``SEARCHIDX_FUZZ_EXAMPLES=10000 pytest tests/test_fuzz.py`` runs the long version
(``python -m bench.stress`` prints the figures).
"""

from __future__ import annotations

import os
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchidx import Index, QueryError
from searchidx.query import FIELDS

EXAMPLES = int(os.environ.get("SEARCHIDX_FUZZ_EXAMPLES", "300"))
FIELD_NAMES = [*sorted(FIELDS), "foo", "TITLE", "http"]
PIECES = st.one_of(
    st.sampled_from(["AND", "OR", "NOT", "-", "(", ")", '"', "*", "~", "~2", ":", "..", "*idl", "a*"]),
    st.sampled_from(["idlib", "ceasefire", "Erdoğan", "cease-fire", "syria´s", "the", "russia", "x"]),
    st.builds(
        lambda f, v: f"{f}:{v}",
        st.sampled_from(FIELD_NAMES),
        st.sampled_from(["idlib", "2019", "2019-12..2020", "..", "9999-99", '"black sea"', "(putin OR", ""]),
    ),
    st.builds(
        lambda w, s: w + s,
        st.sampled_from(["idl", "cea", "putin", "ab"]),
        st.sampled_from(["*", "~", "~1", "~3", "*x", ""]),
    ),
    st.text(min_size=1, max_size=6),  # anything, control characters included
)
QUERIES = st.one_of(
    st.lists(PIECES, min_size=1, max_size=12).map(" ".join),
    st.lists(PIECES, min_size=1, max_size=8).map("".join),
    st.text(max_size=80),
    st.builds(lambda n, w: "(" * n + w + ")" * (n // 2), st.integers(0, 60), st.sampled_from(["idlib", "x"])),
    st.builds(lambda n: "idlib " * n, st.integers(200, 900)),
)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    from searchidx.ingest import bundled_seeds

    return Index.build(tmp_path_factory.mktemp("fuzz") / "ix", [bundled_seeds()], entities=False)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=QUERIES, mode=st.sampled_from(["all", "any"]), sort=st.sampled_from(["relevance", "newest"]))
def test_any_query_returns_results_or_query_error(index: Index, text: str, mode: str, sort: str) -> None:
    started = time.perf_counter()
    try:
        results = index.search(text, mode=mode, sort=sort, limit=5)  # type: ignore[arg-type]
    except QueryError as exc:
        assert str(exc).startswith("invalid query")
    else:
        assert results.total >= len(results.hits)
        for hit in results.hits:
            for span in hit.snippet_spans:
                assert 0 <= span.start < span.end <= len(hit.snippet)
    assert time.perf_counter() - started < 1.0, text
