"""What the administration commands change, and the one sentence each says about it: revoke
invites, remove a role, import units and campaigns."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin_tables import role_label
from bot.admin_views import AdminProblem, unit_or_fail
from bot.cli_i18n import _
from storage.campaigns import deadlines_of, documents_of, get_campaign
from storage.codes import invite_from_text
from storage.drafts import files_of
from storage.invites import InviteState, find_invite, revoke_invite, revoke_open_invites
from storage.keys import ServerKey
from storage.models import Campaign, Person, RoleKind, Unit
from storage.people import remove_role


async def revoke_one(
    *,
    session: AsyncSession,
    key: ServerKey,
    code: str | None,
    invite_id: int | None,
    now: datetime,
) -> tuple[str, bool]:
    """What revoking one invite did, and whether the invite exists at all."""
    plain = invite_from_text(code) if code is not None else None
    invite = None
    if invite_id is not None or plain is not None:
        invite = await find_invite(session=session, key=key, code=plain, invite_id=invite_id)
    if invite is None:
        return _("There is no such invite. To list a unit's invites: gopy invite list UNIT"), False
    unit = await session.get(Unit, invite.unit_id)
    assert unit is not None
    before = await revoke_invite(session=session, invite=invite, now=now)
    values = {"number": invite.id, "role": role_label(invite.role.value), "unit": unit.code}
    if before is InviteState.OPEN:
        return _("Revoked invite {number} ({role} of {unit}).", **values), True
    if before is InviteState.USED:
        person = await session.get(Person, invite.used_by_id) if invite.used_by_id else None
        return _(
            "Invite {number} ({role} of {unit}) was already used by {name}; nothing to revoke. "
            "To take the role away: gopy role remove",
            name=person.full_name if person else "?",
            **values,
        ), True
    return _(
        "Invite {number} ({role} of {unit}) has already expired or been revoked.", **values
    ), True


async def revoke_all(*, session: AsyncSession, unit_code: str, now: datetime) -> str:
    unit = await unit_or_fail(session, unit_code)
    count = await revoke_open_invites(session=session, unit=unit, now=now)
    return _("Revoked {count} unused invites of {unit}.", count=count, unit=unit.code)


async def remove(*, session: AsyncSession, person_id: int, role: str, unit_code: str) -> str:
    unit = await unit_or_fail(session, unit_code)
    if not await remove_role(session=session, person_id=person_id, unit=unit, kind=RoleKind(role)):
        raise AdminProblem(
            _(
                "Person {number} is not a {role} of {unit}. To list them: gopy people list {unit}",
                number=person_id,
                role=role_label(role),
                unit=unit.code,
            )
        )
    person = await session.get(Person, person_id)
    assert person is not None
    return _(
        "{name} ({number}) is no longer a {role} of {unit}.",
        name=person.full_name,
        number=person_id,
        role=role_label(role),
        unit=unit.code,
    )


async def _contents(session: AsyncSession, campaign: Campaign | None) -> tuple[set[str], set[str]]:
    """The codes of a campaign's documents and ``code/number`` of its sections."""
    if campaign is None:
        return set(), set()
    docs = await documents_of(session=session, campaign=campaign)
    return (
        {doc.code for doc, _sections in docs},
        {f"{doc.code}/{s.number}" for doc, sections in docs for s in sections},
    )


async def _full_texts(session: AsyncSession, campaign: Campaign) -> str:
    """``bctt (PDF, 245 kB), dieule (DOCX, 88 kB)``: the files gopy keeps for the campaign."""
    docs = {
        doc.id: doc.code
        for doc, _sections in await documents_of(session=session, campaign=campaign)
    }
    files = await files_of(session=session, document_ids=[i for i in docs if i is not None])
    kinds = {"application/pdf": "PDF"}
    return ", ".join(
        f"{docs[i]} ({kinds.get(f.content_type, 'DOCX')}, {max(1, round(f.size / 1024))} kB)"
        for i, f in sorted(files.items())
    )


@dataclass(frozen=True, slots=True)
class CampaignImported:
    """What importing a campaign file did: created or updated, and what it now holds."""

    campaign: Campaign
    created: bool
    deadlines: int
    documents: int
    sections: int
    added_documents: int = 0
    removed_documents: int = 0
    added_sections: int = 0
    removed_sections: int = 0


async def counted_import(
    *, session: AsyncSession, code: object, run: Callable[[], Awaitable[Campaign]]
) -> CampaignImported:
    """Run an import of the campaign ``code`` (as the file writes it) and count what changed."""
    before = await get_campaign(session=session, code=str(code)) if code is not None else None
    docs_before, sections_before = await _contents(session, before)
    campaign = await run()
    docs, sections = await _contents(session, campaign)
    return CampaignImported(
        campaign=campaign,
        created=before is None,
        deadlines=len(await deadlines_of(session=session, campaign=campaign)),
        documents=len(docs),
        sections=len(sections),
        added_documents=len(docs - docs_before),
        removed_documents=len(docs_before - docs),
        added_sections=len(sections - sections_before),
        removed_sections=len(sections_before - sections),
    )


def told(imported: CampaignImported, _: Callable[[str], str]) -> str:
    """The sentence saying what an import did, in the language of the gettext ``_`` given
    (the command line's, or a desk page's)."""
    values = {
        "code": imported.campaign.code,
        "title": imported.campaign.title,
        "deadlines": imported.deadlines,
        "documents": imported.documents,
        "sections": imported.sections,
    }
    if imported.created:
        return _(
            "Created campaign {code} — {title}: {deadlines} weekly deadlines, "
            "{documents} documents, {sections} sections."
        ).format(**values)
    return _(
        "Updated campaign {code} — {title}: {deadlines} weekly deadlines, {documents} "
        "documents ({added_documents} added, {removed_documents} removed), "
        "{sections} sections ({added_sections} added, {removed_sections} removed)."
    ).format(
        added_documents=imported.added_documents,
        removed_documents=imported.removed_documents,
        added_sections=imported.added_sections,
        removed_sections=imported.removed_sections,
        **values,
    )


async def import_campaign_told(*, session: AsyncSession, path: Path, now: datetime) -> str:
    """Import a campaign file and say what it created or changed."""
    from bot.importers.campaign import import_campaign
    from bot.importers.yaml_lines import load_yaml

    imported = await counted_import(
        session=session,
        code=load_yaml(path).get("code"),
        run=lambda: import_campaign(session=session, path=path, now=now),
    )
    text = told(imported, _)
    texts = await _full_texts(session, imported.campaign)
    return text + "\n" + _("Full texts kept by gopy: {files}.", files=texts) if texts else text
