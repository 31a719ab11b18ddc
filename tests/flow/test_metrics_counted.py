"""The metrics count where their events happen: a report filed, a sweep's queued reminders,
a delivery sent, a 429 received, an update handled; the outbox's depth read from the database."""

from __future__ import annotations

from datetime import timedelta

from bot import metrics
from storage.models import RoleKind
from storage.outbox_depth import pending_depth
from tests.chat import at
from tests.conftest import BotApp
from tests.flow.test_report_flow import fill_form, join
from tests.outreach import harness, join_as

BINH, CUONG = 601, 602


def count(name: str, **labels: str) -> float:
    """A counter's value as a scrape reads it (0 before its first count)."""
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


async def test_a_filed_report_is_counted_once(app: BotApp) -> None:
    filed = count("gopy_reports_filed_total", kind="report")
    updates = count("gopy_updates_total", kind="callback_query", channel="telegram")
    chat = app.chat(501)
    await join(app, chat)
    await chat.say("/report")
    await chat.press("Tuần này")
    await fill_form(chat)
    await chat.press("Gửi báo cáo")
    assert count("gopy_reports_filed_total", kind="report") == filed + 1
    assert count("gopy_updates_total", kind="callback_query", channel="telegram") > updates


async def test_reminders_queued_sent_and_throttled(app: BotApp) -> None:
    cells = app.seed.cells
    await join_as(app, BINH, cells[0], RoleKind.SECRETARY, "Trần Thị Bình")
    await join_as(app, CUONG, cells[1], RoleKind.SECRETARY, "Lê Văn Cường")
    h = harness(app, concurrency=1)
    app.api.failures[BINH] = [(429, "Too Many Requests: retry after 5", 5)]
    app.clock.set(at("2025-11-11 17:00"))  # 24 hours before Wednesday 17:00
    queued = count("gopy_sweep_queued_total", kind="reminder")
    sent = count("gopy_outbox_deliveries_total", channel="telegram", result="sent")
    throttled = count("gopy_throttled_total", channel="telegram")

    await h.sweeper.run_due()
    async with app.runtime.db.sessions() as session:
        pending, oldest = await pending_depth(session=session)
    assert (pending, oldest) == (2, app.clock.now())
    assert count("gopy_sweep_queued_total", kind="reminder") == queued + 2

    await h.delivery.drain()
    app.clock.advance(timedelta(seconds=5))
    await h.delivery.drain()
    assert count("gopy_throttled_total", channel="telegram") == throttled + 1
    assert count("gopy_outbox_deliveries_total", channel="telegram", result="sent") == sent + 2
    async with app.runtime.db.sessions() as session:
        assert await pending_depth(session=session) == (0, None)
