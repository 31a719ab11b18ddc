"""Who may invite whom (``storage.invite_rules``), on the seed's tree: the city of Hà Nội, the
ward of Ngọc Hà and its cell 1, and the ward of Kim Mã beside it."""

from __future__ import annotations

import pytest

from storage.invite_rules import InviteRefusal, allowed, refusal, revoke_refusal
from storage.models import InviteMode, RoleKind, Unit, UnitLevel

CITY = Unit(id=1, code="HN", name="Hà Nội", level=UnitLevel.CITY)
WARD = Unit(id=2, code="NGOCHA", name="Ngọc Hà", level=UnitLevel.WARD, parent_id=1)
CELL = Unit(id=3, code="NGOCHA-CB01", name="Chi bộ 1", level=UnitLevel.CELL, parent_id=2)
OTHER = Unit(id=4, code="KIMMA", name="Kim Mã", level=UnitLevel.WARD, parent_id=1)
ABOVE = {1: [], 2: [1], 3: [2, 1], 4: [1]}

SEC_ADD = (RoleKind.SECRETARY, InviteMode.ADD)
SEC_REPLACE = (RoleKind.SECRETARY, InviteMode.REPLACE)
OFF_ADD = (RoleKind.OFFICIAL, InviteMode.ADD)
OFF_REPLACE = (RoleKind.OFFICIAL, InviteMode.REPLACE)


def offered(unit: Unit, mine: set[int]) -> list[tuple[RoleKind, InviteMode]]:
    assert unit.id is not None
    return allowed(unit=unit, above=ABOVE[unit.id], mine=mine)


def test_a_ward_official() -> None:
    mine = {2}
    # Its cells: secretaries and officials, joining or replacing.
    assert offered(CELL, mine) == [SEC_ADD, SEC_REPLACE, OFF_ADD, OFF_REPLACE]
    # Its own ward: a colleague may join; the ward's officials are replaced from above.
    assert offered(WARD, mine) == [OFF_ADD]
    # Nothing above or beside it.
    assert offered(CITY, mine) == [] and offered(OTHER, mine) == []


def test_a_city_official_replaces_a_wards_officials() -> None:
    assert offered(WARD, {1}) == [OFF_ADD, OFF_REPLACE]
    assert offered(CITY, {1}) == [OFF_ADD]
    assert offered(CELL, {1}) == [SEC_ADD, SEC_REPLACE, OFF_ADD, OFF_REPLACE]


@pytest.mark.parametrize(
    ("unit", "mine", "role", "mode", "why"),
    [
        (CITY, {2}, RoleKind.OFFICIAL, InviteMode.ADD, InviteRefusal.NOT_YOURS),
        (OTHER, {2}, RoleKind.SECRETARY, InviteMode.ADD, InviteRefusal.NOT_YOURS),
        (CELL, set(), RoleKind.SECRETARY, InviteMode.ADD, InviteRefusal.NOT_YOURS),
        (WARD, {1}, RoleKind.SECRETARY, InviteMode.ADD, InviteRefusal.NO_SECRETARY),
        (WARD, {2}, RoleKind.OFFICIAL, InviteMode.REPLACE, InviteRefusal.PEERS),
        # An official of a cell (rare) adds colleagues there, and replaces no one's officials.
        (CELL, {3}, RoleKind.OFFICIAL, InviteMode.REPLACE, InviteRefusal.PEERS),
        (CELL, {3}, RoleKind.SECRETARY, InviteMode.REPLACE, None),
    ],
)
def test_refusals(
    unit: Unit, mine: set[int], role: RoleKind, mode: InviteMode, why: InviteRefusal | None
) -> None:
    assert unit.id is not None
    assert refusal(unit=unit, above=ABOVE[unit.id], mine=mine, role=role, mode=mode) is why


@pytest.mark.parametrize(
    ("unit", "mine", "role", "mode", "why"),
    [
        # The city's invite replacing the ward's officials: the ward cannot undo it.
        (WARD, {2}, RoleKind.OFFICIAL, InviteMode.REPLACE, InviteRefusal.PEERS),
        (WARD, {1}, RoleKind.OFFICIAL, InviteMode.REPLACE, None),
        (WARD, {2}, RoleKind.OFFICIAL, InviteMode.ADD, None),
        # An invite nobody may make now (a ward's secretary, from the command line) is
        # still theirs to revoke.
        (WARD, {2}, RoleKind.SECRETARY, InviteMode.REPLACE, None),
        (CELL, {2}, RoleKind.OFFICIAL, InviteMode.REPLACE, None),
        (OTHER, {2}, RoleKind.SECRETARY, InviteMode.ADD, InviteRefusal.NOT_YOURS),
        (CITY, {2}, RoleKind.OFFICIAL, InviteMode.ADD, InviteRefusal.NOT_YOURS),
    ],
)
def test_revoking(
    unit: Unit, mine: set[int], role: RoleKind, mode: InviteMode, why: InviteRefusal | None
) -> None:
    assert unit.id is not None
    assert revoke_refusal(unit=unit, above=ABOVE[unit.id], mine=mine, role=role, mode=mode) is why
