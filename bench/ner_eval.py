"""Entity-tagger quality on CoNLL-2003 eng.testb and wikigold (entity-level exact match).

Usage: python -m bench.ner_eval [--data ../shared/data] [--skip-conll] [--out FILE]

Prints per-type P/R/F1 (PER/LOC/ORG; MISC ignored) for:
  * the packaged model (trained on wikigold only: openly licensed) on eng.testb;
  * the packaged recipe in 5-fold cross-validation on wikigold (never scored on its training data);
  * a research model trained on CoNLL eng.train (tuned on eng.testa), on eng.testb and wikigold.
    CoNLL-2003 may not be redistributed: this model is built in a temp dir and never shipped.
Also prints tagging speed (tokens/s, features included).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import pycrfsuite

from searchidx.entities.decode import decode
from searchidx.entities.features import Gazetteer, sentence_features
from searchidx.entities.tagger import DEFAULT_MODEL
from searchidx.entities.train import evaluate, load_gazetteer, read_conll, train

ROOT = Path(__file__).resolve().parent.parent
Tagged = tuple[list[str], list[str]]
RESULTS: list[dict[str, object]] = []  # every table printed, for --out
SHIPPED_PARAMS = {"c1": 0.1, "c2": 0.05, "max_iterations": 200}
CONLL_PARAMS = {"c1": 0.05, "c2": 0.05, "max_iterations": 150}


def tag_all(model: Path, data: Sequence[Tagged], gazetteer: Gazetteer) -> tuple[list[list[str]], float]:
    tagger = pycrfsuite.Tagger()
    tagger.open(str(model))
    started = time.perf_counter()
    predicted = []
    for words, _ in data:
        tags = ["O"] * len(words)
        for first, last, kind in decode(words, tagger.tag(sentence_features(words, gazetteer))):
            tags[first] = "B-" + kind
            for i in range(first + 1, last):
                tags[i] = "I-" + kind
        predicted.append(tags)
    tokens = sum(len(w) for w, _ in data)
    return predicted, tokens / (time.perf_counter() - started)


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


def cross_validate(data: Sequence[Tagged], gazetteer: Gazetteer, folds: int, work: Path) -> None:
    gold: list[list[str]] = []
    predicted: list[list[str]] = []
    size = len(data) // folds + 1
    for k in range(folds):
        test = data[k * size : (k + 1) * size]
        rest = [*data[: k * size], *data[(k + 1) * size :]]
        model = work / f"fold{k}.crfsuite"
        train(rest, model, gazetteer, **SHIPPED_PARAMS)  # type: ignore[arg-type]
        predicted += tag_all(model, test, gazetteer)[0]
        gold += [t for _, t in test]
    table(f"packaged recipe, {folds}-fold cross-validation on wikigold", gold, predicted)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--skip-conll", action="store_true", help="skip training the research model")
    parser.add_argument("--out", type=Path, help="also write the tables as JSON here")
    args = parser.parse_args()
    try:
        evaluate_all(args.data, args.skip_conll)
    finally:
        if args.out:
            args.out.write_text(json.dumps(RESULTS, indent=1))


def evaluate_all(data: Path, skip_conll: bool) -> None:
    gazetteer = load_gazetteer()
    testb = list(read_conll(data / "conll2003" / "eng.testb.gz"))
    wiki = list(read_conll(data / "wikigold" / "wikigold.conll.txt"))
    gold_b = [t for _, t in testb]
    predicted, speed = tag_all(DEFAULT_MODEL, testb, gazetteer)
    table(
        f"packaged model ({DEFAULT_MODEL.name}, wikigold-trained) on CoNLL-2003 eng.testb",
        gold_b,
        predicted,
        speed,
    )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cross_validate(wiki, gazetteer, 5, work)
        if skip_conll:
            return
        research = work / "conll.crfsuite"
        started = time.perf_counter()
        train(list(read_conll(data / "conll2003" / "eng.train.gz")), research, gazetteer, **CONLL_PARAMS)  # type: ignore[arg-type]
        print(f"\nresearch model trained on eng.train in {time.perf_counter() - started:.0f}s (not shipped)")
        predicted, speed = tag_all(research, testb, gazetteer)
        table("research model (CoNLL eng.train) on CoNLL-2003 eng.testb", gold_b, predicted, speed)
        predicted, _ = tag_all(research, wiki, gazetteer)
        table("research model (CoNLL eng.train) on wikigold", [t for _, t in wiki], predicted)


if __name__ == "__main__":
    main()
