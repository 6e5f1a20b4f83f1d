"""Entity-tagger quality and speed: CoNLL-2003 eng.testb, wikigold (held out) and GMB.

Usage: python -m bench.ner_eval [--data ../shared/data] [--model FILE] [--dev] [--research] [--out FILE]

Prints per-type P/R/F1 (entity-level exact match, PER/LOC/ORG; MISC ignored) of the packaged
model (or ``--model``), tagging as the product does: each sentence's CRF tags decoded into spans
(``decode``), then each document's spans made consistent (``document.document_spans``, which
``annotate()`` runs on every article), on:
  * CoNLL-2003 eng.testb (Reuters news; evaluation only, never trained on);
  * wikigold's held-out documents (every 5th document, which the packaged model's training
    leaves out: ``searchidx.entities.train.wikigold_documents``);
  * GMB (Voice of America news; never trained on: its annotation licence is not stated). Its file
    marks no documents, so each sentence is one (the document pass then looks within it only).
Documents are CoNLL's ``-DOCSTART-`` ones (eng.testa/eng.testb: 216/231 Reuters stories; wikigold:
one article each). The product's later clean-up rules (``cleanup.clean_mentions``, written for
Reuters-21578 wire copy: they drop all-capitals words such as CoNLL's datelines) are not scored.
Tagging speed (CPU time): tokens/s on eng.testb (features, CRF, span clean-up and the document pass) and on
2,000 Reuters-21578 bodies through ``Tagger.extract`` (tokenisation included) and then
``document_mentions``, when bench/data/reuters.jsonl exists.
``--dev`` scores CoNLL-2003 eng.testa instead of eng.testb (settings are chosen on eng.testa).
``--research`` also trains a CoNLL eng.train model in a temp dir (never shipped) and scores it.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from searchidx.entities import TAG_CHUNK
from searchidx.entities.decode import decode
from searchidx.entities.document import document_mentions, document_spans
from searchidx.entities.gazetteer import Gazetteer
from searchidx.entities.scorer import CrfModel, viterbi
from searchidx.entities.tagger import DEFAULT_MODEL, Tagger, tag_near_capitals
from searchidx.entities.tokens import sentences
from searchidx.entities.train import (
    WIKIGOLD,
    evaluate,
    load_gazetteer,
    read_conll,
    read_documents,
    train,
    wikigold_documents,
)

ROOT = Path(__file__).resolve().parent.parent
Tagged = tuple[list[str], list[str]]
RESULTS: list[dict[str, object]] = []  # every table printed, for --out
CONLL_PARAMS = {"c1": 0.05, "c2": 0.05, "max_iterations": 150}
REUTERS = ROOT / "bench" / "data" / "reuters.jsonl"
KINDS = frozenset({"PER", "LOC", "ORG"})  # what the product keeps (tagger.ENTITY_LABELS)


def tag_all(
    model: Path, documents: Sequence[Sequence[Tagged]], gazetteer: Gazetteer
) -> tuple[list[list[str]], float]:
    """Tag every sentence as the tagger does (:func:`tag_near_capitals`, a document's sentences together),
    then each document's spans as ``annotate()`` does (:func:`document_spans`); BIO tags, in order.
    """
    scorer = CrfModel(model)
    started = time.process_time()  # CPU time: the machine is shared
    predicted = []
    for document in documents:
        spans = []
        for (words, _), tags in zip(
            document, tag_near_capitals(scorer, [words for words, _ in document], gazetteer), strict=True
        ):
            spans.append([span for span in decode(words, tags) if span[2] in KINDS])
        spans = document_spans([words for words, _ in document], spans, gazetteer.places)
        for (words, _), found in zip(document, spans, strict=True):
            tags = ["O"] * len(words)
            for first, last, kind in found:
                tags[first] = "B-" + kind
                for i in range(first + 1, last):
                    tags[i] = "I-" + kind
            predicted.append(tags)
    tokens = sum(len(w) for document in documents for w, _ in document)
    return predicted, tokens / (time.process_time() - started)


def table(
    title: str, gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], speed: float = 0
) -> None:
    scores = evaluate(gold, predicted)
    RESULTS.append({"title": title, "tokens_per_s": speed, "scores": scores})
    print(f"\n{title}" + (f"  ({speed:,.0f} tokens/s)" if speed else ""))
    print("| type | precision | recall | F1 | gold entities |\n|---|---|---|---|---|")
    for kind in ("PER", "LOC", "ORG", "ALL"):
        s = scores[kind]
        name = "**all**" if kind == "ALL" else kind
        print(f"| {name} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | {s['support']:.0f} |")


def confidence_table(
    model: Path, documents: Sequence[Sequence[Tagged]], gazetteer: Gazetteer, title: str
) -> None:
    """Would CRF marginals make a facet confidence? Mentions kept above a threshold, and calibration.

    A mention's confidence is the smallest probability, over its words, of its type (B- or I-);
    mentions are the tagger's spans after :func:`decode` (before the document pass), scored
    exact-match against the gold spans.
    """
    import numpy as np

    from searchidx.entities.scorer import marginals
    from searchidx.entities.train import spans_from_bio

    scorer = CrfModel(model)
    labels = scorer.labels
    sentences = [(words, tags) for document in documents for words, tags in document if words]
    rows: list[tuple[float, bool]] = []
    for start in range(0, len(sentences), 500):
        batch = sentences[start : start + 500]
        scores = scorer.scores([words for words, _ in batch], gazetteer)
        chances = marginals(scores, scorer.trans)
        for (words, gold), path, chance in zip(batch, viterbi(scores, scorer.trans), chances, strict=True):
            truth = {span for span in spans_from_bio(gold) if span[2] in KINDS}
            for first, last, kind in decode(words, [labels[k] for k in path]):
                if kind in KINDS:
                    columns = [labels.index("B-" + kind), labels.index("I-" + kind)]
                    sure = min(float(chance[i, columns].sum()) for i in range(first, last))
                    rows.append((sure, (first, last, kind) in truth))
    gold = sum(1 for words, tags in sentences for span in spans_from_bio(tags) if span[2] in KINDS)
    table_rows = np.array(rows)
    print(
        f"\nconfidence (CRF marginal of the mention's type) on {title}: {len(rows):,} mentions, {gold:,} gold"
    )
    print("| kept if >= | mentions kept | precision | recall | F1 | F0.5 |\n|---|---|---|---|---|---|")
    for threshold in (0.0, 0.3, 0.5, 0.7, 0.9):
        kept = table_rows[:, 0] >= threshold
        right = table_rows[kept, 1].sum()
        p, r = right / max(1, kept.sum()), right / gold
        f1, f05 = 2 * p * r / (p + r), 1.25 * p * r / (0.25 * p + r)
        print(f"| {threshold:.1f} | {kept.mean():.3f} | {p:.3f} | {r:.3f} | {f1:.3f} | {f05:.3f} |")
    print("| confidence | mentions | precision |\n|---|---|---|")
    for low in (0.0, 0.2, 0.4, 0.6, 0.8):
        inside = (table_rows[:, 0] >= low) & (table_rows[:, 0] < low + 0.2 + (1e-9 if low >= 0.8 else 0))
        print(f"| {low:.1f}-{low + 0.2:.1f} | {inside.sum():,} | {table_rows[inside, 1].mean():.3f} |")


def reuters_speed(model: Path, bodies: int = 2000) -> None:
    """Tokens/s of ``Tagger.parse_many`` on Reuters-21578 (as indexing: ``TAG_CHUNK`` bodies at a time)."""
    if not REUTERS.is_file():
        print(f"\n(skipped Reuters speed: {REUTERS} not found; python -m bench.convert makes it)")
        return
    with REUTERS.open(encoding="utf-8") as handle:
        texts = [json.loads(line)["text"] for _, line in zip(range(bodies), handle, strict=False)]
    tagger = Tagger(model)
    places = tagger.gazetteer.places
    tokens = sum(len(words) for text in texts for words, _, _ in sentences(text))
    started = time.process_time()
    parsed = [
        one for k in range(0, len(texts), TAG_CHUNK) for one in tagger.parse_many(texts[k : k + TAG_CHUNK])
    ]
    tagged = time.process_time()
    found = sum(
        len(document_mentions(m, text, places, p)) for (m, p), text in zip(parsed, texts, strict=True)
    )
    done = time.process_time()
    speed = tokens / (done - started)
    if RESULTS:  # with the eng.testb table (bench.report reads every entry as a table)
        RESULTS[0]["reuters_tokens_per_s"] = speed
    print(f"\nparse_many() + document_mentions() on {len(texts):,} Reuters bodies: {tokens:,} tokens,")
    print(f"  {sum(len(m) for m, _ in parsed):,} mentions tagged, {found:,} after the document pass")
    print(f"  {speed:,.0f} tokens/s (CPU); tagging alone {tokens / (tagged - started):,.0f}, ", end="")
    print(f"the document pass {100 * (done - tagged) / (done - started):.0f}% of the time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument(
        "--model", type=Path, default=DEFAULT_MODEL, help="model to score (default: packaged)"
    )
    parser.add_argument(
        "--research", action="store_true", help="also train and score a CoNLL eng.train model"
    )
    parser.add_argument(
        "--dev", action="store_true", help="score eng.testa (for choosing settings) instead of eng.testb"
    )
    parser.add_argument("--skip-conll", action="store_true", help="(default; kept for bench.run)")
    parser.add_argument("--out", type=Path, help="also write the tables as JSON here")
    args = parser.parse_args()
    try:
        evaluate_all(args.data, args.model, args.research and not args.skip_conll, dev=args.dev)
    finally:
        if args.out:
            args.out.write_text(json.dumps(RESULTS, indent=1))


def evaluate_all(data: Path, model: Path, research: bool, dev: bool = False) -> None:
    gazetteer = load_gazetteer()
    test_file = "eng.testa" if dev else "eng.testb"
    testb = read_documents(data / "conll2003" / f"{test_file}.gz")
    held_out = wikigold_documents(data / WIKIGOLD)[1]
    gmb = [[sentence] for sentence in read_conll(data / "ner-open" / "gmb" / "gmb.conll")]
    name = model.name
    for title, test in (
        (f"CoNLL-2003 {test_file}", testb),
        ("wikigold held-out documents (every 5th)", held_out),
        ("GMB 2.2.0 (VOA news)", gmb),
    ):
        predicted, speed = tag_all(model, test, gazetteer)
        gold = [t for document in test for _, t in document]
        table(f"{name} on {title}", gold, predicted, speed if test is testb else 0)
    confidence_table(model, testb, gazetteer, f"CoNLL-2003 {test_file}")
    reuters_speed(model)
    if not research:
        return
    with tempfile.TemporaryDirectory() as tmp:
        conll = Path(tmp) / "conll.crfsuite"
        started = time.perf_counter()
        train(list(read_conll(data / "conll2003" / "eng.train.gz")), conll, gazetteer, **CONLL_PARAMS)  # type: ignore[arg-type]
        print(f"\nresearch model trained on eng.train in {time.perf_counter() - started:.0f}s (not shipped)")
        predicted, speed = tag_all(conll, testb, gazetteer)
        table(
            "research model (CoNLL eng.train) on CoNLL-2003 eng.testb",
            [t for document in testb for _, t in document],
            predicted,
            speed,
        )


if __name__ == "__main__":
    main()
