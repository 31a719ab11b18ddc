"""Who sees and who edits the groups of opinions of a document and section: the rule of the
chat's «Nhóm ý kiến» buttons and of the desk's pages.

An official reads a campaign's groups when they read its comments (``storage.comment_scope``),
counted for their part of it. The groups are the whole campaign's, as its letter shows them:
only officials of the campaign's unit (or above) rename, merge, move and add. A ward's
official moves only their ward's comments.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from storage.comment_scope import ReadingScope, readable_campaign
from storage.models import Campaign, Comment, CommentTheme, Document, Section, Unit
from storage.people import Member
from storage.themes import Scope, groupable


@dataclass(frozen=True, slots=True)
class ThemeAccess:
    """A document and section whose groups the official may see, and the unit whose subtree
    they count (``themes.Among(unit_id=…)``)."""

    reading: ReadingScope
    scope: Scope
    document: Document | None
    section: Section | None
    editor: bool  # may rename, merge, move and add

    @property
    def campaign(self) -> Campaign:
        return self.reading.campaign

    @property
    def unit(self) -> Unit:
        return self.reading.unit


async def scope_access(
    *,
    session: AsyncSession,
    member: Member,
    campaign_id: int,
    document_id: int | None,
    section_id: int | None,
    edit: bool = False,
) -> ThemeAccess | None:
    """The campaign's document and section if the official reads the campaign's comments,
    and with ``edit`` may change its groups; None otherwise, and for ids that do not belong
    together (a section of another document, a document of another campaign)."""
    reading = await readable_campaign(session=session, member=member, campaign_id=campaign_id)
    if reading is None or (edit and not reading.whole):
        return None
    campaign = reading.campaign
    document = await session.get(Document, document_id) if document_id else None
    section = await session.get(Section, section_id) if section_id else None
    if (document_id and (document is None or document.campaign_id != campaign.id)) or (
        section_id and (section is None or document is None or section.document_id != document.id)
    ):
        return None
    assert campaign.id is not None
    scope = Scope(campaign.id, document_id or None, section_id or None)
    return ThemeAccess(reading, scope, document, section, reading.whole)


async def theme_access(
    *, session: AsyncSession, member: Member, theme_id: int, edit: bool = False
) -> tuple[CommentTheme, ThemeAccess] | None:
    """A live theme the official may read (with ``edit``: change), with its scope."""
    theme = await session.get(CommentTheme, theme_id)
    if theme is None or theme.merged_into_id is not None:
        return None
    access = await scope_access(
        session=session,
        member=member,
        campaign_id=theme.campaign_id,
        document_id=theme.document_id,
        section_id=theme.section_id,
        edit=edit,
    )
    return (theme, access) if access is not None else None


async def movable(
    *, session: AsyncSession, member: Member, comment: Comment
) -> ThemeAccess | None:
    """The scope in which the official may move ``comment`` to another group: an editor of
    its groups who reads the comment (never another ward's, by a forged id), and a comment
    that belongs in a group (not withdrawn or spam); else None."""
    access = await scope_access(
        session=session,
        member=member,
        campaign_id=comment.campaign_id,
        document_id=comment.document_id,
        section_id=comment.section_id,
        edit=True,
    )
    if access is None or not access.reading.in_scope(comment) or not groupable(comment):
        return None
    return access
