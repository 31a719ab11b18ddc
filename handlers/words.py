"""The names of a comment's medium, its author's category and its stance, as officials say
them: the labels of the chat's buttons and the words an import file may use for them.

Matching a word is accent- and case-insensitive («thu tay», «Thư tay», «THU TAY» are one), so
a spreadsheet typed without diacritics is read all the same.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from enum import StrEnum
from functools import lru_cache
from typing import TypeVar

from storage.models import AuthorCategory, CommentMedium, Stance

E = TypeVar("E", bound=StrEnum)


def N_(message: str) -> str:
    return message


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """Lower case without diacritics or extra spaces: «Hội nghị » → «hoi nghi». Cached: a
    spreadsheet repeats the same few words in every row."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    cleaned = "".join(ch if ch.isalnum() else " " for ch in bare.casefold())
    return " ".join(cleaned.split())


# Labels (msgids) of the chat's buttons.
MEDIUM_LABELS: Mapping[CommentMedium, str] = {
    CommentMedium.LETTER: N_("✉️ Handwritten letter"),
    CommentMedium.MEETING: N_("🗣 Meeting or discussion"),
    CommentMedium.EMAIL: N_("📧 E-mail"),
    CommentMedium.MAILBOX: N_("📮 Comment box"),
}
CATEGORY_LABELS: Mapping[AuthorCategory, str] = {
    AuthorCategory.CADRE: N_("Cadre"),
    AuthorCategory.PARTY_MEMBER: N_("Party member"),
    AuthorCategory.CIVIL_SERVANT: N_("Civil servant or public employee"),
    AuthorCategory.WORKER: N_("Worker"),
    AuthorCategory.CITIZEN: N_("Citizen"),
}
STANCE_LABELS: Mapping[Stance, str] = {
    Stance.AGREE: N_("Agree"),
    Stance.DISAGREE: N_("Disagree"),
    Stance.PARTLY: N_("Partly agree"),
}

# The words of an import file (Vietnamese first, English accepted), folded.
MEDIUM_WORDS: Mapping[str, CommentMedium] = {
    fold(word): medium
    for medium, words in {
        CommentMedium.LETTER: ("thư tay", "thư", "letter", "handwritten letter", "paper"),
        CommentMedium.MEETING: (
            "hội nghị",
            "tọa đàm",
            "hội nghị, tọa đàm",
            "hội nghị/tọa đàm",
            "meeting",
        ),
        CommentMedium.EMAIL: ("e-mail", "email", "thư điện tử", "mail"),
        CommentMedium.MAILBOX: ("hòm thư", "hòm thư góp ý", "mailbox", "comment box"),
    }.items()
    for word in words
}
CATEGORY_WORDS: Mapping[str, AuthorCategory] = {
    fold(word): category
    for category, words in {
        AuthorCategory.CADRE: ("cán bộ", "cadre"),
        AuthorCategory.PARTY_MEMBER: ("đảng viên", "party member"),
        AuthorCategory.CIVIL_SERVANT: (
            "công chức",
            "viên chức",
            "công chức, viên chức",
            "công chức/viên chức",
            "civil servant",
            "public employee",
        ),
        AuthorCategory.WORKER: ("người lao động", "lao động", "worker"),
        AuthorCategory.CITIZEN: ("nhân dân", "người dân", "citizen"),
    }.items()
    for word in words
}
STANCE_WORDS: Mapping[str, Stance] = {
    fold(word): stance
    for stance, words in {
        Stance.AGREE: ("tán thành", "đồng ý", "agree"),
        Stance.DISAGREE: ("không tán thành", "không đồng ý", "disagree"),
        Stance.PARTLY: ("đồng ý một phần", "tán thành một phần", "partly", "partly agree"),
    }.items()
    for word in words
}
# «Not known» in a cell that may be left empty.
UNKNOWN_WORDS = frozenset(fold(w) for w in ("không rõ", "không biết", "unknown", "not known"))


def word_of(typed: str, words: Mapping[str, E]) -> E | None:
    """The value a typed word names, or None when it names none."""
    return words.get(fold(typed))
