"""Signed reports by e-mail, sent to a real SMTP server on loopback (tests.fakes.smtp), on SQLite
and PostgreSQL: once, with the attachment intact and the Vietnamese words decoded; retried
after a 4xx or a dead server with the same Message-ID; failed for good on a 5xx."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from sqlmodel import col

from bot.app import Runtime, assemble, build_mail
from bot.config import MailSettings, Settings
from scheduler.clock import FrozenClock
from scheduler.mail_delivery import MailDelivery, SmtpSettings, drain_mail
from storage.database import Database, SessionFactory, create_engine, create_session_factory
from storage.mail_outbox import backoff, queue_mail
from storage.models import MailOutbox, MailStatus
from tests.fakes.smtp import HOST, Mailbox, SmtpServer, smtp_server
from tests.integration.mail_worker import spawn
from tests.seed import TEST_SECRET

SENDER = "Đảng ủy phường Ngọc Hà <bao-cao@ngocha.example.vn>"
CITY = "btgdv@hanoi.example.vn"
SUBJECT = "Báo cáo tuần 3 (06/11 – 12/11) – Đảng ủy phường Ngọc Hà"
BODY = "Kính gửi Quý cơ quan,\n\nĐảng ủy phường Ngọc Hà trân trọng gửi kèm theo đây báo cáo.\n"
FILE_NAME = "Báo cáo tuần 3 – Phường Ngọc Hà.docx"
# Every byte value, and long: an attachment must come back bit for bit.
ATTACHMENT = bytes(range(256)) * 200
WAIT = 10.0  # a bound, far above what a step takes


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database.connect(database_url)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
def sessions(db: Database) -> SessionFactory:
    return db.sessions


@pytest.fixture
async def server() -> AsyncIterator[SmtpServer]:
    async with smtp_server() as running:
        yield running


def settings_for(server: SmtpServer, **changes: object) -> SmtpSettings:
    values: dict[str, object] = {
        "host": HOST,
        "port": server.port,
        "sender": SENDER,
        "timeout": 5.0,
        "max_attempts": 4,
    }
    values.update(changes)
    return SmtpSettings(**values)  # type: ignore[arg-type]


async def queue(
    sessions: SessionFactory,
    clock: FrozenClock,
    *,
    key: str = "report:7:rev:1",
    to: str = CITY,
) -> bool:
    async with sessions() as session:
        queued = await queue_mail(
            session=session,
            key=key,
            to=to,
            subject=SUBJECT,
            body=BODY,
            attachment_name=FILE_NAME,
            attachment=ATTACHMENT,
            now=clock.now(),
        )
        await session.commit()
    return queued


async def rows(sessions: SessionFactory) -> list[MailOutbox]:
    async with sessions() as session:
        result = await session.execute(select(MailOutbox).order_by(col(MailOutbox.id)))
        return list(result.scalars().all())


def attachment_of(message: EmailMessage) -> tuple[str | None, bytes]:
    [part] = list(message.iter_attachments())
    assert isinstance(part, EmailMessage)
    payload = part.get_content()
    assert isinstance(payload, bytes)
    return part.get_filename(), payload


async def test_a_signed_report_reaches_the_office_above_once_with_its_attachment_intact(
    db: Database, sessions: SessionFactory, clock: FrozenClock, server: SmtpServer
) -> None:
    smtp = settings_for(server)
    assert await queue(sessions, clock) is True
    assert await queue(sessions, clock) is False  # signing retried: still one e-mail

    assert await drain_mail(db=db, smtp=smtp, clock=clock) == 1
    clock.advance(timedelta(days=1))
    assert await drain_mail(db=db, smtp=smtp, clock=clock) == 0

    [delivered] = server.mailbox.accepted
    assert delivered.mail_from == "bao-cao@ngocha.example.vn"
    assert delivered.rcpt_tos == [CITY]
    # On the wire: encoded words and RFC 2231, nothing raw that a 7-bit hop could break.
    raw = delivered.content.decode("ascii")
    assert "filename*0*=utf-8''B%C3%A1o%20c%C3%A1o" in raw
    assert "Subject: =?utf-8?" in raw

    message = delivered.message()
    assert message["Subject"] == SUBJECT
    assert message["From"] == SENDER
    assert message["To"] == CITY
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert text.replace("\r\n", "\n") == BODY  # lines end in CRLF on the wire
    assert attachment_of(message) == (FILE_NAME, ATTACHMENT)
    [part] = list(message.iter_attachments())
    assert part.get_content_type() == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    [row] = await rows(sessions)
    assert row.status == MailStatus.SENT and row.attempts == 1
    assert message["Message-ID"] == row.message_id
    assert parsedate_to_datetime(message["Date"]) == row.created_at
    assert row.sent_at is not None


async def test_two_senders_at_once_deliver_each_mail_once(
    db: Database, sessions: SessionFactory, clock: FrozenClock, server: SmtpServer
) -> None:
    smtp = settings_for(server)
    for n in range(6):
        await queue(sessions, clock, key=f"report:{n}", to=f"office{n}@example.vn")
    counts = await asyncio.gather(
        drain_mail(db=db, smtp=smtp, clock=clock),
        drain_mail(db=db, smtp=smtp, clock=clock),
    )
    assert sum(counts) == 6
    recipients = sorted(r for d in server.mailbox.accepted for r in d.rcpt_tos)
    assert recipients == sorted(f"office{n}@example.vn" for n in range(6))
    ids = [m["Message-ID"] for m in server.mailbox.messages()]
    assert len(set(ids)) == 6
    assert all(r.status == MailStatus.SENT and r.attempts == 1 for r in await rows(sessions))


async def test_a_busy_server_gets_the_same_message_again_later(
    db: Database, sessions: SessionFactory, clock: FrozenClock, server: SmtpServer
) -> None:
    smtp = settings_for(server)
    server.mailbox.answers.append("451 4.3.0 Mailbox busy, try again later")
    await queue(sessions, clock)

    assert await drain_mail(db=db, smtp=smtp, clock=clock) == 0
    [row] = await rows(sessions)
    assert row.status == MailStatus.PENDING and row.attempts == 1
    assert row.last_error is not None and "451" in row.last_error
    assert row.not_before == clock.now() + backoff(1)
    # Not before its time.
    clock.advance(backoff(1) - timedelta(seconds=1))
    assert await drain_mail(db=db, smtp=smtp, clock=clock) == 0
    clock.advance(timedelta(seconds=1))
    assert await drain_mail(db=db, smtp=smtp, clock=clock) == 1

    refused, accepted = server.mailbox.offered
    assert server.mailbox.accepted == [accepted]
    assert refused.message()["Message-ID"] == accepted.message()["Message-ID"]
    assert attachment_of(accepted.message())[1] == ATTACHMENT
    [row] = await rows(sessions)
    assert row.status == MailStatus.SENT and row.attempts == 2
    assert accepted.message()["Message-ID"] == row.message_id


async def test_an_answer_lost_after_acceptance_repeats_the_mail_with_its_message_id(
    db: Database, sessions: SessionFactory, clock: FrozenClock, server: SmtpServer
) -> None:
    """SMTP cannot be exactly-once: the receiver sees one Message-ID twice and can tell."""
    smtp = settings_for(server)
    server.mailbox.lose_answers = 1
    await queue(sessions, clock)

    assert await drain_mail(db=db, smtp=smtp, clock=clock) == 0
    clock.advance(backoff(1))
    assert await drain_mail(db=db, smtp=smtp, clock=clock) == 1

    first, second = server.mailbox.messages()
    assert first["Message-ID"] == second["Message-ID"]
    assert first.as_bytes() == second.as_bytes()  # the same message, Date included


@pytest.mark.parametrize(
    ("answers", "refused", "reason"),
    [
        (["550 5.7.1 Message rejected"], {}, "refused: 550 5.7.1 Message rejected"),
        ([], {CITY: "550 5.1.1 No such user"}, "refused: 550 5.1.1 No such user"),
    ],
    ids=["data", "recipient"],
)
async def test_a_refusal_for_good_fails_the_mail_with_the_servers_reason(
    db: Database,
    sessions: SessionFactory,
    clock: FrozenClock,
    server: SmtpServer,
    answers: list[str],
    refused: dict[str, str],
    reason: str,
) -> None:
    smtp = settings_for(server)
    server.mailbox.answers.extend(answers)
    server.mailbox.refused.update(refused)
    await queue(sessions, clock)

    assert await drain_mail(db=db, smtp=smtp, clock=clock) == 0
    [row] = await rows(sessions)
    assert row.status == MailStatus.FAILED and row.last_error == reason
    clock.advance(timedelta(days=1))
    assert await drain_mail(db=db, smtp=smtp, clock=clock) == 0
    assert server.mailbox.accepted == []
    assert len(server.mailbox.offered) == (1 if answers else 0)


async def test_an_address_that_is_not_one_fails_without_a_try(
    db: Database, sessions: SessionFactory, clock: FrozenClock, server: SmtpServer
) -> None:
    await queue(sessions, clock, to="phong van thu")
    assert await drain_mail(db=db, smtp=settings_for(server), clock=clock) == 0
    [row] = await rows(sessions)
    assert row.status == MailStatus.FAILED
    assert row.last_error == "refused: not an e-mail address: 'phong van thu'"
    assert server.mailbox.offered == []


async def test_a_server_that_is_down_gets_the_mail_once_it_is_back(
    db: Database, sessions: SessionFactory, clock: FrozenClock, server: SmtpServer
) -> None:
    smtp = settings_for(server)
    await queue(sessions, clock)
    await server.stop()

    assert await drain_mail(db=db, smtp=smtp, clock=clock) == 0
    [row] = await rows(sessions)
    assert row.status == MailStatus.PENDING and row.attempts == 1
    assert row.last_error is not None and "SMTPConnectError" in row.last_error
    # Still down at the second try: the wait doubles.
    clock.advance(backoff(1))
    assert await drain_mail(db=db, smtp=smtp, clock=clock) == 0
    [row] = await rows(sessions)
    assert row.attempts == 2 and row.not_before == clock.now() + backoff(2)

    await server.start()
    clock.advance(backoff(2))
    assert await drain_mail(db=db, smtp=smtp, clock=clock) == 1
    [delivered] = server.mailbox.accepted
    assert delivered.message()["Message-ID"] == (await rows(sessions))[0].message_id


async def test_a_mail_that_never_gets_through_fails_after_its_last_try(
    db: Database, sessions: SessionFactory, clock: FrozenClock, server: SmtpServer
) -> None:
    smtp = settings_for(server, max_attempts=2)
    await queue(sessions, clock)
    await server.stop()
    assert await drain_mail(db=db, smtp=smtp, clock=clock) == 0
    clock.advance(backoff(1))
    assert await drain_mail(db=db, smtp=smtp, clock=clock) == 0
    [row] = await rows(sessions)
    assert row.status == MailStatus.FAILED
    assert row.last_error is not None and row.last_error.startswith("gave up after 2 tries")


async def test_the_mail_loop_sends_when_woken_and_stops(
    db: Database, sessions: SessionFactory, clock: FrozenClock, server: SmtpServer
) -> None:
    loop = MailDelivery(db=db, smtp=settings_for(server), clock=clock)
    task = asyncio.create_task(loop.run())
    try:
        await queue(sessions, clock)
        loop.wake()
        await asyncio.wait_for(server.mailbox.arrived.wait(), WAIT)
    finally:
        loop.stop()
        await asyncio.wait_for(task, WAIT)
    assert loop.tally.sent == 1 and len(server.mailbox.accepted) == 1


def test_without_smtp_the_sender_says_once_that_mail_waits(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    runtime = Runtime.create(Settings(database_url=sqlite_url, mail=MailSettings()))
    with caplog.at_level(logging.WARNING, logger="bot.app"):
        assert build_mail(runtime) is None
    [record] = [r for r in caplog.records if r.name == "bot.app"]
    assert record.levelno == logging.WARNING and "GOPY_SMTP_URL" in record.getMessage()


def test_with_smtp_the_sender_never_logs_the_password(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    mail = MailSettings(
        smtp_url=SecretStr("smtp://bao-cao:s3cr%40t-pass@127.0.0.1:2525?starttls=false"),
        sender=SENDER,
    )
    runtime = Runtime.create(Settings(database_url=sqlite_url, mail=mail))
    with caplog.at_level(logging.DEBUG):
        built = build_mail(runtime)
    assert built is not None and built.smtp.password == "s3cr@t-pass"
    assert built.smtp.port == 2525 and built.smtp.start_tls is False
    assert "s3cr" not in caplog.text and "s3cr" not in repr(built.smtp)
    assert "s3cr" not in repr(mail) and "s3cr" not in str(Settings(mail=mail))


async def test_two_sender_processes_deliver_each_mail_once(
    database_url: str, tmp_path: Path
) -> None:
    total = 24
    engine = create_engine(database_url)
    try:
        sessions = create_session_factory(engine)
        clock = FrozenClock(datetime.now(UTC))
        for n in range(total):
            await queue(sessions, clock, key=f"report:{n}", to=f"office{n}@example.vn")
    finally:
        await engine.dispose()
    # The server holds the first message until the other process brings one too.
    mailbox = Mailbox(together=2)
    log = tmp_path / "workers.log"
    async with (
        smtp_server(mailbox) as server,
        spawn(database_url, server.port, log) as first,
        spawn(database_url, server.port, log) as second,
    ):
        codes = await asyncio.wait_for(asyncio.gather(first.wait(), second.wait()), 120)
    assert list(codes) == [0, 0], log.read_text()
    assert mailbox.met.is_set()

    tallies = [json.loads(line) for line in log.read_text().splitlines() if '"sent"' in line]
    assert sorted(t["sent"] > 0 for t in tallies) == [True, True], log.read_text()
    assert sum(t["sent"] for t in tallies) == total
    recipients = sorted(r for d in mailbox.accepted for r in d.rcpt_tos)
    assert recipients == sorted(f"office{n}@example.vn" for n in range(total))
    assert len({m["Message-ID"] for m in mailbox.messages()}) == total
    engine = create_engine(database_url)
    try:
        found = await rows(create_session_factory(engine))
    finally:
        await engine.dispose()
    assert all(r.status == MailStatus.SENT and r.attempts == 1 for r in found)


async def test_the_scheduler_runs_the_mail_loop_and_a_signing_rings_it(
    database_url: str, clock: FrozenClock, server: SmtpServer
) -> None:
    """As ``gopy run`` and ``gopy scheduler`` assemble it; the idle poll (a minute) is far
    longer than the wait here, so only the bell can bring the e-mail in time."""
    mail = MailSettings(smtp_url=SecretStr(f"smtp://{HOST}:{server.port}"), sender=SENDER)
    settings = Settings(database_url=database_url, secret_key=SecretStr(TEST_SECRET), mail=mail)
    runtime = Runtime.create(settings, clock)
    gopy = assemble(runtime, [], scheduling=True)
    service = gopy.scheduler
    assert service is not None and service.mail is not None
    try:
        await service.start()
        await queue(runtime.db.sessions, clock)
        gopy.services.outreach.wake_mail()
        await asyncio.wait_for(server.mailbox.arrived.wait(), WAIT)
    finally:
        await service.stop()
        await gopy.close()
        await runtime.close()
    assert len(server.mailbox.accepted) == 1 and service.mail.tally.sent == 1


async def test_a_stop_finishes_the_mail_on_its_way_and_claims_no_other(
    db: Database, sessions: SessionFactory, clock: FrozenClock, server: SmtpServer
) -> None:
    for n in range(3):
        await queue(sessions, clock, key=f"report:{n}")
    sent = await drain_mail(
        db=db,
        smtp=settings_for(server),
        clock=clock,
        stopping=lambda: bool(server.mailbox.accepted),
    )
    assert sent == 1 and len(server.mailbox.accepted) == 1
    assert [(r.status, r.attempts) for r in await rows(sessions)] == [
        (MailStatus.SENT, 1),
        (MailStatus.PENDING, 0),
        (MailStatus.PENDING, 0),
    ]
