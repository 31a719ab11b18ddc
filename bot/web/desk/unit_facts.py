"""What the unit page shows, read from the database by the chat's own rules: the unit's place
in the tree, its people, its invites, its reports with every revision, its latest comments,
and which invites the official may make for it. Reads only (a GET's session)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.web.desk.unit_reach import Reached
from services.signing import own_form
from storage.campaigns import campaigns_for_unit, deadline_for, form_of
from storage.comment_scope import readable_campaigns
from storage.comments import CommentView, latest_comments
from storage.forms import FormSpec
from storage.invite_rules import allowed
from storage.invites import invites_of
from storage.models import Campaign, Invite, InviteMode, Person, Role, RoleKind, Unit
from storage.people import Member, people_of
from storage.report_revisions import ReportRecord, unit_record
from storage.units import children, filer_role

COMMENTS_SHOWN = 20
# Campaigns an official reads comments of, looked at for the unit's latest comments: far more
# than a ward runs or takes part in.
_CAMPAIGNS_READ = 50


@dataclass(frozen=True, slots=True)
class CampaignReports:
    """The unit's reports in one campaign, and the form their answers are read with."""

    campaign: Campaign
    form: FormSpec
    records: list[ReportRecord]


@dataclass(frozen=True, slots=True)
class UnitFacts:
    reached: Reached
    children: list[Unit]
    people: list[tuple[Person, Role]]
    invites: list[tuple[Invite, Person | None]]
    campaigns: list[CampaignReports]
    comments: list[CommentView]
    choices: list[tuple[RoleKind, InviteMode]]  # the invites the official may make here


async def unit_facts(
    *, session: AsyncSession, member: Member, reached: Reached, now: datetime
) -> UnitFacts:
    unit = reached.unit
    return UnitFacts(
        reached=reached,
        children=await children(session=session, unit=unit),
        people=await people_of(session=session, unit=unit),
        invites=await invites_of(session=session, unit=unit),
        campaigns=await campaign_reports(session=session, unit=unit, now=now),
        comments=await unit_comments(session=session, member=member, unit=unit),
        choices=allowed(unit=unit, above=reached.above_ids, mine=reached.mine),
    )


async def report_form(*, session: AsyncSession, unit: Unit, campaign: Campaign) -> FormSpec:
    """The questions the unit's reports answer: a cell's, the campaign's form (as
    ``/report`` asks it); a unit that signs, its own questions then the assessment."""
    if filer_role(unit) is RoleKind.SECRETARY:
        return await form_of(session=session, campaign=campaign)
    return await own_form(session=session, unit=unit, campaign=campaign)


async def campaign_reports(
    *, session: AsyncSession, unit: Unit, now: datetime
) -> list[CampaignReports]:
    """The campaigns the unit reports in now, and any it filed in before, newest first."""
    records = await unit_record(session=session, unit=unit)
    campaigns: dict[int | None, Campaign] = {r.campaign.id: r.campaign for r in records}
    for campaign in await campaigns_for_unit(session=session, unit=unit, now=now):
        if await deadline_for(session=session, campaign=campaign, level=unit.level):
            campaigns.setdefault(campaign.id, campaign)
    ordered = sorted(campaigns.values(), key=lambda c: (c.starts_at, c.id or 0), reverse=True)
    return [
        CampaignReports(
            campaign,
            await report_form(session=session, unit=unit, campaign=campaign),
            [r for r in records if r.campaign.id == campaign.id],
        )
        for campaign in ordered
    ]


async def unit_comments(
    *, session: AsyncSession, member: Member, unit: Unit, limit: int = COMMENTS_SHOWN
) -> list[CommentView]:
    """The newest comments shown (not hidden, spam or withdrawn) placed in the unit's
    subtree, of the campaigns the official reads (``storage.comment_scope``)."""
    assert unit.id is not None
    views: list[CommentView] = []
    for campaign in await readable_campaigns(
        session=session, member=member, limit=_CAMPAIGNS_READ
    ):
        views += await latest_comments(
            session=session, campaign=campaign, within=unit.id, limit=limit
        )
    views.sort(key=lambda v: (v.comment.created_at, v.comment.id or 0), reverse=True)
    return views[:limit]
