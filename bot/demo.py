"""A ready-to-use demo: Hà Nội city, the wards Ngọc Hà (12 cells) and Giảng Võ (7 cells), the
city's dh14 campaign with the full text of each draft, and fresh invites for every cell, every
ward official and a city official."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from importlib.resources import as_file, files
from importlib.resources.abc import Traversable
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.importers.campaign import (
    DEFAULT_TIMEZONE,
    CampaignFile,
    import_campaign_data,
    parse_moment,
)
from bot.importers.draft_files import PDF, DraftUpload
from bot.importers.org import import_org
from bot.importers.yaml_lines import load_yaml, validate
from bot.render.draft_pdf import DraftSection, draft_pdf
from storage.invites import create_invites
from storage.keys import ServerKey
from storage.models import Campaign, RoleKind, Unit, UnitLevel

# Package data, found through importlib.resources: an installed wheel reads its own copy.
DATA: Traversable = files("bot") / "data"
ORG_FILE = DATA / "demo_org.yaml"
CAMPAIGN_FILE = DATA / "demo_campaign.yaml"


@dataclass(frozen=True, slots=True)
class Invitation:
    """One single-use invite code: who it is for (a role at a unit) and the code to type."""

    unit: Unit
    role: RoleKind
    code: str


@dataclass(frozen=True, slots=True)
class DemoWard:
    """A ward of the demo, its cells in file order, and the invites made for them."""

    unit: Unit
    cells: list[Unit]
    official_invite: str
    secretary_invites: list[tuple[Unit, str]]


@dataclass(frozen=True, slots=True)
class DemoData:
    """What ``load_demo`` loaded: the city, its wards (Ngọc Hà first) and the campaign."""

    city: Unit
    wards: list[DemoWard]
    campaign: Campaign
    city_invite: str

    # The first ward, Ngọc Hà, as the demo had it before it grew to a city: many tests and the
    # golden week are about this one ward.
    @property
    def ward(self) -> Unit:
        return self.wards[0].unit

    @property
    def cells(self) -> list[Unit]:
        return self.wards[0].cells

    @property
    def official_invite(self) -> str:
        return self.wards[0].official_invite

    def invitations(self) -> list[tuple[Unit, list[Invitation]]]:
        """The invites grouped by the unit they belong under, from the top: the city and its
        official, then each ward with its official first and its cells after."""
        groups = [(self.city, [Invitation(self.city, RoleKind.OFFICIAL, self.city_invite)])]
        for ward in self.wards:
            own = Invitation(ward.unit, RoleKind.OFFICIAL, ward.official_invite)
            cells = [Invitation(c, RoleKind.SECRETARY, code) for c, code in ward.secretary_invites]
            groups.append((ward.unit, [own, *cells]))
        return groups


async def _invite(
    session: AsyncSession,
    unit: Unit,
    role: RoleKind,
    key: ServerKey,
    now: datetime,
    ttl: timedelta,
) -> str:
    codes = await create_invites(session=session, unit=unit, role=role, key=key, now=now, ttl=ttl)
    return codes[0]


def _move_final_dues(data: Mapping[str, Any], file_ends: datetime, ends: datetime) -> None:
    """Each level's final report stays as many days after the campaign's end as the file says,
    at the file's time of day, when the demo moves the end to sixty days from now."""
    deadlines = data.get("deadlines")
    for rule in deadlines.values() if isinstance(deadlines, Mapping) else ():
        final = rule.get("final_report") if isinstance(rule, MutableMapping) else None
        if isinstance(final, MutableMapping) and "due" in final:
            due = parse_moment(final["due"])
            day = ends.date() + (due.date() - file_ends.date())
            final["due"] = datetime.combine(day, due.time(), tzinfo=ends.tzinfo)


def demo_drafts(data: Mapping[str, Any], *, source: str) -> dict[str, DraftUpload]:
    """A small PDF per document, drawn from its title and its sections' texts: the demo's
    drafts are readable in full without a binary in the repository."""
    spec = validate(CampaignFile, data, source=source)
    return {
        doc.code: DraftUpload(
            f"{doc.title}.pdf",
            PDF,
            draft_pdf(
                heading=spec.title,
                title=doc.title,
                sections=[DraftSection(s.number, s.heading, s.text) for s in doc.sections],
            ),
        )
        for doc in spec.documents
    }


async def load_demo(
    *, session: AsyncSession, key: ServerKey, now: datetime, ttl: timedelta
) -> DemoData:
    """Import the demo units and campaign (upserting) and create one invite per cell, per ward
    and for the city.

    The campaign is moved to start three weeks before ``now`` and end in sixty days, so a demo
    run on any day has past periods and an open one. The caller commits.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    with as_file(ORG_FILE) as org_file:
        org = await import_org(session=session, path=org_file)
    with as_file(CAMPAIGN_FILE) as campaign_file:
        data = load_yaml(campaign_file)
    zone = ZoneInfo(str(data.get("timezone") or DEFAULT_TIMEZONE))
    first_day = (now.astimezone(zone) - timedelta(days=21)).date()
    ends = now + timedelta(days=60)
    _move_final_dues(data, parse_moment(data["ends"]), ends.astimezone(zone))
    data["starts"] = datetime.combine(first_day, time(), tzinfo=zone)
    data["ends"] = ends
    source = CAMPAIGN_FILE.name
    drafts = demo_drafts(data, source=source)
    campaign = await import_campaign_data(
        session=session, data=data, source=source, drafts=drafts, now=now
    )

    # ``org.units`` is in file order, so the wards and cells come out as the file lists them.
    city = next(u for u in org.units if u.id == campaign.unit_id)
    wards: list[DemoWard] = []
    for ward in (u for u in org.units if u.level is UnitLevel.WARD and u.parent_id == city.id):
        cells = [u for u in org.units if u.level is UnitLevel.CELL and u.parent_id == ward.id]
        official = await _invite(session, ward, RoleKind.OFFICIAL, key, now, ttl)
        secretaries = [
            (cell, await _invite(session, cell, RoleKind.SECRETARY, key, now, ttl))
            for cell in cells
        ]
        wards.append(DemoWard(ward, cells, official, secretaries))
    city_invite = await _invite(session, city, RoleKind.OFFICIAL, key, now, ttl)
    return DemoData(city, wards, campaign, city_invite)
