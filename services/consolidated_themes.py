"""The groups of opinions of a consolidated report's period («Những vấn đề nổi bật, nhóm ý
kiến»): per document and section, the largest themes with their counts and short quotes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.campaigns import documents_of
from storage.models import Campaign, Document, Section
from storage.themes import Among, Scope, ThemeCount, live_themes, theme_counts

# A letter names the few themes people wrote most about; the rest count as «ý kiến khác».
TOP = 5
QUOTES = 2


@dataclass(frozen=True, slots=True)
class SectionThemes:
    document: Document | None
    section: Section | None
    themes: list[ThemeCount]  # largest first; the last, with ``theme_id`` None, is the rest


async def period_themes(
    *,
    session: AsyncSession,
    campaign: Campaign,
    unit_id: int,
    since: datetime,
    until: datetime,
) -> list[SectionThemes]:
    """Each document and section that has themes, with those of the comments sent in
    [``since``, ``until``] by the unit and those below it."""
    assert campaign.id is not None
    targets: list[tuple[Document | None, Section | None]] = [(None, None)]
    for each, sections in await documents_of(session=session, campaign=campaign):
        targets.append((each, None))
        targets += [(each, s) for s in sections]
    found = []
    among = Among(unit_id=unit_id, since=since, until=until)
    for document, section in targets:
        scope = Scope(
            campaign.id, document.id if document else None, section.id if section else None
        )
        if not await live_themes(session=session, scope=scope):
            continue
        themes = await theme_counts(
            session=session, scope=scope, among=among, quotes=QUOTES, top=TOP
        )
        if any(t.theme_id is not None for t in themes):
            found.append(SectionThemes(document, section, themes))
    return found
