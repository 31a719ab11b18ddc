"""A ready-to-use demo: the Ngọc Hà ward, its twelve cells, the dh14 campaign and fresh invites."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from importlib.resources import as_file, files
from importlib.resources.abc import Traversable
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.importers.campaign import DEFAULT_TIMEZONE, import_campaign_data
from bot.importers.org import import_org
from bot.importers.yaml_lines import load_yaml
from storage.invites import create_invites
from storage.keys import ServerKey
from storage.models import Campaign, RoleKind, Unit, UnitLevel

# Package data, found through importlib.resources: an installed wheel reads its own copy.
DATA: Traversable = files("bot") / "data"
ORG_FILE = DATA / "demo_org.yaml"
CAMPAIGN_FILE = DATA / "demo_campaign.yaml"


@dataclass(frozen=True, slots=True)
class DemoData:
    ward: Unit
    cells: list[Unit]
    campaign: Campaign
    secretary_invites: list[tuple[Unit, str]]
    official_invite: str


async def load_demo(
    *, session: AsyncSession, key: ServerKey, now: datetime, ttl: timedelta
) -> DemoData:
    """Import the demo units and campaign (upserting) and create one invite per cell and the ward.

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
    data["starts"] = datetime.combine(first_day, time(), tzinfo=zone)
    data["ends"] = now + timedelta(days=60)
    campaign = await import_campaign_data(session=session, data=data, source=CAMPAIGN_FILE.name)

    ward = next(u for u in org.units if u.id == campaign.unit_id)
    cells = [u for u in org.units if u.level is UnitLevel.CELL and u.parent_id == ward.id]
    secretary_invites: list[tuple[Unit, str]] = []
    for cell in cells:
        codes = await create_invites(
            session=session, unit=cell, role=RoleKind.SECRETARY, key=key, now=now, ttl=ttl
        )
        secretary_invites.append((cell, codes[0]))
    official = await create_invites(
        session=session, unit=ward, role=RoleKind.OFFICIAL, key=key, now=now, ttl=ttl
    )
    return DemoData(ward, cells, campaign, secretary_invites, official[0])
