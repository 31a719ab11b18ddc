"""Comments as vectors: TF-IDF of folded syllable uni- and bigrams, optionally of character
n-grams (spelling slips), plus the shipped civic concepts; rows L2-normalised."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from bot.themes.concepts import concept_matrix
from bot.themes.text import Tokens, grams, tokens

# Measured on the labelled set (tests/bench/themes.py): concepts weigh as much as words.
CONCEPT_WEIGHT = 1.0
CHAR_WEIGHT = 0.7


def analyse(texts: Sequence[str]) -> list[Tokens]:
    """Tokens of each text; a text repeated (near-duplicates, copies) is analysed once."""
    seen: dict[str, Tokens] = {}
    out = []
    for text in texts:
        found = seen.get(text)
        if found is None:
            found = seen[text] = tokens(text)
        out.append(found)
    return out


def _words(found: Tokens) -> list[str]:
    return grams(found.folded, 2)


def _chars(found: Tokens) -> str:
    return " ".join(found.folded)


@dataclass(slots=True)
class Space:
    """A vector space fitted on one collection of texts (a section's comments)."""

    chars: bool = False
    concepts: float = CONCEPT_WEIGHT
    _word: TfidfVectorizer = field(init=False)
    _char: TfidfVectorizer | None = field(init=False, default=None)

    def fit(self, found: Sequence[Tokens]) -> Space:
        """Learn vocabulary and IDF from ``found``."""
        self._word = TfidfVectorizer(analyzer=_words, sublinear_tf=True, dtype=np.float64)
        self._word.fit(found)
        if self.chars:
            self._char = TfidfVectorizer(
                analyzer="char_wb",
                ngram_range=(3, 5),
                sublinear_tf=True,
                min_df=2,
                dtype=np.float64,
            )
            try:
                self._char.fit([_chars(f) for f in found])
            except ValueError:  # no n-gram seen twice: a tiny or empty collection
                self._char = None
        return self

    def transform(self, found: Sequence[Tokens]) -> sparse.csr_matrix:
        """Rows for ``found``: words, characters and concepts side by side, L2-normalised."""
        parts = [self._word.transform(found)]
        if self._char is not None:
            parts.append(CHAR_WEIGHT * self._char.transform([_chars(f) for f in found]))
        if self.concepts:
            parts.append(self.concepts * concept_matrix(found))
        return sparse.csr_matrix(normalize(sparse.hstack(parts).tocsr()))


def vectorise(
    found: Sequence[Tokens], *, chars: bool = False, concepts: float = CONCEPT_WEIGHT
) -> sparse.csr_matrix:
    """Fit a space on ``found`` and return its rows."""
    if not any(f.folded for f in found):
        return sparse.csr_matrix((len(found), 1))
    space = Space(chars=chars, concepts=concepts).fit(found)
    return space.transform(found)
