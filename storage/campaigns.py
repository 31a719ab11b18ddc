"""Campaigns: their deadlines, forms and documents, and which campaigns a unit takes part in."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.forms import FormSpec, form_from_rows
from storage.models import (
    Campaign,
    Deadline,
    Document,
    EntryPoint,
    ReportForm,
    Section,
    Unit,
    UnitLevel,
)
from storage.units import ancestors


async def get_campaign(*, session: AsyncSession, code: str) -> Campaign | None:
    result = await session.execute(select(Campaign).where(Campaign.code == code))
    return result.scalar_one_or_none()


# After a campaign ends its last week may still be filed, late, as any other week can be the
# week after; past this grace the campaign is closed for good.
LATE_GRACE = timedelta(days=7)


async def campaigns_for_unit(
    *, session: AsyncSession, unit: Unit, now: datetime
) -> list[Campaign]:
    """Campaigns run by ``unit`` or a unit above it that take reports at ``now``."""
    ids = [unit.id] + [u.id for u in await ancestors(session=session, unit=unit)]
    return await _taking_reports(session, ids, now)


async def _taking_reports(session: AsyncSession, unit_ids: Any, now: datetime) -> list[Campaign]:
    """Campaigns run by ``unit_ids`` (a list or a subquery) that take reports at ``now``."""
    result = await session.execute(
        select(Campaign)
        .where(
            col(Campaign.unit_id).in_(unit_ids),
            Campaign.starts_at <= now,
            Campaign.ends_at >= now - LATE_GRACE,
        )
        .order_by(col(Campaign.starts_at))
    )
    return list(result.scalars().all())


async def deadline_for(
    *, session: AsyncSession, campaign: Campaign, level: UnitLevel
) -> Deadline | None:
    result = await session.execute(
        select(Deadline).where(Deadline.campaign_id == campaign.id, Deadline.level == level)
    )
    return result.scalar_one_or_none()


# Form rows are never edited (a changed form is a new row), so a parsed form stays valid for
# the life of the process; the cap only bounds memory if someone imports thousands.
_FORMS: dict[int, FormSpec] = {}
_FORMS_MAX = 256


def forget_forms() -> None:
    """Drop the parsed forms. A process serves one database; tests open a fresh one each
    time, where form ids start again at 1 and would find another database's form."""
    _FORMS.clear()


async def form_by_id(*, session: AsyncSession, form_id: int) -> FormSpec:
    cached = _FORMS.get(form_id)
    if cached is not None:
        return cached
    row = await session.get(ReportForm, form_id)
    assert row is not None
    form = form_from_rows(row.fields)
    if len(_FORMS) >= _FORMS_MAX:
        _FORMS.clear()
    _FORMS[form_id] = form
    return form


async def form_of(*, session: AsyncSession, campaign: Campaign) -> FormSpec:
    return await form_by_id(session=session, form_id=campaign.form_id)


async def documents_of(
    *, session: AsyncSession, campaign: Campaign
) -> list[tuple[Document, list[Section]]]:
    return [
        (doc, await sections_of(session=session, document=doc))
        for doc in await campaign_documents(session=session, campaign=campaign)
    ]


async def campaign_documents(*, session: AsyncSession, campaign: Campaign) -> list[Document]:
    """The campaign's documents in their order, without their sections."""
    docs = await session.execute(
        select(Document)
        .where(Document.campaign_id == campaign.id)
        .order_by(col(Document.position))
    )
    return list(docs.scalars().all())


async def campaigns_over(*, session: AsyncSession, unit: Unit, now: datetime) -> list[Campaign]:
    """Campaigns an official of ``unit`` oversees: those run by it or above it, and those run
    by the units just below it."""
    children = select(col(Unit.id)).where(col(Unit.parent_id) == unit.id)
    above = await campaigns_for_unit(session=session, unit=unit, now=now)
    below = await _taking_reports(session, children, now)
    return above + [c for c in below if c not in above]


async def deadlines_of(*, session: AsyncSession, campaign: Campaign) -> list[Deadline]:
    result = await session.execute(
        select(Deadline).where(Deadline.campaign_id == campaign.id).order_by(col(Deadline.id))
    )
    return list(result.scalars().all())


async def campaigns_live(
    *, session: AsyncSession, since: datetime, until: datetime
) -> list[Campaign]:
    """Campaigns with anything to schedule between ``since`` and ``until`` (their closing
    summary comes ``LATE_GRACE`` after their end)."""
    result = await session.execute(
        select(Campaign)
        .where(Campaign.starts_at <= until, Campaign.ends_at >= since - LATE_GRACE)
        .order_by(col(Campaign.id))
    )
    return list(result.scalars().all())


async def campaigns_taking_comments(*, session: AsyncSession, now: datetime) -> list[Campaign]:
    """Open campaigns with at least one draft document, oldest first."""
    has_documents = select(col(Document.campaign_id)).distinct()
    result = await session.execute(
        select(Campaign)
        .where(
            col(Campaign.id).in_(has_documents),
            Campaign.starts_at <= now,
            Campaign.ends_at >= now,
        )
        .order_by(col(Campaign.starts_at), col(Campaign.id))
    )
    return list(result.scalars().all())


async def sections_of(*, session: AsyncSession, document: Document) -> list[Section]:
    result = await session.execute(
        select(Section).where(Section.document_id == document.id).order_by(col(Section.position))
    )
    return list(result.scalars().all())


async def all_campaigns(*, session: AsyncSession) -> list[tuple[Campaign, Unit]]:
    """Every campaign with the unit that runs it, the latest first."""
    result = await session.execute(
        select(Campaign, Unit)
        .join(Unit, col(Unit.id) == Campaign.unit_id)
        .order_by(col(Campaign.starts_at).desc(), col(Campaign.id))
    )
    return [(campaign, unit) for campaign, unit in result.all()]


async def entry_points_of(*, session: AsyncSession, campaign: Campaign) -> list[EntryPoint]:
    """The QR codes already made for a campaign, its documents and sections, oldest first."""
    result = await session.execute(
        select(EntryPoint)
        .where(EntryPoint.campaign_id == campaign.id)
        .order_by(col(EntryPoint.created_at), col(EntryPoint.id))
    )
    return list(result.scalars().all())
