"""Groups of opinions («nhóm ý kiến»): a plain stand-in for the grouping engine.

Stand-in only (branch themes-store): the engine of branch themes-engine replaces this file with
the same API. Keyword overlap over folded syllables and their pairs, in plain Python and
deterministic: enough for storage, chat and letters to be built and tested against.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

_WORD = re.compile(r"\w+", re.UNICODE)
# Syllables that say nothing about what a comment is about (folded: no diacritics).
_STOP = frozenset(
    {
        "va",
        "la",
        "cua",
        "cac",
        "nhung",
        "co",
        "cho",
        "de",
        "duoc",
        "trong",
        "voi",
        "khi",
        "thi",
        "ma",
        "nay",
        "do",
        "o",
        "tai",
        "ve",
        "tu",
        "theo",
        "nen",
        "can",
        "phai",
        "rat",
        "hon",
        "cung",
        "da",
        "dang",
        "se",
        "mot",
        "hai",
        "ba",
        "nhieu",
        "it",
        "khong",
        "chua",
        "toi",
        "chung",
        "ta",
        "ho",
        "ban",
        "anh",
        "chi",
        "em",
        "xin",
        "gop",
        "y",
        "kien",
        "nghi",
        "du",
        "thao",
        "noi",
        "dung",
        "muc",
        "phan",
        "viec",
        "van",
    }
)
_JOIN = 0.18  # the least similarity for a comment to join a group found so far
_ASSIGN = 0.2  # the least similarity to a named theme; below it, «Ý kiến khác»


@dataclass(frozen=True, slots=True)
class Doc:
    key: int  # the comment's id
    text: str


@dataclass(frozen=True, slots=True)
class Found:
    label: str
    members: tuple[int, ...]
    quotes: tuple[int, ...]  # 2–3 representative members


@dataclass(frozen=True, slots=True)
class Defined:
    key: int
    label: str
    keywords: Sequence[str] = ()
    examples: Sequence[str] = ()


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _syllables(text: str) -> list[str]:
    return [w for w in _WORD.findall(_fold(text)) if w not in _STOP and not w.isdigit()]


def _terms(text: str) -> Counter[str]:
    words = _syllables(text)
    return Counter(words + [f"{a}_{b}" for a, b in pairwise(words)])


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(v * b[k] for k, v in a.items() if k in b)
    return dot / math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))


def representative(docs: Sequence[Doc], k: int = 3) -> tuple[int, ...]:
    """The ``k`` comments nearest the middle of ``docs`` (ties: the lower key)."""
    centre: Counter[str] = Counter()
    terms = {d.key: _terms(d.text) for d in docs}
    for t in terms.values():
        centre.update(t)
    ranked = sorted(docs, key=lambda d: (-_cosine(terms[d.key], centre), d.key))
    return tuple(d.key for d in ranked[:k])


def label_for(texts: Sequence[str]) -> str:
    """A short key phrase: the pair of syllables most comments share, as they wrote it."""
    shown: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for text in texts:
        words = [w for w in _WORD.findall(unicodedata.normalize("NFC", text.casefold()))]
        kept = [w for w in words if _fold(w) not in _STOP and not w.isdigit()]
        seen: set[str] = set()
        for phrase in [f"{a} {b}" for a, b in pairwise(kept)] + kept:
            key = _fold(phrase)
            shown.setdefault(key, phrase)
            if key not in seen:
                seen.add(key)
                # A pair of syllables says more than one: it weighs double.
                counts[key] += 2 if " " in key else 1
    if not counts:
        return "Ý kiến chung"
    best = min(counts, key=lambda k: (-counts[k], k))
    phrase = shown[best]
    return phrase[:1].upper() + phrase[1:]


def discover(docs: Sequence[Doc], *, seed: int = 0) -> list[Found]:
    """Groups of at least two similar comments, largest first; the rest belong to none."""
    del seed  # deterministic without it
    groups: list[tuple[list[Doc], Counter[str]]] = []
    for doc in sorted(docs, key=lambda d: d.key):
        terms = _terms(doc.text)
        scores = [_cosine(terms, centre) for _members, centre in groups]
        best = max(range(len(scores)), key=lambda i: (scores[i], -i), default=None)
        if best is not None and scores[best] >= _JOIN:
            groups[best][0].append(doc)
            groups[best][1].update(terms)
        else:
            groups.append(([doc], Counter(terms)))
    found = [
        Found(
            label=label_for([d.text for d in members]),
            members=tuple(d.key for d in members),
            quotes=representative(members, 3),
        )
        for members, _centre in groups
        if len(members) >= 2
    ]
    return sorted(found, key=lambda f: (-len(f.members), f.members[0]))


def assign(docs: Sequence[Doc], themes: Sequence[Defined]) -> dict[int, int | None]:
    """Each comment's nearest named theme, or None («Ý kiến khác») when none is near."""
    centres = []
    for theme in themes:
        centre = _terms(theme.label)
        for keyword in theme.keywords:
            centre.update({k: 2 * v for k, v in _terms(keyword).items()})
        for example in theme.examples:
            centre.update(_terms(example))
        centres.append((theme.key, centre))
    placed: dict[int, int | None] = {}
    for doc in docs:
        terms = _terms(doc.text)
        best: tuple[float, int] | None = None
        for key, centre in centres:
            score = _cosine(terms, centre)
            if score >= _ASSIGN and (best is None or score > best[0]):
                best = (score, key)
        placed[doc.key] = best[1] if best is not None else None
    return placed
