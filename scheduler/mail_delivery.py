"""Sending the mail outbox by SMTP: a signed report to the office above, with its DOCX.

Each e-mail is claimed (a lease, a try counted, its Message-ID fixed) and committed before it
is sent, and marked right after. A refusal for good (a 5xx answer: unknown mailbox, message
rejected) fails it with the server's words; anything else (connection refused, a 4xx, a
timeout) puts it back for later, with a growing wait, up to ``max_attempts`` tries. See
``storage.mail_outbox`` for what "once" means over SMTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import mimetypes
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib
from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.clock import Clock
from storage.database import Database
from storage.mail_outbox import Mail, claim_due, mark_failed, mark_retry, mark_sent, next_due

log = logging.getLogger(__name__)

SCHEMES = {"smtp": 25, "smtps": 465}
TRUTH = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
# With nothing due, look again this often (a signing also wakes the loop at once).
IDLE_POLL = timedelta(seconds=60)
MIN_WAIT = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where and how to send: the server from ``GOPY_SMTP_URL``, the sender ``GOPY_MAIL_FROM``."""

    host: str
    port: int
    sender: str  # the From header; a display name is allowed
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    use_tls: bool = False  # smtps://: TLS from the first byte
    # ?starttls=true: required; false: never; unset: if the server offers it.
    start_tls: bool | None = None
    timeout: float = 60.0
    max_attempts: int = 8
    # Longer than a send can take (the timeout covers each step), so a lease only runs out
    # when its sender died.
    lease: timedelta = timedelta(minutes=10)

    @property
    def sender_address(self) -> str:
        return sender_address(self.sender)

    @property
    def domain(self) -> str:
        """The sender's domain, which Message-IDs are drawn in."""
        return self.sender_address.rpartition("@")[2]


def sender_address(sender: str) -> str:
    """The bare address of ``"Name <a@b>"`` or ``"a@b"``; ValueError if it is not one."""
    found = getaddresses([sender])
    if len(found) != 1 or not _is_address(found[0][1]):
        raise ValueError(f"GOPY_MAIL_FROM is not an e-mail address: {sender!r}")
    return found[0][1]


def _is_address(text: str) -> bool:
    local, at, domain = text.rpartition("@")
    return bool(at and local and "." in domain and not any(c.isspace() for c in text))


def parse_smtp_url(
    url: str,
    *,
    sender: str,
    timeout: float = 60.0,
    max_attempts: int = 8,
    lease: timedelta = timedelta(minutes=10),
) -> SmtpSettings:
    """``smtp://user:password@host:port`` (``smtps://`` for TLS from the start,
    ``?starttls=true`` to require STARTTLS). Errors never quote the URL: it holds a password."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise ValueError("GOPY_SMTP_URL must start with smtp:// or smtps://")
    if not parts.hostname:
        raise ValueError("GOPY_SMTP_URL names no host")
    try:
        port = parts.port or SCHEMES[scheme]
    except ValueError:
        raise ValueError("GOPY_SMTP_URL has a port that is not a number from 1 to 65535") from None
    start_tls: bool | None = None
    for name, values in parse_qs(parts.query).items():
        if name.lower() != "starttls" or values[-1].lower() not in TRUTH:
            raise ValueError("GOPY_SMTP_URL takes one option: ?starttls=true or ?starttls=false")
        start_tls = TRUTH[values[-1].lower()]
    if scheme == "smtps" and start_tls:
        raise ValueError("smtps:// is TLS from the start; ?starttls=true goes with smtp://")
    sender_address(sender)
    return SmtpSettings(
        host=parts.hostname,
        port=port,
        sender=sender.strip(),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        use_tls=scheme == "smtps",
        start_tls=False if scheme == "smtps" else start_tls,
        timeout=timeout,
        max_attempts=max_attempts,
        lease=lease,
    )


def build_message(mail: Mail, smtp: SmtpSettings) -> EmailMessage:
    """The e-mail as it goes out: UTF-8 subject and body, the attachment's Vietnamese name
    encoded by RFC 2231, a Date of when it was queued and the Message-ID fixed at claim."""
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    # The letter's date, not the try's: every try of one e-mail is the same message.
    message["Date"] = format_datetime(mail.created_at)
    message["Message-ID"] = mail.message_id
    # Quoted-printable: readable, and 7-bit safe for a server without 8BITMIME.
    message.set_content(mail.body, cte="quoted-printable")
    if mail.attachment is not None:
        name = attachment_name(mail.attachment_name)
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        maintype, _, subtype = kind.partition("/")
        message.add_attachment(mail.attachment, maintype=maintype, subtype=subtype, filename=name)
        # Not random: every try of one e-mail is byte for byte the same message. ("=_" cannot
        # occur in base64 or quoted-printable text.)
        digest = hashlib.sha256(mail.message_id.encode()).hexdigest()[:32]
        message.set_boundary(f"=_{digest}")
    return message


def attachment_name(name: str | None) -> str:
    """The file name as the recipient's mail program will save it: no folders, no control
    characters, never empty."""
    cleaned = "".join("-" if c in "/\\" else c for c in (name or "") if c.isprintable()).strip(
        " ."
    )
    return cleaned or "attachment"


class InvalidRecipient(ValueError):
    """The queued address is not an e-mail address: no server would take it."""


async def send_mail(mail: Mail, smtp: SmtpSettings) -> None:
    """One SMTP session that sends ``mail``; raises what aiosmtplib raises."""
    if not _is_address(mail.to_address):
        raise InvalidRecipient(f"not an e-mail address: {mail.to_address[:100]!r}")
    await aiosmtplib.send(
        build_message(mail, smtp),
        sender=smtp.sender_address,
        recipients=[mail.to_address],
        hostname=smtp.host,
        port=smtp.port,
        username=smtp.username,
        password=smtp.password,
        use_tls=smtp.use_tls,
        start_tls=smtp.start_tls,
        timeout=smtp.timeout,
    )


def refused_for_good(error: Exception) -> str | None:
    """The server's reason if ``error`` means this message will never go (a 5xx about it);
    None if a later try may succeed (network, 4xx, the server or our login at fault)."""
    if isinstance(error, InvalidRecipient):
        return str(error)
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        answers = error.recipients
        if answers and all(_permanent(answer.code) for answer in answers):
            return "; ".join(f"{a.code} {a.message}" for a in answers)
        return None
    # A refused login or greeting is about the server or its settings, not this message:
    # fixing them must not need every e-mail retried by hand.
    if isinstance(
        error,
        aiosmtplib.SMTPAuthenticationError
        | aiosmtplib.SMTPConnectError
        | aiosmtplib.SMTPHeloError,
    ):
        return None
    if isinstance(error, aiosmtplib.SMTPResponseException) and _permanent(error.code):
        return f"{error.code} {error.message}"
    return None


def _permanent(code: int) -> bool:
    return 500 <= code < 600


@dataclass(slots=True)
class MailTally:
    sent: int = 0
    retried: int = 0
    failed: int = 0


async def drain_mail(
    *,
    db: Database,
    smtp: SmtpSettings,
    clock: Clock,
    tally: MailTally | None = None,
    stopping: Callable[[], bool] = lambda: False,
) -> int:
    """Send every e-mail that may go now, one at a time; returns how many were sent.

    ``stopping`` is asked before each e-mail (the one on its way is finished)."""
    tally = tally if tally is not None else MailTally()
    sent = 0
    while not stopping():
        now = clock.now()
        async with db.unit_of_work() as session:
            claimed = await claim_due(
                session=session, now=now, until=now + smtp.lease, domain=smtp.domain
            )
        if not claimed:
            return sent
        mail = claimed[0]
        try:
            await send_mail(mail, smtp)
        except Exception as error:
            record = _failed_try(mail, error, smtp, clock.now(), tally)
        else:
            sent += 1
            tally.sent += 1
            log.info("mail %d sent (%s)", mail.id, mail.message_id)
            record = _sent(mail, clock.now())
        async with db.unit_of_work() as session:
            await record(session)
    return sent


Outcome = Callable[[AsyncSession], Awaitable[object]]


def _sent(mail: Mail, now: datetime) -> Outcome:
    return lambda s: mark_sent(session=s, mail_id=mail.id, now=now)


def _failed_try(
    mail: Mail, error: Exception, smtp: SmtpSettings, now: datetime, tally: MailTally
) -> Outcome:
    # The reason names the server's answer or the network error; never the settings.
    refused = refused_for_good(error)
    if refused is not None:
        tally.failed += 1
        log.warning("mail %d refused: %s", mail.id, refused)
        reason = f"refused: {refused}"
        return lambda s: mark_failed(session=s, mail_id=mail.id, error=reason)
    reason = f"{type(error).__name__}: {error}"[:200]
    if mail.attempts >= smtp.max_attempts:
        tally.failed += 1
        log.warning("mail %d: giving up after %d tries (%s)", mail.id, mail.attempts, reason)
        final = f"gave up after {mail.attempts} tries: {reason}"
        return lambda s: mark_failed(session=s, mail_id=mail.id, error=final)
    tally.retried += 1
    log.info("mail %d: try %d failed (%s)", mail.id, mail.attempts, reason)
    return lambda s: mark_retry(
        session=s, mail_id=mail.id, now=now, attempts=mail.attempts, error=reason
    )


class MailDelivery:
    """The loop that drains the mail outbox, beside the chat delivery (``gopy run`` or
    ``gopy scheduler``)."""

    def __init__(
        self,
        *,
        db: Database,
        smtp: SmtpSettings,
        clock: Clock,
    ) -> None:
        self.db = db
        self.smtp = smtp
        self.clock = clock
        self.tally = MailTally()
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        """An e-mail was queued: send now instead of at the next poll."""
        self._wake.set()

    def stop(self) -> None:
        """Finish the e-mail on its way, then return from ``run``."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                await drain_mail(
                    db=self.db,
                    smtp=self.smtp,
                    clock=self.clock,
                    tally=self.tally,
                    stopping=lambda: self._stopping,
                )
                async with self.db.sessions() as session:
                    due = await next_due(session=session, now=self.clock.now())
            except Exception:
                log.exception("mail: delivery round failed; trying again shortly")
                due = None
            wait = next_wait(due, self.clock.now())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait.total_seconds())


def next_wait(due: datetime | None, now: datetime) -> timedelta:
    """Until the next e-mail comes due, polling at least every ``IDLE_POLL``; never zero (a
    lease held by a sender in another process says "due now" until it runs out)."""
    if due is None:
        return IDLE_POLL
    return min(max(due - now, MIN_WAIT), IDLE_POLL)
