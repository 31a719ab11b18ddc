"""The command-line side of groups of opinions: ``gopy comments themes`` lists each comment's
theme, ``… themes define`` names themes from a YAML file, ``… themes regroup`` groups again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin_views import no_campaign
from bot.cli_i18n import _
from bot.commands_comments import CommandProblem, _target
from bot.importers.themes import read_themes
from storage.campaigns import get_campaign
from storage.entries import Target
from storage.models import Campaign, Document, Section
from storage.themes import Regrouped, Scope, ThemedRow, define, regroup, scopes_of, themed_rows


async def _campaign(session: AsyncSession, code: str) -> Campaign:
    campaign = await get_campaign(session=session, code=code)
    if campaign is None:
        raise CommandProblem(no_campaign(code))
    return campaign


async def _scoped(
    session: AsyncSession, code: str, document: str | None, section: str | None
) -> Target:
    await _campaign(session, code)
    return await _target(session, code, document, section)


def _scope(target: Target) -> Scope:
    assert target.campaign.id is not None
    return Scope(
        target.campaign.id,
        target.document.id if target.document else None,
        target.section.id if target.section else None,
    )


async def list_themed(
    *, session: AsyncSession, campaign_code: str, document: str | None, section: str | None
) -> list[ThemedRow]:
    """One row per counted comment: receipt, document, section, theme."""
    target = await _scoped(session, campaign_code, document, section)
    scope = _scope(target)
    return [
        row
        async for row in themed_rows(
            session=session,
            campaign_id=scope.campaign_id,
            document_id=scope.document_id,
            section_id=scope.section_id,
        )
    ]


async def regroup_campaign(
    *,
    session: AsyncSession,
    campaign_code: str,
    document: str | None,
    section: str | None,
    now: datetime,
) -> list[tuple[str, Regrouped]]:
    """Group again every document and section asked for that has comments; each named by its
    document's code and section's number."""
    target = await _scoped(session, campaign_code, document, section)
    wanted = _scope(target)
    scopes = [
        s
        for s in await scopes_of(session=session, campaign_id=wanted.campaign_id)
        if (document is None or s.document_id == wanted.document_id)
        and (section is None or s.section_id == wanted.section_id)
    ]
    return [
        (await _name(session, s), await regroup(session=session, scope=s, now=now)) for s in scopes
    ]


async def _name(session: AsyncSession, scope: Scope) -> str:
    document = await session.get(Document, scope.document_id) if scope.document_id else None
    section = await session.get(Section, scope.section_id) if scope.section_id else None
    parts = [document.code if document else "", section.number if section else ""]
    return " ".join(p for p in parts if p) or _("the whole campaign")


@dataclass(frozen=True, slots=True)
class DefinedThemes:
    themes: int
    result: Regrouped


async def define_from_file(
    *,
    session: AsyncSession,
    campaign_code: str,
    document: str,
    section: str | None,
    path: Path,
    now: datetime,
) -> DefinedThemes:
    """Name the themes of ``path`` for one document or section, then group it again."""
    specs = read_themes(path)
    scope = _scope(await _scoped(session, campaign_code, document, section))
    for spec in specs:
        await define(
            session=session,
            scope=scope,
            label=spec.label,
            keywords=spec.keywords,
            examples=spec.examples,
            now=now,
        )
    return DefinedThemes(len(specs), await regroup(session=session, scope=scope, now=now))
