"""Comments counted per place, stance, category and medium, in words: the lines /comments,
the letter and the exports share («tán thành 12, không tán thành 3, đồng ý một phần 5»)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Protocol, TypeVar

from aiogram.utils.i18n import gettext as _

from storage.models import AuthorCategory, CommentMedium, Stance

E = TypeVar("E", bound=StrEnum)


def stance_label(stance: Stance | None) -> str:
    if stance is None:
        return ""
    return {
        Stance.AGREE: _("agree"),
        Stance.DISAGREE: _("disagree"),
        Stance.PARTLY: _("partly agree"),
    }[stance]


def category_label(category: AuthorCategory | None) -> str:
    if category is None:
        return ""
    return {
        AuthorCategory.CADRE: _("cadres"),
        AuthorCategory.PARTY_MEMBER: _("party members"),
        AuthorCategory.CIVIL_SERVANT: _("civil servants"),
        AuthorCategory.WORKER: _("workers"),
        AuthorCategory.CITIZEN: _("citizens"),
    }[category]


def medium_label(medium: CommentMedium) -> str:
    return {
        CommentMedium.CHAT: _("by chat"),
        CommentMedium.WEB: _("on the web"),
        CommentMedium.LETTER: _("by letter"),
        CommentMedium.MEETING: _("at meetings"),
        CommentMedium.EMAIL: _("by e-mail"),
        CommentMedium.MAILBOX: _("in the comment box"),
    }[medium]


def _counted(
    counts: Mapping[E, int],
    order: list[E],
    label: Callable[[E], str],
    number: Callable[[int], str],
) -> str:
    return ", ".join(f"{label(key)} {number(counts[key])}" for key in order if counts.get(key))


def by_stance(counts: Mapping[Stance, int], number: Callable[[int], str] = str) -> str:
    """«tán thành 12, đồng ý một phần 5»: the non-zero ones, in the form's order."""
    return _counted(counts, list(Stance), stance_label, number)


def by_category(counts: Mapping[AuthorCategory, int], number: Callable[[int], str] = str) -> str:
    return _counted(counts, list(AuthorCategory), category_label, number)


def by_medium(counts: Mapping[CommentMedium, int], number: Callable[[int], str] = str) -> str:
    return _counted(counts, list(CommentMedium), medium_label, number)


class Tally(Protocol):
    by_stance: Counter[Stance]
    by_category: Counter[AuthorCategory]
    by_medium: Counter[CommentMedium]


def count_lines(
    tally: Tally, number: Callable[[int], str] = str, *, media: bool = True
) -> list[str]:
    """The stance, sender and channel sentences, each only when any comment told it."""
    lines = []
    if tally.by_stance:
        lines.append(_("By stance: {counts}.").format(counts=by_stance(tally.by_stance, number)))
    if tally.by_category:
        lines.append(
            _("By who sent them: {counts}.").format(counts=by_category(tally.by_category, number))
        )
    if media and tally.by_medium:
        lines.append(_("Received: {counts}.").format(counts=by_medium(tally.by_medium, number)))
    return lines
