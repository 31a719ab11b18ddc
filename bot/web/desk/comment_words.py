"""How the desk names a comment's status, stance, author category, medium and author: the
chat's words (``handlers.words``), called in the page's language."""

from __future__ import annotations

from collections.abc import Mapping

from aiogram.utils.i18n import gettext as _

from handlers.words import CATEGORY_LABELS, MEDIUM_LABELS, N_, STANCE_LABELS
from storage.models import AuthorCategory, Comment, CommentMedium, CommentStatus, Stance
from storage.phones import display_phone

STATUS_LABELS: Mapping[CommentStatus, str] = {
    CommentStatus.RECEIVED: N_("received"),
    CommentStatus.HIDDEN: N_("hidden"),
    CommentStatus.SPAM: N_("spam"),
    CommentStatus.WITHDRAWN: N_("withdrawn"),
}
# The chat's buttons name only what officials enter; the desk names every medium.
_MEDIA: Mapping[CommentMedium, str] = {
    CommentMedium.CHAT: N_("Telegram or Zalo"),
    CommentMedium.WEB: N_("Web form"),
    **MEDIUM_LABELS,
}


def status_word(status: CommentStatus) -> str:
    return _(STATUS_LABELS[status])


def stance_word(stance: Stance | None) -> str:
    return _(STANCE_LABELS[stance]) if stance is not None else ""


def category_word(category: AuthorCategory | None) -> str:
    return _(CATEGORY_LABELS[category]) if category is not None else ""


def medium_word(medium: CommentMedium) -> str:
    return _(_MEDIA[medium])


def author_name(comment: Comment) -> str:
    """The name the author signed with, or «Ẩn danh»; never a messenger's id."""
    if comment.anonymous or not comment.author_name:
        return _("Anonymous")
    return comment.author_name


def author_phone(comment: Comment) -> str:
    return display_phone(comment.phone) if comment.phone and not comment.anonymous else ""


def stances() -> list[tuple[str, str]]:
    """(value, label) of the stance filter."""
    return [(s.value, stance_word(s)) for s in Stance]


def statuses() -> list[tuple[str, str]]:
    return [(s.value, status_word(s)) for s in CommentStatus]


def media() -> list[tuple[str, str]]:
    return [(m.value, medium_word(m)) for m in CommentMedium]
