"""Guided themes: comments put into the themes officials named, or «Ý kiến khác».

Each theme starts from its examples and its label and keywords; the section's own comments
then refine it (self-training: a few rounds where each theme's centre moves towards the
comments it won), since three examples alone cover few of the ways people say the same thing.
The same call is the incremental update: existing members are the examples, sampled.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.preprocessing import normalize

from bot.themes.model import Defined, Doc
from bot.themes.text import Tokens
from bot.themes.vectors import Space, analyse

KEEP_FIRST = 30  # examples always kept: officials' moves come first
MAX_EXAMPLES = 60  # per theme; a theme of 100,000 members is sampled down to this
KEYWORD_WEIGHT = 1.5  # label + keywords against all examples together (tuned on DEV)
POOL_WEIGHT = 1.0  # the comments a theme won, against its examples, in self-training
ROUNDS = 5
KEYWORD_BOOST = 0.1  # added to a theme's score when a comment contains one of its keywords
THRESHOLD = 0.08  # cosine to the nearest theme below which a comment is «Ý kiến khác»

Matrix = npt.NDArray[np.float64]


def sample_examples(examples: Sequence[str], size: int = MAX_EXAMPLES) -> list[str]:
    """The first ``KEEP_FIRST`` examples, then evenly spaced others up to ``size``."""
    if len(examples) <= size:
        return list(examples)
    head = list(examples[:KEEP_FIRST])
    rest = examples[KEEP_FIRST:]
    picks = np.linspace(0, len(rest) - 1, size - len(head)).round().astype(int)
    return head + [rest[int(i)] for i in np.unique(picks)]


def _keyword_hits(found: Sequence[Tokens], themes: Sequence[Defined]) -> Matrix:
    """1 where a comment contains (folded) one of the theme's keywords or its label."""
    wanted = [{" ".join(k.folded) for k in analyse([*t.keywords]) if k.folded} for t in themes]
    hits = np.zeros((len(found), len(themes)))
    for i, doc in enumerate(found):
        text = f" {' '.join(doc.folded)} "
        for t, phrases in enumerate(wanted):
            if any(f" {p} " in text for p in phrases):
                hits[i, t] = 1.0
    return hits


def _mean(rows: sparse.csr_matrix) -> Matrix:
    if rows.shape[0] == 0:
        return np.zeros(rows.shape[1])
    return np.asarray(rows.mean(axis=0)).ravel()


def assign(
    docs: Sequence[Doc],
    themes: Sequence[Defined],
    *,
    threshold: float = THRESHOLD,
    rounds: int = ROUNDS,
    boost: float = KEYWORD_BOOST,
) -> dict[int, int | None]:
    """Doc key → the key of the nearest theme, or None when no theme is near (or none given)."""
    ordered = sorted(docs, key=lambda d: d.key)
    if not themes or not ordered:
        return {d.key: None for d in ordered}
    found = analyse([d.text for d in ordered])
    examples = [analyse(sample_examples(t.examples)) for t in themes]
    named = analyse([" , ".join([t.label, *t.keywords]) for t in themes])
    every: list[Tokens] = [*found, *named]
    for group in examples:
        every.extend(group)
    if not any(f.folded for f in every):
        return {d.key: None for d in ordered}
    # Fitted on the section's comments too (transductive): their words get IDF weights.
    space = Space(chars=True).fit(every)
    whole = space.transform(every)  # once: per-call overhead dominates 20 small transforms
    rows = whole[: len(found)]
    named_rows = whole[len(found) : len(found) + len(named)]
    starts = np.cumsum([len(found) + len(named)] + [len(g) for g in examples])
    base = np.vstack([_mean(whole[a:b]) for a, b in itertools.pairwise(starts)])
    base = normalize(base) + KEYWORD_WEIGHT * np.asarray(normalize(named_rows).toarray())
    centres = normalize(base)
    # Keywords an official typed are a strong, explicit signal: a comment naming one leans
    # towards that theme whatever else it shares with the others.
    boosted = boost * _keyword_hits(found, themes)
    scores = np.asarray(rows @ centres.T) + boosted
    for _ in range(rounds):
        best = scores.argmax(axis=1)
        won = np.vstack([_mean(rows[np.flatnonzero(best == t)]) for t in range(len(themes))])
        centres = normalize(normalize(base) + POOL_WEIGHT * normalize(won))
        scores = np.asarray(rows @ centres.T) + boosted
    best = scores.argmax(axis=1)
    out: dict[int, int | None] = {}
    for i, doc in enumerate(ordered):
        near = float(scores[i, best[i]])
        out[doc.key] = themes[int(best[i])].key if near >= threshold else None
    return out
