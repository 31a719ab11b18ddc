"""What an official may import from the desk: the importers of ``gopy org import`` and
``gopy campaign import``, limited to the official's own part of the tree.

The command line is the administrator's and may change anything; the desk is every official's,
and a ward's must not rewrite the city. The rule, for the OFFICIAL roles the person holds now:

- **org file**: every unit the file names must be one of the official's units or below one
  (a unit elsewhere is refused even unchanged: the file would "touch" it). A unit the file
  creates or changes must have its parent, after the import, below the official's units
  (stored there before the upload, or created by the same file); the official's own units may
  appear, to nest the new ones under them, but not change: their parent is the level above,
  and so is the right to rename or re-letter them. A new unit without a parent would be a new
  top of the tree: refused.
- **campaign file**: its ``unit:`` must be one of the official's units or below one, and a
  campaign of the same code that exists already must be run there too (another ward's
  campaign cannot be overwritten by reusing its code).

Refusals are ``ImportProblem``s on the line of the unit, ``unit:`` or ``code:`` at fault,
shown like the importers' own. The org rule is checked once the importer has worked out what
each unit's outcome is (created, updated or unchanged) and before anything is committed: a
refusal is a 400, and the desk's guard rolls back the unit of work.

A web upload has no folder beside it: ``documents: drafts.md`` is refused on its line, and a
document's ``file:`` keeps the full text gopy already holds for that document (re-importing
the file that was imported on the server changes nothing); where gopy holds none, the line is
refused with the way to do it (``gopy campaign import`` on the server, or ``url:``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from aiogram.utils.i18n import gettext as _
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin_actions import CampaignImported, counted_import
from bot.importers.campaign import import_campaign_data
from bot.importers.draft_files import DraftUpload
from bot.importers.org import OrgSummary, import_org_data
from bot.importers.yaml_lines import LineDict, Loc, problem_at
from storage.campaigns import campaign_documents, get_campaign
from storage.completeness import subtree
from storage.drafts import file_data
from storage.models import Unit
from storage.units import get_unit, is_within


async def _inside(session: AsyncSession, roots: Sequence[Unit]) -> set[int]:
    """The ids of the official's units and every unit below them."""
    ids = [root.id for root in roots if root.id is not None]
    if not ids:
        return set()
    return set((await session.execute(sa_select(subtree(ids).c.id))).scalars().all())


async def import_org_within(
    *, session: AsyncSession, raw: LineDict, source: str, roots: Sequence[Unit]
) -> OrgSummary:
    """``import_org_data`` if the file keeps to ``roots``' subtrees; ``ImportProblem`` on the
    first unit (in the file's order) that does not. The caller rolls back on a problem."""
    inside = await _inside(session, roots)  # as it stands before the import
    own = {root.id for root in roots}
    summary = await import_org_data(session=session, raw=raw, source=source)
    created = {p.unit.id for p in summary.placed if p.outcome == "created"}
    for placed in summary.placed:
        unit, code = placed.unit, placed.unit.code
        at: Loc = (*placed.loc, "code")
        if placed.outcome != "created" and unit.id not in inside:
            message = _("'{code}' is not among your units; only they can be in your file")
            raise problem_at(raw, at, message.format(code=code), source=source)
        if placed.outcome == "unchanged":
            continue
        if unit.id in own:
            message = _("'{code}' is your own unit: the level above changes it, not you")
            raise problem_at(raw, at, message.format(code=code), source=source)
        if unit.parent_id not in inside and unit.parent_id not in created:
            entry = _at(raw, placed.loc)
            parent_at = (*placed.loc, "parent") if "parent" in entry else at
            message = _("'{code}' would be placed outside your units")
            raise problem_at(raw, parent_at, message.format(code=code), source=source)
    return summary


def _at(raw: object, loc: Loc) -> Any:
    """The mapping at ``loc`` of the parsed file (the importer has validated the path)."""
    current: Any = raw
    for part in loc:
        current = current[part]
    return current


def _text(value: object) -> str | None:
    """A scalar as the importer reads it (numbers are codes too), else None."""
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else None


async def import_campaign_within(
    *, session: AsyncSession, raw: LineDict, source: str, roots: Sequence[Unit], now: datetime
) -> CampaignImported:
    """``import_campaign_data`` of an uploaded file if its campaign is run within ``roots``'
    subtrees; ``ImportProblem`` on the ``unit:`` or ``code:`` line otherwise, or on a line
    that names a file beside it."""
    code, unit_code = _text(raw.get("code")), _text(raw.get("unit"))
    # Checked before the importer's own checks: whether another ward's unit or campaign has a
    # level, a form or a document is none of this official's business.
    if unit_code is not None:
        unit = await get_unit(session=session, code=unit_code)
        if unit is not None and not await _within(session, unit, roots):
            message = _("'{code}' is not among your units: a campaign run there is theirs")
            raise problem_at(raw, ("unit",), message.format(code=unit_code), source=source)
    existing = await get_campaign(session=session, code=code) if code is not None else None
    if existing is not None:
        owner = await session.get(Unit, existing.unit_id)
        if owner is None or not await _within(session, owner, roots):
            message = _("The campaign '{code}' already exists and is run by another unit")
            raise problem_at(raw, ("code",), message.format(code=code), source=source)
    if isinstance(raw.get("documents"), str):
        message = _(
            "documents from a file beside the campaign file cannot be read from the web: "
            "write them in this file, or import it with gopy campaign import on the server"
        )
        raise problem_at(raw, ("documents",), message, source=source)
    kept = await _kept_drafts(session, raw, source, existing)
    return await counted_import(
        session=session,
        code=code,
        run=lambda: import_campaign_data(
            session=session, data=raw, source=source, drafts=kept, now=now
        ),
    )


async def _within(session: AsyncSession, unit: Unit, roots: Sequence[Unit]) -> bool:
    for root in roots:
        assert root.id is not None
        if await is_within(session=session, unit=unit, root_id=root.id):
            return True
    return False


async def _kept_drafts(
    session: AsyncSession, raw: LineDict, source: str, existing: Any
) -> dict[str, DraftUpload]:
    """The full texts gopy holds for the documents whose ``file:`` the upload names."""
    documents = raw.get("documents")
    if not isinstance(documents, list):
        return {}
    named = [
        (index, code)
        for index, doc in enumerate(documents)
        if isinstance(doc, dict)
        and doc.get("file") is not None
        and (code := _text(doc.get("code"))) is not None
    ]
    if not named:
        return {}
    stored = (
        {d.code: d.id for d in await campaign_documents(session=session, campaign=existing)}
        if existing is not None
        else {}
    )
    kept: dict[str, DraftUpload] = {}
    for index, code in named:
        document_id = stored.get(code)
        found = (
            await file_data(session=session, document_id=document_id)
            if document_id is not None
            else None
        )
        if found is None:
            message = _(
                "the web cannot read a file beside the campaign file, and gopy keeps no full "
                "text of '{code}' yet: import it with gopy campaign import on the server, or "
                "give its address with url:"
            )
            raise problem_at(
                raw, ("documents", index, "file"), message.format(code=code), source=source
            )
        facts, data = found
        kept[code] = DraftUpload(facts.name, facts.content_type, data)
    return kept
