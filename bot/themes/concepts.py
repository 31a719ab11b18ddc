"""Civic concepts shipped in ``concepts.txt``: a comment's counts per concept, so comments on one
matter that share no word («bệnh viện quá tải», «BHYT phiền hà») still look alike."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib.resources import files

import numpy as np
import numpy.typing as npt
from scipy import sparse

from bot.themes.text import Tokens, nfc, tokens


@cache
def _table() -> tuple[
    tuple[str, ...], dict[str, set[int]], dict[str, set[int]], dict[str, tuple[int, ...]]
]:
    """(concept names, surface term → concepts, folded term → concepts, folded first syllable →
    the lengths of the terms it starts: looking only those up keeps 100,000 comments fast)."""
    names: list[str] = []
    exact: dict[str, set[int]] = {}
    bare: dict[str, set[int]] = {}
    starts: dict[str, set[int]] = {}
    text = (files("bot.themes") / "concepts.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        clean = nfc(line.strip().casefold())
        if not clean or clean.startswith("#"):
            continue
        name, _, terms = clean.partition(":")
        index = len(names)
        names.append(name.strip())
        for term in terms.split(","):
            # Through the same pipeline as comments, so a term's stop words drop out alike.
            found = tokens(term)
            if not found.folded:
                continue
            exact.setdefault(" ".join(found.surface), set()).add(index)
            bare.setdefault(" ".join(found.folded), set()).add(index)
            starts.setdefault(found.folded[0], set()).add(len(found.folded))
    return (
        tuple(names),
        exact,
        bare,
        {first: tuple(sorted(sizes)) for first, sizes in starts.items()},
    )


def concept_names() -> tuple[str, ...]:
    """The shipped concepts' names, in file order."""
    return _table()[0]


def _hits(found: Tokens) -> list[int]:
    _, exact, bare, starts = _table()
    out: list[int] = []
    n = len(found.folded)
    for i, first in enumerate(found.folded):
        for size in starts.get(first, ()):
            if i + size > n:
                break
            surface = " ".join(found.surface[i : i + size])
            folded = " ".join(found.folded[i : i + size])
            if surface in exact:
                out.extend(exact[surface])
            elif surface == folded and folded in bare:
                # Typed without diacritics: «dat» may be «đất»; with them, «đạt» is not.
                out.extend(bare[folded])
    return out


def concept_matrix(
    found: Sequence[Tokens],
) -> sparse.csr_matrix:
    """Rows: documents; columns: concepts; values log(1 + matches), rows L2-normalised."""
    size = len(concept_names())
    rows: list[int] = []
    cols: list[int] = []
    for r, doc in enumerate(found):
        for c in _hits(doc):
            rows.append(r)
            cols.append(c)
    data: npt.NDArray[np.float64] = np.ones(len(rows))
    counts = sparse.csr_matrix((data, (rows, cols)), shape=(len(found), size))
    counts.sum_duplicates()
    counts.data = np.log1p(counts.data)
    norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ counts)
