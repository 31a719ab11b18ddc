"""Automatic themes: vectors (words + concepts) → LSA → k-means, with the number of themes
chosen by silhouette; a large section is fitted on a seeded sample and the rest predicted."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from bot.themes.label import closest, document_frequency, key_phrase, label_for
from bot.themes.model import Doc, Found
from bot.themes.vectors import analyse, vectorise

LSA_DIMS = 100
MIN_THEMES = 2
MAX_THEMES = 20
CHOOSE_SAMPLE = 1500  # rows the number of themes is chosen on (silhouette is quadratic)
FIT_SAMPLE = 10000  # rows k-means and LSA are fitted on; the others are projected
LABEL_SAMPLE = 400  # comments a label is read from, per theme and (x10) for the background
QUOTES = 3

Matrix = npt.NDArray[np.float64]


def _sample(n: int, size: int, seed: int) -> npt.NDArray[np.intp]:
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size, replace=False))


def reduce(rows: sparse.csr_matrix, seed: int, dims: int = LSA_DIMS) -> Matrix:
    """LSA: rows projected on their main ``dims`` directions, L2-normalised (synonyms that
    occur with the same words end up close)."""
    n, width = rows.shape
    dims = min(dims, width - 1, n - 1)
    if dims < 2:
        return np.asarray(rows.toarray(), dtype=float)
    svd = TruncatedSVD(dims, random_state=seed)
    # Copies of one comment have no variance: the explained-variance ratio (unused) is 0/0.
    with np.errstate(divide="ignore", invalid="ignore"):
        svd.fit(rows[_sample(n, FIT_SAMPLE, seed)])
    return np.asarray(normalize(svd.transform(rows)), dtype=float)


def choose_k(points: Matrix, seed: int, low: int = MIN_THEMES, high: int = MAX_THEMES) -> int:
    """The number of themes with the best silhouette (cosine) on a seeded sample."""
    sample = points[_sample(len(points), CHOOSE_SAMPLE, seed)]
    distinct = len(np.unique(np.round(sample, 6), axis=0))
    high = min(high, distinct - 1, len(sample) // 3)
    if high < low:
        return 1
    best, best_score = low, -2.0
    for k in range(low, high + 1):
        labels = KMeans(k, n_init=3, random_state=seed).fit_predict(sample)
        if len(set(labels.tolist())) < 2:
            continue
        score = float(silhouette_score(sample, labels, metric="cosine"))
        if score > best_score + 1e-9:
            best, best_score = k, score
    return best


def cluster(points: Matrix, k: int, seed: int) -> npt.NDArray[np.intp]:
    """k-means on a seeded sample of ``points``, every point then given its nearest centre."""
    if k <= 1:
        return np.zeros(len(points), dtype=np.intp)
    fit = points[_sample(len(points), FIT_SAMPLE, seed)]
    model = KMeans(k, n_init=5, random_state=seed).fit(fit)
    return np.asarray(model.predict(points), dtype=np.intp)


def discover(
    docs: Sequence[Doc], *, seed: int = 0, k: int | None = None, max_themes: int = MAX_THEMES
) -> list[Found]:
    """Themes of ``docs``, largest first; every doc is in exactly one. Deterministic for a
    given ``seed`` and independent of the input order (docs are taken by key). Comments with
    no content word (emoji only) form a theme of their own. ``k`` forces the number of themes."""
    # One BLAS/OpenMP thread: on a shared machine k-means' threads spin waiting for a busy
    # core (measured: 2.5 times the CPU time for the same result).
    with threadpool_limits(limits=1):
        return _discover(docs, seed, k, max_themes)


def _discover(docs: Sequence[Doc], seed: int, k: int | None, max_themes: int) -> list[Found]:
    ordered = sorted(docs, key=lambda d: d.key)
    found = analyse([d.text for d in ordered])
    empty = [i for i, f in enumerate(found) if not f.folded]
    full = [i for i, f in enumerate(found) if f.folded]
    out = []
    if full:
        rows = vectorise([found[i] for i in full])
        points = reduce(rows, seed)
        themes = k if k is not None else choose_k(points, seed, high=max_themes)
        labels = cluster(points, min(themes, len(full)), seed)
        # Labels are read from seeded samples: phrase counts over 100,000 comments cost more
        # than the clustering itself, and a sample of a few hundred names a theme as well.
        sampled = _sample(len(found), 10 * LABEL_SAMPLE, seed)
        background = document_frequency([ordered[i].text for i in sampled])
        for g in sorted(set(labels.tolist())):
            at = np.flatnonzero(labels == g)
            members = [full[i] for i in at]
            quotes = [members[i] for i in closest(rows[at], QUOTES)]
            some = [ordered[members[i]].text for i in _sample(len(members), LABEL_SAMPLE, seed)]
            label = key_phrase(some, background, len(sampled))
            out.append(_found(ordered, members, quotes, label))
    if empty:
        texts = [ordered[i].text for i in empty]
        out.append(_found(ordered, empty, empty[:QUOTES], label_for(texts)))
    return sorted(out, key=lambda f: (-len(f.members), f.members[0]))


def _found(ordered: Sequence[Doc], members: list[int], quotes: list[int], label: str) -> Found:
    return Found(
        label=label or label_for([ordered[i].text for i in members]),
        members=tuple(sorted(ordered[i].key for i in members)),
        quotes=tuple(ordered[i].key for i in quotes),
    )
