"""Groups of opinions kept up to date by the scheduler: every few minutes new comments go into
the themes they are near; once a night (and within the hour when most of a section's comments
are in no theme) the section is grouped again, officials' edits kept (``storage.themes``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from storage.campaigns import campaigns_live
from storage.models import Campaign
from storage.sweep_runs import claim, ran
from storage.themes import Scope, place_new, regroup, scopes_of, unthemed_share

log = logging.getLogger(__name__)

EVERY = timedelta(minutes=5)
# New comments looked at by each run: a few runs' worth, so one missed run loses nothing;
# older ones wait for the nightly grouping.
RECENT = timedelta(hours=2)
NIGHT_HOUR = 2  # local time from which a day's full grouping runs
# Group a section again before the night when at least this many of its comments, and more
# than this share, are in no theme.
MANY_UNTHEMED = 20
SHARE = 0.5


@dataclass(frozen=True, slots=True)
class ThemesRun:
    placed: int = 0
    regrouped: int = 0


def _key(scope: Scope, stamp: str) -> str:
    return f"themes:{scope.campaign_id}:{scope.document_id or 0}:{scope.section_id or 0}:{stamp}"


async def _regroup_once(session: AsyncSession, scope: Scope, key: str, now: datetime) -> bool:
    # Claimed first: ``gopy run`` and ``gopy scheduler`` at once would each make the themes.
    # Committed at once: the engine's seconds must not hold SQLite's write lock. A grouping
    # that fails after is not retried before the next night (or the hourly rule).
    if await ran(session=session, keys=[key]) or not await claim(
        session=session, key=key, now=now
    ):
        await session.rollback()
        return False
    await session.commit()
    await regroup(session=session, scope=scope, now=now)
    await session.commit()
    return True


async def _campaign(session: AsyncSession, campaign: Campaign, now: datetime) -> ThemesRun:
    assert campaign.id is not None
    local = now.astimezone(ZoneInfo(campaign.timezone))
    placed = regrouped = 0
    for scope in await scopes_of(session=session, campaign_id=campaign.id):
        if local.hour >= NIGHT_HOUR and await _regroup_once(
            session, scope, _key(scope, f"{local:%Y%m%d}"), now
        ):
            regrouped += 1
            continue
        placed += await place_new(session=session, scope=scope, since=now - RECENT)
        # Each section commits: the next one's grouping runs without the write lock.
        await session.commit()
        unthemed, total = await unthemed_share(session=session, scope=scope)
        if (
            unthemed >= MANY_UNTHEMED
            and unthemed > SHARE * total
            and await _regroup_once(session, scope, _key(scope, f"{local:%Y%m%dT%H}"), now)
        ):
            regrouped += 1
    return ThemesRun(placed, regrouped)


async def update_themes(*, session: AsyncSession, now: datetime) -> ThemesRun:
    """One run over the campaigns taking comments; each section commits on its own, and a
    campaign that fails is logged and left for the next run."""
    placed = regrouped = 0
    for campaign in await campaigns_live(session=session, since=now, until=now):
        try:
            done = await _campaign(session, campaign, now)
            await session.commit()
        except Exception:
            await session.rollback()
            log.exception("themes of campaign %s failed", campaign.id)
            continue
        placed += done.placed
        regrouped += done.regrouped
    if placed or regrouped:
        log.info("themes: %d comments placed, %d sections grouped again", placed, regrouped)
    return ThemesRun(placed, regrouped)
