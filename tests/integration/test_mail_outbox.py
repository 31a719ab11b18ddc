"""The mail outbox on SQLite and PostgreSQL: one row per key, leases, a Message-ID drawn once,
no send after a recorded success."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.mail_outbox import (
    backoff,
    claim_due,
    mark_failed,
    mark_retry,
    mark_sent,
    next_due,
    queue_mail,
    recent_mails,
    retry_mail,
)
from storage.models import MailOutbox, MailStatus
from tests.chat import at

NOW = at("2025-11-13 11:00")
LEASE = timedelta(minutes=10)
DOMAIN = "ngocha.example.vn"


async def queue(session: AsyncSession, key: str = "report:1:city@example.vn") -> bool:
    return await queue_mail(
        session=session,
        key=key,
        to="city@example.vn",
        subject="Báo cáo tuần 3 – Đảng ủy phường Ngọc Hà",
        body="Kính gửi Quý cơ quan,",
        attachment_name="Báo cáo tuần 3.docx",
        attachment=b"PK\x03\x04 docx bytes",
        now=NOW,
    )


async def test_queueing_one_key_twice_keeps_one_row(session: AsyncSession) -> None:
    assert await queue(session) is True
    assert await queue(session) is False
    await session.commit()
    assert await queue(session) is False
    assert await session.scalar(select(func.count()).select_from(MailOutbox)) == 1


async def test_a_claim_holds_the_mail_draws_its_message_id_once_and_keeps_it(
    session: AsyncSession,
) -> None:
    await queue(session)
    [mail] = await claim_due(session=session, now=NOW, until=NOW + LEASE, domain=DOMAIN)
    assert mail.attempts == 1 and mail.message_id.endswith(f"@{DOMAIN}>")
    assert mail.attachment == b"PK\x03\x04 docx bytes"
    assert mail.attachment_name == "Báo cáo tuần 3.docx"
    # Held: nobody else gets it while the lease runs.
    assert await claim_due(session=session, now=NOW, until=NOW + LEASE, domain=DOMAIN) == []
    assert await next_due(session=session, now=NOW) == NOW + LEASE

    retry_at = await mark_retry(
        session=session, mail_id=mail.id, now=NOW, attempts=mail.attempts, error="451 busy"
    )
    assert retry_at == NOW + backoff(1)
    assert await claim_due(session=session, now=NOW, until=NOW + LEASE, domain=DOMAIN) == []
    [again] = await claim_due(
        session=session, now=retry_at, until=retry_at + LEASE, domain="other.example"
    )
    assert again.attempts == 2 and again.message_id == mail.message_id


async def test_a_lease_that_ran_out_is_claimed_again_with_the_same_message_id(
    session: AsyncSession,
) -> None:
    await queue(session)
    [first] = await claim_due(session=session, now=NOW, until=NOW + LEASE, domain=DOMAIN)
    later = NOW + LEASE
    [second] = await claim_due(session=session, now=later, until=later + LEASE, domain=DOMAIN)
    assert second.id == first.id and second.message_id == first.message_id
    assert second.attempts == 2


async def test_nothing_is_claimed_or_changed_after_a_recorded_success(
    session: AsyncSession,
) -> None:
    await queue(session)
    [mail] = await claim_due(session=session, now=NOW, until=NOW + LEASE, domain=DOMAIN)
    await mark_sent(session=session, mail_id=mail.id, now=NOW)
    # A sender whose lease had run out reports a failure late: the success stands.
    await mark_retry(session=session, mail_id=mail.id, now=NOW, attempts=1, error="timeout")
    await mark_failed(session=session, mail_id=mail.id, error="550 late")
    later = NOW + timedelta(days=1)
    assert await claim_due(session=session, now=later, until=later + LEASE, domain=DOMAIN) == []
    assert await retry_mail(session=session, mail_id=mail.id, now=later) is False
    [row] = await recent_mails(session=session)
    assert row.status == MailStatus.SENT and row.sent_at == NOW and row.last_error is None
    assert await next_due(session=session, now=later) is None


async def test_a_failed_mail_goes_again_only_when_retried_by_hand(session: AsyncSession) -> None:
    await queue(session)
    [mail] = await claim_due(session=session, now=NOW, until=NOW + LEASE, domain=DOMAIN)
    await mark_failed(session=session, mail_id=mail.id, error="refused: 550 no such user")
    later = NOW + timedelta(hours=2)
    assert await claim_due(session=session, now=later, until=later + LEASE, domain=DOMAIN) == []
    assert await retry_mail(session=session, mail_id=mail.id, now=later) is True
    [again] = await claim_due(session=session, now=later, until=later + LEASE, domain=DOMAIN)
    assert again.attempts == 1 and again.message_id == mail.message_id


async def test_due_mails_go_oldest_first_and_each_gets_its_own_message_id(
    session: AsyncSession,
) -> None:
    for n in range(3):
        await queue(session, key=f"report:{n}")
    claimed = await claim_due(session=session, now=NOW, until=NOW + LEASE, domain=DOMAIN, limit=2)
    assert [m.key for m in claimed] == ["report:0", "report:1"]
    [last] = await claim_due(session=session, now=NOW, until=NOW + LEASE, domain=DOMAIN, limit=5)
    assert last.key == "report:2"
    assert len({m.message_id for m in [*claimed, last]}) == 3


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [backoff(n) for n in (1, 2, 3)] == [timedelta(minutes=m) for m in (1, 2, 4)]
    assert backoff(7) == timedelta(hours=1) and backoff(100) == timedelta(hours=1)
