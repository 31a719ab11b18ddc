"""Reminders, escalations, digests and /remind: sweeps into the outbox, out through the fake
Bot API, with a frozen clock that only moves when the test (or a rate-limit wait) moves it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from scheduler.service import SchedulerService
from storage.models import Deadline, OutboxStatus, Person, Purpose, RoleKind, Unit
from storage.outbox import Letter, claim, enqueue
from tests.chat import at, texts
from tests.conftest import BotApp
from tests.outreach import Harness, file_for, harness, join_as

BINH, CUONG, HA, MINH = 601, 602, 700, 800


async def people(app: BotApp) -> Harness:
    """Two cell secretaries, an official of the ward and one of the city."""
    cells, ward = app.seed.cells, app.seed.ward
    await join_as(app, BINH, cells[0], RoleKind.SECRETARY, "Trần Thị Bình")
    await join_as(app, CUONG, cells[1], RoleKind.SECRETARY, "Lê Văn Cường")
    await join_as(app, HA, ward, RoleKind.OFFICIAL, "Phạm Thu Hà")
    async with app.runtime.db.sessions() as session:
        city = await session.get(Unit, ward.parent_id)
    assert city is not None
    await join_as(app, MINH, city, RoleKind.OFFICIAL, "Hoàng Minh")
    return harness(app)


async def test_reminder_goes_only_to_cells_that_have_not_filed(app: BotApp) -> None:
    h = await people(app)
    await file_for(app, BINH, app.seed.cells[0])
    app.clock.set(at("2025-11-11 17:00"))  # 24 hours before Wednesday 17:00

    sent = await h.sweep_and_send()

    assert [c.chat_id for c in sent] == [CUONG]
    assert "Chi bộ Tổ dân phố số 2" in sent[0].text
    assert "17:00 thứ Tư, 12/11" in sent[0].text
    (button,) = sent[0].buttons
    assert button["text"] == "📝 Báo cáo ngay"
    opened = texts(await app.chat(CUONG).press_data(button["callback_data"]))
    assert "Tuần này" in str(app.chat(CUONG).sent()[-1].buttons) or "Câu 1" in opened


async def test_a_cell_that_filed_a_minute_before_the_sweep_is_not_reminded(app: BotApp) -> None:
    h = await people(app)
    app.clock.set(at("2025-11-11 16:59"))
    await file_for(app, CUONG, app.seed.cells[1])
    app.clock.set(at("2025-11-11 17:00"))

    sent = await h.sweep_and_send()

    assert [c.chat_id for c in sent] == [BINH]


async def test_filing_between_sweep_and_delivery_cancels_the_reminder(app: BotApp) -> None:
    h = await people(app)
    app.clock.set(at("2025-11-11 17:00"))
    await h.sweeper.run_due()
    await file_for(app, CUONG, app.seed.cells[1])

    await h.delivery.drain()

    rows = {row.chat_id: row for row in await h.outbox()}
    assert rows[str(CUONG)].status is OutboxStatus.SKIPPED
    assert rows[str(BINH)].status is OutboxStatus.SENT


async def test_a_sweep_runs_once(app: BotApp) -> None:
    h = await people(app)
    app.clock.set(at("2025-11-11 17:00"))
    first = await h.sweep_and_send()
    again = await h.sweep_and_send()
    restarted = await harness(app).sweep_and_send()  # a new process, same database

    assert len(first) == 2 and again == [] and restarted == []
    assert len(await h.outbox()) == 2


async def test_escalation_tells_the_ward_who_is_missing_and_the_city_per_ward(
    app: BotApp,
) -> None:
    h = await people(app)
    await file_for(app, BINH, app.seed.cells[0])
    app.clock.set(at("2025-11-12 17:01"))

    sent = {c.chat_id: c for c in await h.sweep_and_send()}

    assert set(sent) == {HA, MINH}  # missed reminders are dropped once the deadline passed
    ward = sent[HA].text
    assert "1/2 chi bộ đã báo cáo đúng hạn, 0 trễ hạn, 1 chưa báo cáo." in ward
    assert "Chi bộ Tổ dân phố số 2 (đ/c Lê Văn Cường)" in ward
    assert "Đảng ủy phường Ngọc Hà: 1/2 đúng hạn, 0 trễ hạn, 1 chưa báo cáo" in sent[MINH].text
    button, report = sent[HA].buttons
    details = texts(await app.chat(HA).press_data(button["callback_data"]))
    assert "Chi bộ Tổ dân phố số 2" in details
    assert report["text"] == "📥 Báo cáo tổng hợp (DOCX)"


async def test_restart_ten_minutes_after_a_missed_reminder_sends_it_once(app: BotApp) -> None:
    await people(app)
    app.clock.set(at("2025-11-11 17:10"))  # the bot was down at 17:00

    sent = await harness(app).sweep_and_send()

    assert sorted(c.chat_id for c in sent) == [BINH, CUONG]


async def test_two_missed_reminders_become_one(app: BotApp) -> None:
    h = await people(app)
    app.clock.set(at("2025-11-12 15:10"))  # down since Monday: the 24 h and 2 h ones missed

    sent = await h.sweep_and_send()

    assert sorted(c.chat_id for c in sent) == [BINH, CUONG]
    assert {row.key.split(":")[1] for row in await h.outbox()} == {"2h"}


async def test_escalation_in_quiet_hours_waits_for_the_morning(app: BotApp) -> None:
    h = await people(app)
    async with app.runtime.db.sessions() as session:
        await session.execute(update(Deadline).values(time="22:00"))
        await session.commit()
    app.clock.set(at("2025-11-12 22:01"))

    assert await h.sweep_and_send() == []
    app.clock.set(at("2025-11-13 07:00"))
    await h.delivery.drain()

    assert {c.chat_id for c in app.api.calls if c.method == "sendMessage"} >= {HA, MINH}
    (row,) = [r for r in await h.outbox() if r.chat_id == str(HA)]
    assert row.not_before == at("2025-11-13 07:00")


async def test_429_pauses_all_sending_and_the_message_goes_later(app: BotApp) -> None:
    await people(app)
    h = harness(app, concurrency=1)  # one at a time: the next send sees the 429
    app.api.failures[BINH] = [(429, "Too Many Requests: retry after 5", 5)]
    app.clock.set(at("2025-11-11 17:00"))
    start = len(app.api.calls)

    await h.sweep_and_send()
    app.clock.advance(timedelta(seconds=5))
    await h.delivery.drain()

    tries = [c.chat_id for c in app.api.calls[start:] if c.method == "sendMessage"]
    assert tries == [BINH, CUONG, BINH]  # refused once, then each delivered once
    assert h.delivery.tally.throttled == 1
    assert sum(h.sleep.slept) >= 5  # nobody was written to while Telegram said wait


async def test_blocked_bot_marks_the_secretary_and_the_escalation_says_so(app: BotApp) -> None:
    h = await people(app)
    app.api.failures[CUONG] = [(403, "Forbidden: bot was blocked by the user", None)]
    app.clock.set(at("2025-11-11 17:00"))
    await h.sweep_and_send()

    rows = {row.chat_id: row for row in await h.outbox()}
    assert rows[str(CUONG)].status is OutboxStatus.FAILED
    assert "blocked" in (rows[str(CUONG)].last_error or "")
    app.clock.set(at("2025-11-12 17:01"))
    sent = {c.chat_id: c for c in await h.sweep_and_send()}
    assert "đ/c Lê Văn Cường — đã chặn bot, không nhận được nhắc" in sent[HA].text

    await app.chat(CUONG).say("/help")  # writing again lifts the mark
    async with app.runtime.db.sessions() as session:
        person = (
            await session.execute(select(Person).where(Person.external_id == str(CUONG)))
        ).scalar_one()
    assert person.unreachable_since is None


async def test_server_errors_back_off_then_give_up_with_the_reason(app: BotApp) -> None:
    await people(app)
    h = harness(app, max_attempts=3)
    app.api.failures[CUONG] = [(500, "Internal Server Error", None)] * 5
    app.clock.set(at("2025-11-11 17:00"))
    await h.sweep_and_send()
    for _ in range(4):
        app.clock.advance(timedelta(minutes=5))
        await h.delivery.drain()

    row = next(r for r in await h.outbox() if r.chat_id == str(CUONG))
    assert row.status is OutboxStatus.FAILED and row.attempts == 3
    assert "gave up after 3 tries" in (row.last_error or "")


async def test_official_reminds_by_hand_once_a_day(app: BotApp) -> None:
    h = await people(app)
    await file_for(app, BINH, app.seed.cells[0])
    app.clock.set(at("2025-11-12 10:00"))
    official = app.chat(HA, "Phạm Thu Hà")

    reply = texts(await official.say("/remind"))
    await h.delivery.drain()
    again = texts(await official.say("/remind"))

    assert "1 chi bộ chưa báo cáo" in reply and "Đã gửi nhắc: 1." in reply
    assert "đã được nhắc trong tuần này" in again
    reminded = [c for c in app.api.calls if c.method == "sendMessage" and c.chat_id == CUONG]
    assert len(reminded) == 2  # the welcome, then one reminder
    assert "đề nghị" in reminded[-1].text
    refused = texts(await app.chat(BINH).say("/remind"))
    assert "cán bộ" in refused
    (row,) = await h.outbox()
    assert row.purpose is Purpose.MANUAL


async def test_status_shows_the_week_so_far(app: BotApp) -> None:
    await people(app)
    await file_for(app, BINH, app.seed.cells[0])

    ward = texts(await app.chat(HA).say("/status"))
    city = texts(await app.chat(MINH).say("/status"))

    assert "1/2 chi bộ đã báo cáo đúng hạn" in ward and "Lê Văn Cường" in ward
    assert "17:00 thứ Tư, 12/11" in ward
    assert "Đảng ủy phường Ngọc Hà" in city


async def test_digest_reports_late_filings_after_the_escalation(app: BotApp) -> None:
    h = await people(app)
    app.clock.set(at("2025-11-12 17:01"))
    await h.sweep_and_send()
    app.clock.set(at("2025-11-13 09:00"))
    await file_for(app, CUONG, app.seed.cells[1], late=True)  # last week's, a day late
    app.clock.set(at("2025-11-17 08:00"))

    sent = {c.chat_id: c for c in await h.sweep_and_send() if "Tổng hợp tuần" in c.text}

    assert "Báo cáo trễ hạn:" in sent[HA].text
    assert "Chi bộ Tổ dân phố số 2" in sent[HA].text.split("Báo cáo trễ hạn:")[1]


async def test_closing_summary_when_the_campaign_shuts(app: BotApp) -> None:
    h = await people(app)
    await file_for(app, BINH, app.seed.cells[0])
    app.clock.set(at("2026-01-07 17:00"))  # a week after the end: late filing is over

    sent = {c.chat_id: c for c in await h.sweep_and_send()}

    assert "đã khép lại" in sent[HA].text
    assert "Chi bộ Tổ dân phố số 1: 1/" in sent[HA].text


async def test_jobs_are_derived_from_the_campaign_and_again_later(app: BotApp) -> None:
    h = await people(app)
    service = SchedulerService(h.sweeper, None)
    service.scheduler.start(paused=True)
    try:
        await service.sync()
        before = {job.id for job in service.scheduler.get_jobs()}
        app.clock.set(at("2025-11-12 12:00"))
        await service.sync()
        after = {job.id for job in service.scheduler.get_jobs()}
    finally:
        service.scheduler.shutdown(wait=False)

    assert before == {"reminder:1:cell:20251112T1000:24h"}  # the next two days only
    assert after == {"reminder:1:cell:20251112T1000:2h", "escalation:1:cell:20251112T1000:"}


@pytest.mark.parametrize("moment", ["2025-11-12 18:00", "2025-11-11 16:00"])
async def test_dry_run_writes_nothing(app: BotApp, moment: str) -> None:
    h = await people(app)
    outcomes = await h.sweeper.run_due(now=at(moment), dry_run=True)
    assert outcomes == [] or all(o.queued == 0 for o in outcomes)
    assert await h.outbox() == []
    assert [r for r in await h.outbox() if r.status is OutboxStatus.PENDING] == []
    async with app.runtime.db.sessions() as session:
        from storage.models import SweepRun

        assert (await session.execute(select(col(SweepRun.key)))).all() == []


async def queue(app: BotApp, user_id: int, texts: list[str], quiet: str | None = None) -> None:
    """Queue messages to one person straight into the outbox."""
    now = app.clock.now()
    async with app.runtime.db.sessions() as session:
        person = (
            await session.execute(select(Person).where(Person.external_id == str(user_id)))
        ).scalar_one()
        assert person.id is not None
        letters = [
            Letter(
                f"test:{text}",
                Purpose.DIGEST,
                person.id,
                "telegram",
                str(user_id),
                text,
                None,
                now,
                quiet_hours=quiet,
                timezone="Asia/Ho_Chi_Minh",
            )
            for text in texts
        ]
        await enqueue(session=session, letters=letters, now=now)
        await session.commit()


async def test_two_messages_to_one_chat_are_a_second_apart(app: BotApp) -> None:
    h = await people(app)
    await queue(app, HA, ["#0", "#1", "#2"])

    await h.delivery.drain()

    sent = {row.text: row.sent_at for row in await h.outbox()}
    assert sent["#1"] - sent["#0"] >= timedelta(seconds=1)  # type: ignore[operator]
    assert sent["#2"] - sent["#1"] >= timedelta(seconds=1)  # type: ignore[operator]


async def test_a_message_held_by_a_crashed_sender_goes_once_its_lease_ends(app: BotApp) -> None:
    h = await people(app)
    now = app.clock.now()
    await queue(app, HA, ["x"])
    async with app.runtime.db.sessions() as session:
        (row,) = await h.outbox()
        assert row.id is not None
        await claim(session=session, parcel_id=row.id, now=now, until=now + timedelta(minutes=1))
        await session.commit()  # ...and the process that claimed it died

    await h.delivery.drain()
    assert await h.delivery.next_wake() == now + timedelta(minutes=1)
    app.clock.advance(timedelta(minutes=1))
    await h.delivery.drain()

    (row,) = await h.outbox()
    assert row.status is OutboxStatus.SENT and row.attempts == 2


async def test_a_retry_that_runs_into_quiet_hours_waits_for_the_morning(app: BotApp) -> None:
    h = await people(app)
    app.clock.set(at("2025-11-12 20:59"))
    await queue(app, HA, ["late"], quiet="21:00-07:00")
    app.api.failures[HA] = [(500, "Internal Server Error", None)]
    await h.delivery.drain()  # fails; tried again 30 s later, at 20:59:30
    app.clock.set(at("2025-11-12 21:01"))
    await h.delivery.drain()

    (row,) = await h.outbox()
    assert row.status is OutboxStatus.PENDING and row.attempts == 1
    assert row.not_before == at("2025-11-13 07:00")
    app.clock.set(at("2025-11-13 07:00"))
    await h.delivery.drain()
    (row,) = await h.outbox()
    assert row.status is OutboxStatus.SENT


async def test_reminders_carry_the_campaigns_quiet_hours(app: BotApp) -> None:
    h = await people(app)
    app.clock.set(at("2025-11-11 17:00"))
    await h.sweeper.run_due()
    assert {(r.quiet_hours, r.timezone) for r in await h.outbox()} == {
        ("21:00-07:00", "Asia/Ho_Chi_Minh")
    }
