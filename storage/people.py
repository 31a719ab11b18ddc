"""People and their roles: who is writing, and what they may do in which unit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.dialect import insert_ignore, rowcount
from storage.keys import to_the_day
from storage.models import Person, Role, RoleKind, Unit


@dataclass(slots=True)
class Member:
    """A person with their active roles, as handlers see them (loaded once per update)."""

    person: Person
    roles: list[tuple[Role, Unit]] = field(default_factory=list)

    @property
    def id(self) -> int:
        assert self.person.id is not None
        return self.person.id

    def units(self, kind: RoleKind) -> list[Unit]:
        return [unit for role, unit in self.roles if role.kind is kind]

    def has(self, kind: RoleKind) -> bool:
        return any(role.kind is kind for role, _ in self.roles)


async def get_or_create_person(
    *, session: AsyncSession, channel: str, external_id: str, full_name: str, now: datetime
) -> Person:
    """The person behind a chat account, created on first contact (one row even under races)."""
    found = await _find(session, channel, external_id)
    if found is not None:
        return found
    return await create_person(
        session=session, channel=channel, external_id=external_id, full_name=full_name, now=now
    )


async def create_person(
    *, session: AsyncSession, channel: str, external_id: str, full_name: str, now: datetime
) -> Person:
    """A person not found a moment ago: inserted, or read back if another update just did."""
    statement = insert_ignore(
        session,
        Person,
        channel=channel,
        external_id=external_id,
        full_name=full_name[:255],
        created_at=to_the_day(now),
    )
    created: Person | None = (await session.scalars(statement.returning(Person))).first()
    if created is not None:
        return created
    person = await _find(session, channel, external_id)
    assert person is not None
    return person


async def _find(session: AsyncSession, channel: str, external_id: str) -> Person | None:
    result = await session.execute(
        select(Person).where(Person.channel == channel, Person.external_id == external_id)
    )
    return result.scalar_one_or_none()


async def find_member(*, session: AsyncSession, channel: str, external_id: str) -> Member | None:
    """The person behind a chat account with their active roles, in one query; None if new."""
    result = await session.execute(
        select(Person, Role, Unit)
        .outerjoin(Role, (col(Role.person_id) == Person.id) & col(Role.active).is_(True))
        .outerjoin(Unit, col(Unit.id) == Role.unit_id)
        .where(Person.channel == channel, Person.external_id == external_id)
        .order_by(col(Role.id))
    )
    rows = result.all()
    if not rows:
        return None
    return Member(
        person=rows[0][0],
        roles=[(role, unit) for _person, role, unit in rows if role is not None],
    )


async def load_member(*, session: AsyncSession, person: Person) -> Member:
    """``find_member`` for a person already loaded (after a role change, say)."""
    member = await find_member(
        session=session, channel=person.channel, external_id=person.external_id
    )
    assert member is not None
    return member


async def grant_role(
    *,
    session: AsyncSession,
    person: Person,
    unit: Unit,
    kind: RoleKind,
    now: datetime,
    invite_id: int | None = None,
    replace_others: bool = False,
) -> Role:
    """Give ``person`` the role in ``unit``; ``replace_others`` takes it from previous holders."""
    if replace_others:
        await session.execute(
            update(Role)
            .where(
                col(Role.unit_id) == unit.id,
                col(Role.kind) == kind,
                col(Role.person_id) != person.id,
            )
            .values(active=False)
        )
    result = await session.execute(
        select(Role).where(Role.person_id == person.id, Role.unit_id == unit.id, Role.kind == kind)
    )
    role = result.scalar_one_or_none()
    if role is None:
        assert person.id is not None and unit.id is not None
        role = Role(person_id=person.id, unit_id=unit.id, kind=kind, granted_at=now)
        session.add(role)
    role.active = True
    role.invite_id = invite_id
    await session.flush()
    return role


async def set_locale(*, session: AsyncSession, person: Person, locale: str) -> None:
    person.locale = locale
    session.add(person)
    await session.flush()


async def people_of(*, session: AsyncSession, unit: Unit) -> list[tuple[Person, Role]]:
    """The people holding a role in ``unit`` now, by role then by when they joined."""
    result = await session.execute(
        select(Person, Role)
        .join(Role, col(Role.person_id) == Person.id)
        .where(Role.unit_id == unit.id, col(Role.active).is_(True))
        .order_by(col(Role.kind), col(Role.granted_at), col(Person.id))
    )
    return [(person, role) for person, role in result.all()]


async def remove_role(
    *, session: AsyncSession, person_id: int, unit: Unit, kind: RoleKind
) -> bool:
    """Take a role away (it is kept, inactive, as a record); False if they did not hold it."""
    removed = await session.execute(
        update(Role)
        .where(
            col(Role.person_id) == person_id,
            col(Role.unit_id) == unit.id,
            col(Role.kind) == kind,
            col(Role.active).is_(True),
        )
        .values(active=False)
        .execution_options(synchronize_session=False)
    )
    return rowcount(removed) == 1
