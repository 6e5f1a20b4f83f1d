from __future__ import annotations

import pytest

from searchidx.analysis import analyze, fold, sentence_spans, stem, terms


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Çavuşoğlu", "Cavusoglu"),
        ("Erdoğan", "erdogan"),
        ("Mevlüt", "mevlut"),
        ("Syria´s", "syria"),
        ("Syria’s", "Syria's"),
        ("ceasefires", "ceasefire"),
        ("Straße", "strasse"),
    ],
)
def test_variants_share_terms(a: str, b: str) -> None:
    assert terms(a) == terms(b)


def test_fold_strips_diacritics_and_lowercases() -> None:
    assert fold("Çavuşoğlu") == "cavusoglu"
    assert fold("ASCII") == "ascii"


def test_hyphenated_compound_yields_parts_and_closed_form() -> None:
    tokens = list(analyze("a cease-fire held"))
    assert [(t.text, t.pos, t.joined) for t in tokens] == [
        ("ceas", 0, False),
        ("ceasefir", 0, True),
        ("fire", 1, False),
        ("held", 2, False),
    ]
    closed = tokens[1]
    assert "a cease-fire held"[closed.start : closed.end] == "cease-fire"
    assert "ceasefir" in terms("ceasefire")


def test_stop_words_dropped_without_gaps_and_offsets_kept() -> None:
    text = "The war in Syria"
    tokens = list(analyze(text))
    assert [t.text for t in tokens] == ["war", "syria"]
    assert [t.pos for t in tokens] == [0, 1]
    assert [text[t.start : t.end] for t in tokens] == ["war", "Syria"]


def test_numbers_keep_separators_together() -> None:
    assert terms("120,000 and 3.7 million") == ["120000", "3.7", "million"]


def test_stem_is_snowball_english() -> None:
    assert stem("running") == "run"
    assert stem("international") == "intern"
    assert stem("generously") == "generous"


def test_sentence_spans_respect_abbreviations_and_blank_lines() -> None:
    text = "Mr. Smith met Dr. Jones. They spoke.\n\nHeadline without stop\n\nLast one!"
    pieces = [text[s:e] for s, e in sentence_spans(text)]
    assert pieces == ["Mr. Smith met Dr. Jones.", "They spoke.", "Headline without stop", "Last one!"]


def test_sentence_spans_match_the_plain_splitter_they_are_written_for() -> None:
    """The splitter's one regex is a faster form of this: a plain alternation, each stop's word checked."""
    import random
    import re

    from searchidx.analysis import _ABBREVIATIONS, _add_span

    plain = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"“‘'(\[]?[A-Z0-9]|\s*$)|\n\s*\n")
    # \Z, not the old splitter's $: that also matched before a newline, so "a\n. B" was one
    # sentence (a word, a line break, then a stop); the regex now ends it at "a"
    last_word = re.compile(r"\w+\Z")

    def reference(text: str) -> list[tuple[int, int]]:
        spans: list[tuple[int, int]] = []
        start = 0
        for match in plain.finditer(text):
            if text[match.start()] == ".":
                word = last_word.search(text, max(start, match.start() - 12), match.start())
                if word and (len(word.group()) == 1 or word.group().lower() in _ABBREVIATIONS):
                    continue
            end = match.end() if not match.group().startswith("\n") else match.start()
            _add_span(text, start, end, spans)
            start = match.end()
        _add_span(text, start, len(text), spans)
        return spans

    pieces = [".", "!", "?", "…", "\n", " ", "\t", "A", "z", "7", "_", "é", "Mr", "mRs", "U.S", "No", "sept"]
    pieces += ["SEPT", "ſt", "\u212a", "Inc", "xmr", "Corporation", '"', "'", "”", "’", ")", "]", "“", "("]
    rng = random.Random(7)
    texts = ["", "a.", "a.\n\nB", 'Wait..." Next', "x\n \n\ny", "End?!  ", "(Ok.) [B]", "the U.S.. Then"]
    texts += ["a\n. B", "x Mr\n. Smith", "a\n.\nM"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 30))) for _ in range(5000)]
    for text in texts:
        assert sentence_spans(text) == reference(text), text


def test_lean_nltk_import_stems_without_numpy_or_scipy_and_unblocks_them() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from searchidx import analysis\n"
        "analysis.lean_nltk_import()\n"
        "print(analysis.stem('running'), 'nltk' in sys.modules,\n"
        "      [m for m in ('numpy', 'scipy') if m in sys.modules])\n"  # None placeholders count too
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # NumPy/SciPy (when installed, as with the bench extra) were neither loaded nor left blocked.
    assert done.stdout.split() == ["run", "True", "[]"]


def test_decomposed_text_and_invisible_characters_fold_like_composed_text() -> None:
    from searchidx.analysis import terms

    assert terms("Erdog\u0306an") == terms("Erdoğan") == ["erdogan"]
    assert terms("C\u0327avus\u0327og\u0306lu") == terms("Çavuşoğlu") == ["cavusoglu"]
    assert terms("Krako\u0301w Nu\u0301n\u0303ez nai\u0308ve") == ["krakow", "nunez", "naiv"]
    for invisible in "\u200b\u200c\u200d\u2060\ufeff\u00ad":
        assert terms(f"cease{invisible}fire") == terms("ceasefire"), repr(invisible)
    assert terms("word\u200b end") == ["word", "end"]  # only inside a word


def test_offsets_stay_on_the_original_text() -> None:
    from searchidx.analysis import analyze

    text = "the Erdog\u0306an cease\u200bfire"
    assert [text[t.start : t.end] for t in analyze(text)] == ["Erdog\u0306an", "cease\u200bfire"]


def test_tokens_past_the_cap_are_not_terms() -> None:
    from searchidx.analysis import MAX_TOKEN_CHARS, terms

    assert terms("x" * (MAX_TOKEN_CHARS + 1) + " oil") == ["oil"]
    assert terms("x" * MAX_TOKEN_CHARS) == ["x" * MAX_TOKEN_CHARS]
