"""Short labels (key phrases) and representative quotes for a group of comments."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
from scipy import sparse

from bot.themes.model import Doc
from bot.themes.text import Tokens, nfc
from bot.themes.vectors import analyse, vectorise

Phrases = dict[str, Counter[str]]  # folded phrase → its surface forms and how often


def phrases(found: Tokens, sizes: range = range(1, 5)) -> Phrases:
    """The phrases (content-syllable n-grams) of one comment, each counted once."""
    out: Phrases = {}
    for n in sizes:
        for i in range(len(found.folded) - n + 1):
            key = " ".join(found.folded[i : i + n])
            out.setdefault(key, Counter())[" ".join(found.surface[i : i + n])] += 1
    return out


def document_frequency(group: Sequence[Tokens]) -> Counter[str]:
    """In how many comments each folded phrase occurs."""
    counts: Counter[str] = Counter()
    for found in group:
        counts.update(phrases(found).keys())
    return counts


def _surface(key: str, group: Sequence[Tokens]) -> str:
    forms: Counter[str] = Counter()
    for found in group:
        forms.update(phrases(found, range(len(key.split()), len(key.split()) + 1)).get(key, {}))
    # A form typed with diacritics reads better than the same words without them.
    best = max(sorted(forms), key=lambda form: forms[form] * (2 if form != key else 1))
    return best[:1].upper() + best[1:]


def key_phrase(
    group: Sequence[Tokens], background: Mapping[str, int] | None = None, total: int = 0
) -> str:
    """The phrase most typical of ``group``: frequent in it, rarer elsewhere (``background``
    holds document frequencies over ``total`` comments), two to four syllables when one recurs."""
    inside = document_frequency(group)
    if not inside:
        return ""

    def score(key: str) -> tuple[float, int, str]:
        size = len(key.split())
        idf = 1.0
        if background is not None:
            idf = math.log((total + 1) / (background.get(key, 0) + 1)) + 1
        # Longer phrases say more; a phrase seen once says nothing about a group.
        recurring = inside[key] >= 2 or len(group) == 1
        return (inside[key] * idf * (1 + 0.5 * (size - 1)) * (1 if recurring else 0.1), -size, key)

    longer = [k for k in inside if len(k.split()) >= 2]
    best_long = max(longer, key=score) if longer else None
    best_one = max((k for k in inside if " " not in k), key=score, default=None)
    if best_long is not None and (
        best_one is None or inside[best_long] * 3 >= inside[best_one] or len(group) == 1
    ):
        best = best_long
    else:
        best = best_one or best_long or ""
    return _surface(best, group)


def label_for(texts: Sequence[str]) -> str:
    """A short key phrase for ``texts`` (2–5 words when they share one), NFC, never empty."""
    found = analyse(texts)
    phrase = key_phrase(found)
    if phrase:
        return nfc(phrase)
    # No content word at all (emoji, punctuation): the first text's start stands for them.
    for text in texts:
        words = nfc(text).split()
        if words:
            return " ".join(words[:5])[:60]
    return "…"


def closest(rows: sparse.csr_matrix | npt.NDArray[np.float64], k: int) -> list[int]:
    """Indices of up to ``k`` rows nearest the rows' centroid, skipping near-copies of one
    already chosen (three quotes saying the same thing show less of the group)."""
    n = rows.shape[0]
    if n == 0:
        return []
    centroid = np.asarray(rows.mean(axis=0)).ravel()
    scores = np.asarray(rows @ centroid).ravel()
    order = np.lexsort((np.arange(n), -scores))
    chosen: list[int] = []
    for i in order:
        row = rows[int(i)]
        if any(float(np.asarray((row @ rows[j].T).sum())) > 0.9 for j in chosen):
            continue
        chosen.append(int(i))
        if len(chosen) == k:
            return chosen
    for i in order:  # too few distinct rows: fill with the nearest copies
        if len(chosen) == min(k, n):
            break
        if int(i) not in chosen:
            chosen.append(int(i))
    return chosen


def representative(docs: Sequence[Doc], k: int = 3) -> tuple[int, ...]:
    """Keys of up to ``k`` comments that best stand for ``docs`` (nearest their centroid)."""
    ordered = sorted(docs, key=lambda d: d.key)
    rows = vectorise(analyse([d.text for d in ordered]))
    return tuple(ordered[i].key for i in closest(rows, k))
