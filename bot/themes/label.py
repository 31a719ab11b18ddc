"""Short labels (key phrases) and representative quotes for a group of comments."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
from scipy import sparse

from bot.themes.model import Doc
from bot.themes.text import nfc, syllables
from bot.themes.vectors import analyse, vectorise

Phrases = dict[str, Counter[str]]  # folded phrase → its surface forms and how often
LONGEST = 4
# Rows nearest the centroid looked at for distinct quotes: past these, a group of near-copies
# (a pasted campaign, spam) would cost a sparse product per row for nothing.
SCAN = 200


def phrases(text: str) -> Phrases:
    """The phrases of one comment, each counted once: 1–4 syllables that start and end with
    a content word; stop words may sit inside («nhà ở xã hội»)."""
    surface, folded, keep = syllables(text)
    out: Phrases = {}
    for i in range(len(surface)):
        if not keep[i]:
            continue
        for j in range(i, min(i + LONGEST, len(surface))):
            if keep[j]:
                key = " ".join(folded[i : j + 1])
                out.setdefault(key, Counter())[" ".join(surface[i : j + 1])] += 1
    return out


def document_frequency(texts: Sequence[str]) -> Counter[str]:
    """In how many texts each folded phrase occurs."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(phrases(text).keys())
    return counts


def key_phrase(
    texts: Sequence[str], background: Mapping[str, int] | None = None, total: int = 0
) -> str:
    """The phrase most typical of ``texts``: frequent in them, rarer elsewhere (``background``
    holds document frequencies over ``total`` comments); empty when they have no content word."""
    found = [phrases(t) for t in texts]
    inside: Counter[str] = Counter()
    for one in found:
        inside.update(one.keys())
    if not inside:
        return ""

    def score(key: str) -> tuple[float, int, str]:
        size = len(key.split())
        idf = 1.0
        if background is not None:
            idf = math.log((total + 1) / (background.get(key, 0) + 1)) + 1
        return (inside[key] * idf * (1 + 0.2 * (size - 1)), -size, key)

    # A single syllable («Học») rarely names a matter; a phrase («Học phí») does, if it recurs
    # across the group (a phrase of two near-copies only names those two).
    common = max(2, len(texts) // 10) if len(texts) > 1 else 1
    longer = [k for k in inside if " " in k and inside[k] >= common]
    best = max(longer or inside, key=score)
    forms: Counter[str] = Counter()
    for one in found:
        forms.update(one.get(best, {}))
    # A form typed with diacritics reads better than the same words without them.
    text = max(sorted(forms), key=lambda form: forms[form] * (2 if form != best else 1))
    return text[:1].upper() + text[1:]


def label_for(texts: Sequence[str]) -> str:
    """A short key phrase for ``texts`` (2–5 words when they share one), NFC, never empty."""
    phrase = key_phrase(texts)
    if phrase:
        return nfc(phrase)
    # No content word at all (emoji, punctuation): the first text's start stands for them,
    # less any number: a phone or ID number a citizen left must not name a group in a letter.
    for text in texts:
        words = [w for w in nfc(text).split() if not any(ch.isdigit() for ch in w)]
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
    for i in order[:SCAN]:
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
