"""The metrics page: the outbox's depth read at most every few seconds, counters by label."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client.parser import text_string_to_metric_families

from bot import metrics
from bot.metrics import Depth, OutboxProbe, exposition

NOW = datetime(2025, 11, 10, 2, 0, tzinfo=UTC)


def values(page: bytes) -> dict[str, float]:
    return {
        sample.name + str(sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(page.decode())
        for sample in family.samples
    }


async def test_outbox_depth_is_read_at_most_every_few_seconds() -> None:
    reads: list[int] = []
    clock = [100.0]

    async def read() -> Depth:
        reads.append(1)
        return Depth(len(reads) * 10, NOW - timedelta(minutes=5))

    probe = OutboxProbe(read, lambda: NOW, every=10.0, monotonic=lambda: clock[0])
    assert "gopy_outbox_pending[]" not in values(exposition([probe]))  # not read yet
    await probe.refresh()
    await probe.refresh()
    clock[0] += 9.9
    await probe.refresh()
    assert len(reads) == 1
    page = values(exposition([probe]))
    assert page["gopy_outbox_pending[]"] == 10
    assert page["gopy_outbox_oldest_pending_seconds[]"] == 300
    clock[0] += 0.2
    await probe.refresh()
    assert len(reads) == 2
    assert values(exposition([probe]))["gopy_outbox_pending[]"] == 20


async def test_an_empty_outbox_has_no_age() -> None:
    async def read() -> Depth:
        return Depth(0, None)

    probe = OutboxProbe(read, lambda: NOW)
    await probe.refresh()
    page = values(exposition([probe]))
    assert page["gopy_outbox_pending[]"] == 0
    assert page["gopy_outbox_oldest_pending_seconds[]"] == 0


def test_counters_show_by_label() -> None:
    key = "gopy_reports_filed_total[('kind', 'signed')]"
    before = values(exposition()).get(key, 0.0)
    metrics.REPORTS_FILED.labels("signed").inc()
    assert values(exposition())[key] == before + 1
