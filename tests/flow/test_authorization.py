"""Who may use the officials' commands and buttons: every one × every role, as a table.

Each case plays real Updates through the Dispatcher on a ward (Ngọc Hà, with a citizen's
comment) beside another ward (Kim Mã) of the same city, and the city's own consultation with a
comment placed in each ward. A refusal is polite (one of the known answers), shows nothing of
Ngọc Hà, sends no file and changes nothing in the database; an allowed action shows or changes
what it should; an official of another ward is answered about their own ward only. Whatever
the answer, a ward's official never sees the other ward's comment, not even in a file. The
buttons are pressed with data built as the bot builds it (forged, for those who were never
shown them).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from handlers.callbacks import (
    CommentAction,
    CommentsView,
    ExportComments,
    ExportReport,
    ModerateComment,
    PickDraft,
    ReportQr,
    UnitStatus,
)
from scheduler.consolidated import begun_weeks
from storage.comments import Details
from storage.entries import Target
from storage.models import Campaign, Comment, Deadline, Period, RoleKind, Unit, UnitLevel
from tests.chat import Chat
from tests.conftest import BotApp
from tests.fakes.telegram import Call
from tests.flow.test_comments import (
    OPINION,
    comments,
    poster,
    store_comment,
    write_anonymously,
)
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
# The comments placed in each ward in the city's consultation.
NGOC_HA_SHARE = "Đề nghị lắp thêm đèn chiếu sáng trong các ngõ nhỏ."
KIMMA_SHARE = "Đề nghị mở rộng bãi đỗ xe cho khu tập thể."
# What only someone allowed to see Ngọc Hà's comments may be shown.
SECRETS = (
    "Ngọc Hà",
    "Chi bộ Tổ dân phố",
    "Đại hội XIV",
    "Dự thảo Báo cáo chính trị",
    OPINION,
    NGOC_HA_SHARE,
)
CITY_TITLE = "Góp ý của Thành phố"
# Never shown to a role, whatever the action: the other ward's comments and names.
NEVER = {
    "citizen": (*SECRETS, KIMMA_SHARE),
    "other cell": (*SECRETS, KIMMA_SHARE),
    "other ward": SECRETS,
    "city": (),
    "ward": (KIMMA_SHARE, "Kim Mã"),
}

# Every officials' command and button (handlers/officials, moderation, qr, export, record) × role:
#                       citizen other cell other ward city ward
MATRIX: dict[str, tuple[str, str, str, str, str]] = {
    "/status":            (N, N, U, Y, Y),
    "/remind":            (N, N, U, Y, Y),
    # Kim Mã reads its share of the city's consultation, nothing of Ngọc Hà's.
    "/comments":          (N, N, U, Y, Y),
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
    # The city's own campaign: a ward's official reads, answers and exports their ward's
    # comments in it (never the other ward's, see NEVER) ...
    "cv: city campaign":  (N, N, U, Y, Y),
    "ce: city campaign":  (N, N, U, Y, Y),
    # ... and moderates only those: Kim Mã's comment, by a typed code or a forged button.
    "/hide Kim Mã's":     (N, N, Y, Y, N),
    "mc: hide Kim Mã's":  (N, N, Y, Y, N),
    "mc: reply Kim Mã's": (N, N, Y, Y, N),
    # The city's report is the city's (the report chain, fault 7: /export could read it).
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
    kimma_comment: Comment  # placed in Kim Mã, in the city's campaign


async def _world(app: BotApp) -> World:
    async with app.runtime.db.sessions() as session:
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
        for text_, cell in ((NGOC_HA_SHARE, app.seed.cells[0]), (KIMMA_SHARE, kimma_cell)):
            await store_comment(session, app, Target(city_campaign), text_, Details(cell.id))
        (period, *_rest) = await begun_weeks(
            session=session, unit=app.seed.ward, campaign=app.seed.campaign, now=app.clock.now()
        )
        await session.commit()
    await join_as(app, OTHER_CELL, kimma_cell, RoleKind.SECRETARY, "Bí thư Kim Mã")
    await join_as(app, OTHER_WARD, kimma, RoleKind.OFFICIAL, "Cán bộ Kim Mã")
    await join_as(app, CITY, city, RoleKind.OFFICIAL, "Cán bộ Thành phố")
    await join_as(app, WARD, app.seed.ward, RoleKind.OFFICIAL, "Cán bộ Ngọc Hà")
    await write_anonymously(app.chat(CITIZEN), await poster(app))
    by_text = {c.text: c for c in await comments(app)}
    units = {"other ward": kimma, "city": city, "ward": app.seed.ward}
    return World(app, by_text[OPINION], period, units, city_campaign.id, by_text[KIMMA_SHARE])


Act = Callable[[World, Chat, str], Awaitable[list[Call]]]


def _say(words: str) -> Act:
    async def act(world: World, chat: Chat, _role: str) -> list[Call]:
        receipts = {"receipt": world.comment.receipt, "kimma": world.kimma_comment.receipt}
        return await chat.say(words.format(**receipts))

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
    "/hide Kim Mã's": _say("/hide {kimma}"),
    "mc: hide Kim Mã's": _press(
        lambda w, _u: ModerateComment(
            comment_id=w.kimma_comment.id or 0, action=CommentAction.HIDE
        )
    ),
    "mc: reply Kim Mã's": _press(
        lambda w, _u: ModerateComment(
            comment_id=w.kimma_comment.id or 0, action=CommentAction.REPLY
        )
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
    async with app.runtime.db.engine.connect() as connection:
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
    contents = " ".join(c.upload.data.decode("utf-8", "ignore") for c in files)
    seen = "\n".join((said, buttons, contents))
    assert not any(secret in seen for secret in NEVER[role]), seen
    if expected == U:
        assert after["comment"] == before["comment"]
    elif expected == N:
        assert any(refusal in said for refusal in REFUSALS), said
        assert not any(secret in seen for secret in (*SECRETS, CITY_TITLE)), said
        assert files == [] and after == before
    else:
        assert not any(refusal in said for refusal in REFUSALS), said
        about = (*SECRETS, CITY_TITLE, KIMMA_SHARE, world.kimma_comment.receipt)
        shown = files or any(secret in said + buttons for secret in about)
        assert shown or after != before, said
