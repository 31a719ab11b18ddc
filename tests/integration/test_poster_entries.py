"""Many posters' entry codes at once (the desk's PDF): the codes ``entry_for`` makes and keeps,
one read and one insert for them all, a drawn code already taken drawn again."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

import storage.entries
from storage.entries import Target, entries_for, entry_for, entry_key, resolve_entry
from storage.models import EntryPoint, Unit
from tests.chat import at
from tests.seed import seed_ward

NOW = at("2025-11-10 09:00")


async def test_codes_for_many_posters_are_those_entry_for_keeps(session: AsyncSession) -> None:
    seed = await seed_ward(session)
    targets = [Target(seed.campaign, seed.documents[0], s) for s in seed.sections]
    owners: list[Unit | None] = [None, seed.ward, *seed.cells]
    earlier = await entry_for(session=session, target=targets[0], now=NOW, unit=seed.cells[0])
    posters = [(t, o) for o in owners for t in targets]
    made = await entries_for(session=session, posters=posters, now=NOW)
    # The ward's own poster is the campaign-wide one: 3 owners' codes per target, not 4.
    assert len(made) == 2 * 3
    assert made[entry_key(targets[0], seed.cells[0])].code == earlier.code, "kept"
    for target, owner in posters:
        again = await entry_for(session=session, target=target, now=NOW, unit=owner)
        assert made[entry_key(target, owner)].code == again.code
        found = await resolve_entry(session=session, code=again.code)
        assert found is not None and found.target.key == target.key
        expected = owner.id if owner is not None and owner.id != seed.ward.id else None
        assert (found.unit.id if found.unit else None) == expected
    count = len((await session.execute(select(EntryPoint))).scalars().all())
    assert count == 6
    assert await entries_for(session=session, posters=posters, now=NOW) == made


async def test_a_drawn_code_already_taken_is_drawn_again(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed = await seed_ward(session)
    taken = await entry_for(session=session, target=Target(seed.campaign), now=NOW)
    draws = iter([taken.code, taken.code, "ABCDE", "FGHJK"])
    monkeypatch.setattr(storage.entries, "random_code", lambda _length: next(draws))
    posters = [(Target(seed.campaign, d), None) for d in seed.documents]
    made = await entries_for(session=session, posters=posters, now=NOW)
    codes = sorted(entry.code for entry in made.values())
    assert codes == ["ABCDE", "FGHJK"]
