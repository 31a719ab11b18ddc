"""Vietnamese text for grouping: NFC, case fold, diacritics folded, chat abbreviations expanded,
stop words dropped, syllable n-grams.

A comment typed without diacritics («ko co dien») must meet one typed with them («không có
điện»), so every feature is built from folded syllables; the surface form (with diacritics) is
kept beside it only to write labels people can read.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def nfc(text: str) -> str:
    """The text in Unicode NFC, as stored everywhere in gopy."""
    return unicodedata.normalize("NFC", text)


@cache
def fold(word: str) -> str:
    """``word`` lower-cased without diacritics: «Điện» → «dien». Cached: syllables repeat."""
    decomposed = unicodedata.normalize("NFD", word.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.replace("đ", "d")


def _lines(name: str) -> Iterator[str]:
    for line in (files("bot.themes") / name).read_text(encoding="utf-8").splitlines():
        clean = nfc(line.strip().casefold())
        if clean and not clean.startswith("#"):
            yield clean


@cache
def abbreviations() -> dict[str, tuple[str, ...]]:
    """Chat abbreviation → the syllables it stands for (with diacritics)."""
    table: dict[str, tuple[str, ...]] = {}
    for line in _lines("abbreviations.txt"):
        short, _, full = line.partition(" ")
        table[short] = tuple(full.split())
    return table


@cache
def stop_words() -> tuple[frozenset[str], frozenset[str]]:
    """Stop words as (phrases with diacritics, their folded forms)."""
    words = frozenset(_lines("stopwords.txt"))
    return words, frozenset(" ".join(fold(s) for s in w.split()) for w in words)


@dataclass(frozen=True, slots=True)
class Tokens:
    """A text's content syllables: ``surface`` (lower case, diacritics kept) and ``folded``;
    ``concepts``: the shipped civic concepts it names (found on all syllables, stop words too)."""

    surface: tuple[str, ...]
    folded: tuple[str, ...]
    concepts: tuple[int, ...] = ()


def _is_stop(surface: str, folded: str) -> bool:
    exact, bare = stop_words()
    # Typed without diacritics, «co» may be «có» (a stop word) or «cỏ»: the folded list decides.
    return surface in exact or (surface == folded and folded in bare)


def syllables(text: str) -> tuple[list[str], list[str], list[bool]]:
    """Every syllable of ``text`` (abbreviations expanded), folded, and whether it is content
    (not a stop word; two-syllable stop words such as «đề nghị» count as one)."""
    table = abbreviations()
    surface: list[str] = []
    for raw in _WORD.findall(nfc(text).casefold()):
        if raw.isdigit():
            continue  # house numbers and dates split nobody's themes
        surface.extend(table.get(raw, (raw,)))
    folded = [fold(s) for s in surface]
    keep = [True] * len(surface)
    for i in range(len(surface) - 1):
        if _is_stop(f"{surface[i]} {surface[i + 1]}", f"{folded[i]} {folded[i + 1]}"):
            keep[i] = keep[i + 1] = False
    for i, (s, f) in enumerate(zip(surface, folded, strict=True)):
        if keep[i] and _is_stop(s, f):
            keep[i] = False
    return surface, folded, keep


def tokens(text: str) -> Tokens:
    """Content syllables of ``text``, and the concepts it names."""
    from bot.themes.concepts import hits  # concepts reads its terms with ``syllables``

    surface, folded, keep = syllables(text)
    return Tokens(
        tuple(s for s, k in zip(surface, keep, strict=True) if k),
        tuple(f for f, k in zip(folded, keep, strict=True) if k),
        hits(surface, folded),
    )


def grams(folded: tuple[str, ...], longest: int = 2) -> list[str]:
    """Syllable n-grams up to ``longest``: Vietnamese words are mostly one or two syllables, so
    bigrams stand in for word segmentation and work on text typed without diacritics too."""
    out = list(folded)
    for n in range(2, longest + 1):
        out.extend(" ".join(folded[i : i + n]) for i in range(len(folded) - n + 1))
    return out


def folded_text(text: str) -> str:
    """Content syllables folded and joined by spaces: input for character n-grams."""
    return " ".join(tokens(text).folded)
