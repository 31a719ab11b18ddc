"""Cell 1 of Ngọc Hà as the desk's unit page tests find it: a week filed on time and changed
after the deadline, comments placed in a unit, an invite made in the database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import col, select

from bot.web.desk import paths
from storage.comments import CommentLimits, Details, Identity, submit_comment
from storage.entries import Target
from storage.invites import create_invites
from storage.models import Invite, RoleKind, Stance, Unit
from storage.people import get_or_create_person
from storage.reports import ensure_period, file_report
from tests.chat import at
from tests.desk_world import DeskWorld

VALUES: dict[str, Any] = {
    "leadership": "Chi ủy họp phân công từng đảng viên",
    "propaganda": ["meetings", "social"],
    "news_count": 1200,
    "meetings_count": 2,
    "participants_count": 45,
    "letters_count": 3,
    "highlights": "Bà con quan tâm chương về kinh tế",
    "expectations": "Bổ sung nội dung về chuyển đổi số",
    "difficulties": "",
}


def cell(world: DeskWorld, n: int = 1) -> Unit:
    return world.seed.cells[n - 1]


def unit_url(unit: Unit) -> str:
    assert unit.id is not None
    return paths.unit_path(unit.id)


async def file_week(world: DeskWorld) -> str:
    """Cell 1's week to Wednesday 05/11 17:00: sent on time on Tuesday, changed on Thursday
    (a late revision); its receipt."""
    secretary = world.people["secretary"]
    async with world.runtime.db.sessions() as session:
        period = await ensure_period(
            session=session,
            campaign=world.seed.campaign,
            level=cell(world).level,
            starts_at=at("2025-10-29 17:00"),
            deadline_at=at("2025-11-05 17:00"),
        )
        first = await file_report(
            session=session,
            period=period,
            unit=cell(world),
            values=VALUES,
            person=secretary,
            now=at("2025-11-04 20:15"),
            channel="telegram",
        )
        await file_report(
            session=session,
            period=period,
            unit=cell(world),
            values={**VALUES, "meetings_count": 3},
            person=secretary,
            now=at("2025-11-06 08:30"),
            channel="zalo",
        )
        await session.commit()
    return first.report.receipt


async def comment_in(world: DeskWorld, unit: Unit, text: str, minutes: int = 0) -> str:
    async with world.runtime.db.sessions() as session:
        author = await get_or_create_person(
            session=session,
            channel="telegram",
            external_id=f"77{minutes}",
            full_name="Người dân",
            now=world.clock.now(),
        )
        done = await submit_comment(
            session=session,
            target=Target(world.seed.campaign, world.seed.documents[0], None),
            person=author,
            key=world.runtime.key,
            text=text,
            attachments=[],
            identity=Identity(),
            channel="telegram",
            now=world.clock.now() - timedelta(minutes=60 - minutes),
            limits=CommentLimits(per_hour=1000),
            details=Details(unit_id=unit.id, stance=Stance.AGREE),
        )
        await session.commit()
    assert done.comment is not None
    return done.comment.receipt


async def make_invite(world: DeskWorld, unit: Unit, role: RoleKind = RoleKind.SECRETARY) -> int:
    async with world.runtime.db.sessions() as session:
        await create_invites(
            session=session, unit=unit, role=role, key=world.runtime.key, now=world.clock.now()
        )
        await session.commit()
        found = await session.execute(
            select(Invite.id).where(Invite.unit_id == unit.id).order_by(col(Invite.id).desc())
        )
        invite_id = found.scalars().first()
    assert invite_id is not None
    return int(invite_id)
