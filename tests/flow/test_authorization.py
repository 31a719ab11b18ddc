"""Who may use the officials' commands and buttons: every one × every role, as a table.

Each case plays real Updates through the Dispatcher on a ward (Ngọc Hà, with a citizen's
comment) beside another ward (Kim Mã) of the same city. A refusal is polite (one of the known
answers), shows nothing of Ngọc Hà, sends no file and changes nothing in the database; an
allowed action shows or changes what it should; an official of another ward is answered about
their own ward only. The buttons are pressed with data built as
the bot builds it (forged, for those who were never shown them).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from handlers.callbacks import (
    CommentsView,
    ExportComments,
    ExportReport,
    PickDraft,
    ReportQr,
    UnitStatus,
)
from scheduler.consolidated import begun_weeks
from storage.models import Campaign, Comment, Deadline, Period, RoleKind, Unit, UnitLevel
from tests.chat import Chat
from tests.conftest import BotApp
from tests.fakes.telegram import Call
from tests.flow.test_comments import OPINION, comments, poster, write_anonymously
from tests.outreach import join_as

CITIZEN, OTHER_CELL, OTHER_WARD, CITY, WARD = 7601, 7602, 7603, 7604, 7605
ROLES = ("citizen", "other cell", "other ward", "city", "ward")
USERS = dict(zip(ROLES, (CITIZEN, OTHER_CELL, OTHER_WARD, CITY, WARD), strict=True))
# Allowed; refused; answered about their own unit only (Kim Mã reports in the city's campaign).
Y, N, U = "allowed", "refused", "own unit"

# The polite answers of a refusal (vi): not an official; a button not theirs; a receipt not
# among theirs; nothing of their unit to show.
REFUSALS = (
    "dành cho cán bộ",
    "không còn hiệu lực",
    "Không có ý kiến",
    "Hiện không có đợt nào",
    "Chưa có đợt lấy ý kiến nào",
    "chưa có đợt lấy ý kiến nào để in",
    "chưa có đợt nào có báo cáo",
    "của đơn vị bạn đang nhận góp ý",
)
# What only someone allowed to see Ngọc Hà's campaign may be shown.
SECRETS = ("Ngọc Hà", "Chi bộ Tổ dân phố", "Đại hội XIV", "Dự thảo Báo cáo chính trị", OPINION)
CITY_TITLE = "Góp ý của Thành phố"

# Every officials' command and button (handlers/officials, moderation, qr, export, record) × role:
#                       citizen other cell other ward city ward
MATRIX: dict[str, tuple[str, str, str, str, str]] = {
    "/status":            (N, N, U, Y, Y),
    "/remind":            (N, N, U, Y, Y),
    "/comments":          (N, N, N, Y, Y),
    "/reply":             (N, N, N, Y, Y),
    "/hide":              (N, N, N, Y, Y),
    "/spam":              (N, N, N, Y, Y),
    "/restore":           (N, N, N, Y, Y),
    # Kim Mã prints its own posters of the city's consultation (their comments count for Kim
    # Mã); a poster is public, and it shows nothing of Ngọc Hà's.
    "/qr":                (N, N, Y, Y, Y),
    "/export":            (N, N, N, Y, Y),
    "us: period status":  (N, N, N, Y, Y),
    "cv: comments view":  (N, N, N, Y, Y),
    "ce: export comments":(N, N, N, Y, Y),
    "cp: pick QR draft":  (N, N, N, Y, Y),
    "rq: report QR":      (N, N, N, Y, Y),
    "er: export report":  (N, N, N, Y, Y),
    # The city's own campaign: a ward official may not read it (fault 7: /export could).
    "cv: city campaign":  (N, N, N, Y, N),
    "ce: city campaign":  (N, N, N, Y, N),
    "er: city campaign":  (N, N, N, Y, N),
    # Recording a letter: the command and its menu key, then the medium (the list of drafts
    # shows); the picker's button without /record first; the city's campaign from the picker.
    # A ward's officials record the letters they receive for the city's consultation, as they
    # print its posters: the letters count for their ward, and nothing of Ngọc Hà's shows.
    # (Kim Mã has that campaign alone: /record opens it at once, and the picker's button
    # comes after it, stale.)
    "/record":            (N, N, Y, Y, Y),
    "📨 record key":      (N, N, Y, Y, Y),
    "cp: record, no flow":(N, N, N, N, N),
    "cp: record city":    (N, N, N, Y, Y),
}  # fmt: skip


@dataclass
class World:
    app: BotApp
    comment: Comment
    period: Period
    units: dict[str, Unit]  # each official's own unit
    city_campaign: int


async def _world(app: BotApp) -> World:
    async with app.runtime.sessions() as session:
        city = await session.get(Unit, app.seed.ward.parent_id)
        assert city is not None
        kimma = Unit(code="KIMMA", name="Đảng ủy phường Kim Mã", level=UnitLevel.WARD)
        kimma.parent_id = city.id
        session.add(kimma)
        await session.flush()
        kimma_cell = Unit(code="KIMMA-CB01", name="Chi bộ Kim Mã 1", level=UnitLevel.CELL)
        kimma_cell.parent_id = kimma.id
        session.add(kimma_cell)
        await session.flush()
        assert city.id is not None
        city_campaign = Campaign(
            code="tp",
            title=CITY_TITLE,
            unit_id=city.id,
            form_id=app.seed.campaign.form_id,
            starts_at=app.seed.campaign.starts_at,
            ends_at=app.seed.campaign.ends_at,
        )
        session.add(city_campaign)
        await session.flush()
        assert city_campaign.id is not None
        session.add(
            Deadline(campaign_id=city_campaign.id, level=UnitLevel.CELL, weekday=2, time="17:00")
        )
        (period, *_rest) = await begun_weeks(
            session=session, unit=app.seed.ward, campaign=app.seed.campaign, now=app.clock.now()
        )
        await session.commit()
    await join_as(app, OTHER_CELL, kimma_cell, RoleKind.SECRETARY, "Bí thư Kim Mã")
    await join_as(app, OTHER_WARD, kimma, RoleKind.OFFICIAL, "Cán bộ Kim Mã")
    await join_as(app, CITY, city, RoleKind.OFFICIAL, "Cán bộ Thành phố")
    await join_as(app, WARD, app.seed.ward, RoleKind.OFFICIAL, "Cán bộ Ngọc Hà")
    await write_anonymously(app.chat(CITIZEN), await poster(app))
    (comment,) = await comments(app)
    units = {"other ward": kimma, "city": city, "ward": app.seed.ward}
    return World(app, comment, period, units, city_campaign.id)


Act = Callable[[World, Chat, str], Awaitable[list[Call]]]


def _say(words: str) -> Act:
    async def act(world: World, chat: Chat, _role: str) -> list[Call]:
        return await chat.say(words.format(receipt=world.comment.receipt))

    return act


def _press(build: Callable[[World, int], Any]) -> Act:
    async def act(world: World, chat: Chat, role: str) -> list[Call]:
        # An official presses a button for their own unit; others, Ngọc Hà's.
        unit = world.units.get(role, world.app.seed.ward)
        assert unit.id is not None
        return await chat.press_data(build(world, unit.id).pack())

    return act


def _record(words: str, pick: Callable[[World], PickDraft] | None = None) -> Act:
    """``words``, then the first medium if offered; then, with ``pick``, that forged button:
    only what it answers counts (the list of drafts before it is the official's own)."""

    async def act(world: World, chat: Chat, _role: str) -> list[Call]:
        calls = await chat.say(words)
        if any("Thư tay" in b.get("text", "") for c in calls for b in c.buttons):
            calls += await chat.press("Thư tay")
        if pick is None:
            return calls
        return await chat.press_data(pick(world).pack())

    return act


def _campaign(world: World) -> int:
    assert world.app.seed.campaign.id is not None
    return world.app.seed.campaign.id


ACTIONS: dict[str, Act] = {
    "/status": _say("/status"),
    "/remind": _say("/remind"),
    "/comments": _say("/comments"),
    "/reply": _say("/reply {receipt} Cảm ơn bạn."),
    "/hide": _say("/hide {receipt}"),
    "/spam": _say("/spam {receipt}"),
    "/restore": _say("/restore {receipt}"),
    "/qr": _say("/qr"),
    "/export": _say("/export"),
    "us: period status": _press(
        lambda w, unit: UnitStatus(unit_id=unit, period_id=w.period.id or 0)
    ),
    "cv: comments view": _press(lambda w, _u: CommentsView(campaign_id=_campaign(w))),
    "ce: export comments": _press(
        lambda w, _u: ExportComments(campaign_id=_campaign(w), fmt="csv")
    ),
    "cp: pick QR draft": _press(
        lambda w, _u: PickDraft(
            campaign_id=_campaign(w),
            document_id=w.app.seed.documents[1].id or 0,
            purpose="qr",
            final=True,
        )
    ),
    "rq: report QR": _press(lambda w, _u: ReportQr(campaign_id=_campaign(w))),
    "er: export report": _press(
        lambda w, unit: ExportReport(unit_id=unit, campaign_id=_campaign(w), fmt="csv")
    ),
    "cv: city campaign": _press(lambda w, _u: CommentsView(campaign_id=w.city_campaign)),
    "ce: city campaign": _press(
        lambda w, _u: ExportComments(campaign_id=w.city_campaign, fmt="csv")
    ),
    "er: city campaign": _press(
        lambda w, unit: ExportReport(unit_id=unit, campaign_id=w.city_campaign, fmt="csv")
    ),
    "/record": _record("/record"),
    "📨 record key": _record("📨 Ghi ý kiến nhận được"),
    "cp: record, no flow": _press(
        lambda w, _u: PickDraft(campaign_id=_campaign(w), purpose="record", final=True)
    ),
    "cp: record city": _record(
        "/record", lambda w: PickDraft(campaign_id=w.city_campaign, purpose="record", final=True)
    ),
}


def _snapshot(connection: Connection) -> dict[str, list[tuple[Any, ...]]]:
    # What an action could change; the bookkeeping of every update (processed updates, FSM,
    # people met) is left out.
    skip = {"processed_update", "fsm_state", "person", "channel_id", "alembic_version"}
    found = {}
    for table in sorted(set(inspect(connection).get_table_names()) - skip):
        rows = connection.execute(text(f'SELECT * FROM "{table}"')).all()
        found[table] = sorted((tuple(map(str, row)) for row in rows), key=str)
    return found


async def _state(app: BotApp) -> dict[str, list[tuple[Any, ...]]]:
    async with app.runtime.engine.connect() as connection:
        return await connection.run_sync(_snapshot)


CASES = [
    pytest.param(action, role, expected, id=f"{action}-{role}".replace(" ", "_"))
    for action, row in MATRIX.items()
    for role, expected in zip(ROLES, row, strict=True)
]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("action", "role", "expected"), CASES)
async def test_officials_commands_by_role(
    app: BotApp, action: str, role: str, expected: str
) -> None:
    world = await _world(app)
    chat = app.chat(USERS[role])
    before = await _state(app)
    calls = await ACTIONS[action](world, chat, role)
    after = await _state(app)
    said = "\n".join(c.text for c in calls)
    files = [c for c in calls if c.method in ("sendDocument", "sendPhoto")]
    buttons = " ".join(b.get("text", "") for c in calls for b in c.buttons)
    if expected == U:
        assert not any(secret in said + buttons for secret in SECRETS), said
        assert files == [] and after["comment"] == before["comment"]
    elif expected == N:
        assert any(refusal in said for refusal in REFUSALS), said
        assert not any(secret in said + buttons for secret in (*SECRETS, CITY_TITLE)), said
        assert files == [] and after == before
    else:
        assert not any(refusal in said for refusal in REFUSALS), said
        shown = files or any(secret in said + buttons for secret in (*SECRETS, CITY_TITLE))
        assert shown or after != before, said
