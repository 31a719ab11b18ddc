"""What the administration commands show: units, campaigns, invites and people as plain data.

Each function returns the JSON a script gets with ``--json`` (the shapes are documented in the
README); the rich tables print the same data, so the two never disagree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli_i18n import _, cli_locale
from storage.campaigns import (
    all_campaigns,
    deadlines_of,
    documents_of,
    entry_points_of,
    form_of,
    get_campaign,
)
from storage.codes import entry_label
from storage.invites import invite_state, invites_of
from storage.models import Campaign, Document, Section, Unit
from storage.people import people_of
from storage.units import all_units, get_unit, in_tree_order

Row = dict[str, Any]


class AdminProblem(ValueError):
    """What was asked for does not exist; the message says what, and how to list what does."""


def iso(moment: datetime | None, tz: str) -> str | None:
    """A time for scripts: ISO 8601 with the local offset, to the second."""
    if moment is None:
        return None
    return moment.astimezone(ZoneInfo(tz)).isoformat(timespec="seconds")


def no_unit(code: str) -> str:
    """One sentence for every command given a unit that does not exist."""
    return _('There is no unit "{code}". To list them: gopy org list', code=code)


def no_campaign(code: str) -> str:
    """One sentence for every command given a campaign that does not exist."""
    return _('There is no campaign "{code}". To list them: gopy campaign list', code=code)


async def unit_or_fail(session: AsyncSession, code: str) -> Unit:
    unit = await get_unit(session=session, code=code)
    if unit is None:
        raise AdminProblem(no_unit(code))
    return unit


async def campaign_or_fail(session: AsyncSession, code: str) -> Campaign:
    campaign = await get_campaign(session=session, code=code)
    if campaign is None:
        raise AdminProblem(no_campaign(code))
    return campaign


async def units_data(*, session: AsyncSession) -> list[Row]:
    units = await all_units(session=session)
    codes = {u.id: u.code for u in units}
    return [
        {
            "code": unit.code,
            "name": unit.name,
            "level": unit.level.value,
            "parent": codes.get(unit.parent_id),
            "place": unit.place,
            "depth": depth,
        }
        for unit, depth in in_tree_order(units)
    ]


def campaign_state(campaign: Campaign, now: datetime) -> str:
    if now < campaign.starts_at:
        return "upcoming"
    return "open" if now <= campaign.ends_at else "closed"


async def campaigns_data(*, session: AsyncSession, now: datetime) -> list[Row]:
    return [
        {
            "code": campaign.code,
            "title": campaign.title,
            "unit": unit.code,
            "timezone": campaign.timezone,
            "starts": iso(campaign.starts_at, campaign.timezone),
            "ends": iso(campaign.ends_at, campaign.timezone),
            "state": campaign_state(campaign, now),
        }
        for campaign, unit in await all_campaigns(session=session)
    ]


def _targets(docs: list[tuple[Document, list[Section]]]) -> dict[tuple[Any, Any], tuple[Any, Any]]:
    """(document id, section id) → (document code, section number), for the QR codes."""
    found: dict[tuple[Any, Any], tuple[Any, Any]] = {}
    for doc, sections in docs:
        found[(doc.id, None)] = (doc.code, None)
        for section in sections:
            found[(doc.id, section.id)] = (doc.code, section.number)
    return found


async def campaign_data(
    *,
    session: AsyncSession,
    code: str,
    now: datetime,
    reminders: str,
    quiet_hours: str,
    locale: str | None = None,
    entry_points: bool = True,
) -> Row:
    """One campaign in full; ``reminders`` and ``quiet_hours`` are the process-wide defaults
    it falls back on. ``locale``: the language of the form's labels (default: the command
    line's); ``entry_points=False`` leaves the QR codes out (a city's run to thousands)."""
    campaign = await campaign_or_fail(session, code)
    unit = await session.get(Unit, campaign.unit_id)
    assert unit is not None
    tz = campaign.timezone
    form = await form_of(session=session, campaign=campaign)
    docs = await documents_of(session=session, campaign=campaign)
    targets = _targets(docs)
    locale = locale or cli_locale()
    entries = await entry_points_of(session=session, campaign=campaign) if entry_points else []
    return {
        "code": campaign.code,
        "title": campaign.title,
        "unit": unit.code,
        "timezone": tz,
        "starts": iso(campaign.starts_at, tz),
        "ends": iso(campaign.ends_at, tz),
        "state": campaign_state(campaign, now),
        "reminders": campaign.reminders or reminders,
        "reminders_default": campaign.reminders is None,
        "quiet_hours": campaign.quiet_hours or quiet_hours,
        "quiet_hours_default": campaign.quiet_hours is None,
        "deadlines": [
            {
                "level": d.level.value,
                "weekday": d.weekday,
                "time": d.time,
                "final_due": iso(d.final_due, tz),
                "own_form": d.form_id is not None,
            }
            for d in await deadlines_of(session=session, campaign=campaign)
        ],
        "form": [
            {
                "key": field.key,
                "kind": field.kind.value,
                "label": field.text("label", locale),
                "optional": field.optional,
                "choices": [c.label.get(locale) or c.label["vi"] for c in field.choices],
            }
            for field in form.fields
        ],
        "documents": [
            {
                "code": doc.code,
                "title": doc.title,
                "url": doc.url,
                "sections": [
                    {"number": s.number, "heading": s.heading, "summary": s.summary}
                    for s in sections
                ],
            }
            for doc, sections in docs
        ],
        "entry_points": [
            {
                "code": entry_label(entry.code),
                "document": targets.get((entry.document_id, entry.section_id), (None, None))[0],
                "section": targets.get((entry.document_id, entry.section_id), (None, None))[1],
                "created": iso(entry.created_at, tz),
            }
            for entry in entries
        ],
    }


async def invites_data(
    *, session: AsyncSession, unit_code: str, now: datetime, tz: str
) -> list[Row]:
    unit = await unit_or_fail(session, unit_code)
    return [
        {
            "id": invite.id,
            "unit": unit.code,
            "role": invite.role.value,
            "mode": invite.mode.value,
            "created": iso(invite.created_at, tz),
            "expires": iso(invite.expires_at, tz),
            "state": invite_state(invite, now).value,
            "used_at": iso(invite.used_at, tz),
            "used_by": None
            if person is None
            else {"id": person.id, "name": person.full_name, "channel": person.channel},
        }
        for invite, person in await invites_of(session=session, unit=unit)
    ]


async def people_data(*, session: AsyncSession, unit_code: str, tz: str) -> list[Row]:
    unit = await unit_or_fail(session, unit_code)
    return [
        {
            "id": person.id,
            "name": person.full_name,
            "unit": unit.code,
            "role": role.kind.value,
            "channel": person.channel,
            "joined": iso(role.granted_at, tz),
            "blocked_since": iso(person.unreachable_since, tz),
        }
        for person, role in await people_of(session=session, unit=unit)
    ]
