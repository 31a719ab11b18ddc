"""Who may invite whom: the one rule for officials making invites (the desk today; any chat
command that makes them must ask it too). ``gopy invite create`` is the administrator's and
is bound by nothing.

An official invites into their own units and the units below them:
- a secretary, only for a party cell (only cells have secretaries: ``units.filer_role``);
- an official, to join the unit's officials (a colleague, or the officials of a unit below);
- an official who *replaces* the unit's officials only for a unit below their own: taking a
  unit's officials away is for the level above it, never for a peer.

Revoking follows the same line: any invite of a unit within reach, but for one that replaces
the officials of the official's own unit — the level above's decision, which those it replaces
must not be able to undo.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import InviteMode, RoleKind, Unit
from storage.people import Member
from storage.units import ancestors, filer_role


class InviteRefusal(StrEnum):
    NOT_YOURS = "not_yours"  # the unit is not among the official's units or below them
    NO_SECRETARY = "no_secretary"  # a secretary's invite for a unit that is not a cell
    PEERS = "peers"  # replacing the officials of the official's own unit


def refusal(
    *,
    unit: Unit,
    above: Collection[int | None],
    mine: Collection[int | None],
    role: RoleKind,
    mode: InviteMode,
) -> InviteRefusal | None:
    """Why an official of the units ``mine`` may not invite ``role`` into ``unit`` (whose
    ancestors' ids are ``above``), or None if they may."""
    over = any(unit_id in mine for unit_id in above)
    if not over and unit.id not in mine:
        return InviteRefusal.NOT_YOURS
    if role is RoleKind.SECRETARY and filer_role(unit) is not RoleKind.SECRETARY:
        return InviteRefusal.NO_SECRETARY
    if role is RoleKind.OFFICIAL and mode is InviteMode.REPLACE and not over:
        return InviteRefusal.PEERS
    return None


def revoke_refusal(
    *,
    unit: Unit,
    above: Collection[int | None],
    mine: Collection[int | None],
    role: RoleKind,
    mode: InviteMode,
) -> InviteRefusal | None:
    """Why an official of the units ``mine`` may not revoke an invite of ``role`` and ``mode``
    into ``unit`` (whose ancestors' ids are ``above``), or None if they may."""
    over = any(unit_id in mine for unit_id in above)
    if not over and unit.id not in mine:
        return InviteRefusal.NOT_YOURS
    if role is RoleKind.OFFICIAL and mode is InviteMode.REPLACE and not over:
        return InviteRefusal.PEERS
    return None


async def invite_refusal(
    *, session: AsyncSession, member: Member, unit: Unit, role: RoleKind, mode: InviteMode
) -> InviteRefusal | None:
    """``refusal`` for ``member`` (their OFFICIAL roles), reading the unit's ancestors."""
    above = [u.id for u in await ancestors(session=session, unit=unit)]
    mine = {u.id for u in member.units(RoleKind.OFFICIAL)}
    return refusal(unit=unit, above=above, mine=mine, role=role, mode=mode)


def allowed(
    *, unit: Unit, above: Collection[int | None], mine: Collection[int | None]
) -> list[tuple[RoleKind, InviteMode]]:
    """Every (role, mode) the official may invite into ``unit``, for a form to offer."""
    return [
        (role, mode)
        for role in RoleKind
        for mode in InviteMode
        if refusal(unit=unit, above=above, mine=mine, role=role, mode=mode) is None
    ]
