"""Word clusters from unlabelled text (build time only): class-bigram exchange clustering.

Martin, Liermann & Ney (1998), *Algorithms for bigram and trigram word clustering*: every
word sits in one of ``classes`` classes, and words move one at a time to the class that most
raises the likelihood of the text under a class-bigram model (the objective Brown clustering
greedily optimises), until a pass moves few words. Pure Python and deterministic (same text, same
clusters, byte for byte): no random start, ties go to the lowest class number.

Rare words (fewer than ``min_count``) stand in the text as their word shape (``<Xx>``, ``<d>``)
so their neighbours still count; they get no cluster of their own. The result is written as
``clusters.txt`` (``word<TAB>class`` lines), which :func:`gazetteer.read_clusters` loads.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

from .word_entries import shape

__all__ = ["coarse_clusters", "exchange_clusters", "write_clusters"]

_BOUNDARY = "<s>"


def exchange_clusters(
    sentences: Iterable[Sequence[str]],
    classes: int = 256,
    min_count: int = 3,
    passes: int = 12,
    min_moved: float = 0.002,
) -> dict[str, int]:
    """Cluster the words of ``sentences``; return word -> class (frequent words only)."""
    counts: dict[str, int] = {}
    text: list[list[str]] = []
    for words in sentences:
        text.append(list(words))
        for word in words:
            counts[word] = counts.get(word, 0) + 1
    kept = sorted((w for w, n in counts.items() if n >= min_count), key=lambda w: (-counts[w], w))
    index = {w: i for i, w in enumerate(kept)}
    names = list(kept)

    def ident(word: str) -> int:
        found = index.get(word)
        if found is None:
            token = f"<{shape(word)[:4]}>"
            found = index.get(token)
            if found is None:
                found = index[token] = len(names)
                names.append(token)
        return found

    boundary = index[_BOUNDARY] = len(names)
    names.append(_BOUNDARY)
    # Word bigram counts: succ[w][y] = n(w y), pred[y][w] = n(w y).
    succ: list[dict[int, int]] = [{} for _ in names]
    stream: list[int] = [boundary]
    for words in text:
        stream += [ident(w) for w in words]
        stream.append(boundary)
    succ += [{} for _ in range(len(names) - len(succ))]
    for left, right in itertools.pairwise(stream):
        row = succ[left]
        row[right] = row.get(right, 0) + 1
    size = len(names)
    pred: list[dict[int, int]] = [{} for _ in range(size)]
    for left in range(size):
        for right, n in succ[left].items():
            pred[right][left] = n
    total = len(stream)
    table = [0.0] + [x * math.log(x) for x in range(1, total + 1)]

    cls = [i % classes for i in range(size)]  # by frequency rank: the top words spread out
    grid = [0] * (classes * classes)
    left_n = [0] * classes
    right_n = [0] * classes
    for left in range(size):
        for right, n in succ[left].items():
            grid[cls[left] * classes + cls[right]] += n
            left_n[cls[left]] += n
            right_n[cls[right]] += n

    order = list(range(size))
    for _ in range(passes):
        moved = 0
        for w in order:
            a = cls[w]
            lw: dict[int, int] = {}
            for x, n in pred[w].items():
                if x != w:
                    c = cls[x]
                    lw[c] = lw.get(c, 0) + n
            rw: dict[int, int] = {}
            for y, n in succ[w].items():
                if y != w:
                    d = cls[y]
                    rw[d] = rw.get(d, 0) + n
            self_n = succ[w].get(w, 0)
            nl = sum(succ[w].values())
            nr = sum(pred[w].values())
            # take w out of a
            for c, n in lw.items():
                grid[c * classes + a] -= n
            for d, n in rw.items():
                grid[a * classes + d] -= n
            grid[a * classes + a] -= self_n
            left_n[a] -= nl
            right_n[a] -= nr
            lw_items = list(lw.items())
            rw_items = list(rw.items())
            best, best_gain = a, -math.inf
            for b in range(classes):
                gain = 0.0
                for c, n in lw_items:
                    if c != b:
                        v = grid[c * classes + b]
                        gain += table[v + n] - table[v]
                base = b * classes
                for d, n in rw_items:
                    if d != b:
                        v = grid[base + d]
                        gain += table[v + n] - table[v]
                v = grid[base + b]
                gain += table[v + lw.get(b, 0) + rw.get(b, 0) + self_n] - table[v]
                gain -= table[left_n[b] + nl] - table[left_n[b]]
                gain -= table[right_n[b] + nr] - table[right_n[b]]
                if gain > best_gain + 1e-9:
                    best, best_gain = b, gain
            if best != a:
                moved += 1
            cls[w] = best
            for c, n in lw.items():
                grid[c * classes + best] += n
            for d, n in rw.items():
                grid[best * classes + d] += n
            grid[best * classes + best] += self_n
            left_n[best] += nl
            right_n[best] += nr
        if moved < min_moved * len(order):
            break
    return {kept[i]: cls[i] for i in range(len(kept))}


def coarse_clusters(
    sentences: Iterable[Sequence[str]], fine: dict[str, int], classes: int = 48
) -> dict[int, int]:
    """Group the fine classes into ``classes`` coarse ones; return fine class -> coarse class.

    The same exchange algorithm, run on the text with every word replaced by its fine class.
    """
    text = [[f"c{fine[w]}" if w in fine else w for w in words] for words in sentences]
    grouped = exchange_clusters(text, classes=classes, min_count=1)
    return {int(token[1:]): c for token, c in grouped.items() if token[:1] == "c" and token[1:].isdigit()}


def write_clusters(fine: dict[str, int], coarse: dict[int, int], path: Path) -> int:
    """Write ``word<TAB>coarse-fine`` lines, sorted by word; return the number of words."""
    lines = [f"{word}\t{coarse.get(c, 0)}-{c}" for word, c in sorted(fine.items()) if "\t" not in word]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)
