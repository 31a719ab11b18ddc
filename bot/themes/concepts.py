"""Civic concepts shipped in ``concepts.txt``: a comment's counts per concept, so comments on one
matter that share no word («bệnh viện quá tải», «BHYT phiền hà») still look alike."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib.resources import files

import numpy as np
import numpy.typing as npt
from scipy import sparse

from bot.themes.text import Tokens, nfc, syllables


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
            # Matched on every syllable, stop words too: without them «giá cả» would be «giá»
            # and «chi bộ» «bộ», common syllables that match everywhere.
            surface, folded, _ = syllables(term)
            if not folded:
                continue
            exact.setdefault(" ".join(surface), set()).add(index)
            bare.setdefault(" ".join(folded), set()).add(index)
            starts.setdefault(folded[0], set()).add(len(folded))
    return (
        tuple(names),
        exact,
        bare,
        {first: tuple(sorted(sizes)) for first, sizes in starts.items()},
    )


def concept_names() -> tuple[str, ...]:
    """The shipped concepts' names, in file order."""
    return _table()[0]


def hits(surface: Sequence[str], folded: Sequence[str]) -> tuple[int, ...]:
    """The concepts named in a text, given all its syllables (``text.syllables``)."""
    _, exact, bare, starts = _table()
    out: list[int] = []
    n = len(folded)
    for i, first in enumerate(folded):
        for size in starts.get(first, ()):
            if i + size > n:
                break
            said = " ".join(surface[i : i + size])
            bare_said = " ".join(folded[i : i + size])
            if said in exact:
                out.extend(exact[said])
            elif said == bare_said and bare_said in bare:
                # Typed without diacritics: «dat» may be «đất»; with them, «đạt» is not.
                out.extend(bare[bare_said])
    return tuple(out)


def concept_matrix(
    found: Sequence[Tokens],
) -> sparse.csr_matrix:
    """Rows: documents; columns: concepts; values log(1 + matches), rows L2-normalised."""
    size = len(concept_names())
    rows: list[int] = []
    cols: list[int] = []
    for r, doc in enumerate(found):
        for c in doc.concepts:
            rows.append(r)
            cols.append(c)
    data: npt.NDArray[np.float64] = np.ones(len(rows))
    counts = sparse.csr_matrix((data, (rows, cols)), shape=(len(found), size))
    counts.sum_duplicates()
    counts.data = np.log1p(counts.data)
    norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ counts)
