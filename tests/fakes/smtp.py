"""A real SMTP server on loopback (aiosmtpd) that records what it is given.

It runs in the test's own event loop on a port the system picks, so a test needs no thread and
no guessed port. ``answers`` scripts what the next DATA commands get ("451 …", "550 …"); once
they are used up every message is accepted. ``refused`` maps a recipient to the answer to its
RCPT command. ``together`` holds the first messages until that many are being given at
once (two sender processes proven to overlap); one left alone too long gets a 451. Every
message offered is kept in ``offered`` (as bytes), the accepted ones in
``accepted``, and ``arrived`` fires at each acceptance.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

HOST = "127.0.0.1"
# A bound, not a timing: far above what two processes take to reach the server.
GATE_TIMEOUT = 60.0


@dataclass(frozen=True, slots=True)
class Delivered:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Mailbox:
    answers: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    # Accept the message, then drop the connection before answering: the answer is lost.
    lose_answers: int = 0
    together: int = 0
    met: asyncio.Event = field(default_factory=asyncio.Event)
    waiting: int = 0
    offered: list[Delivered] = field(default_factory=list)
    accepted: list[Delivered] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address in self.refused:
            return self.refused[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.together:
            self.waiting += 1
            if self.waiting >= self.together:
                self.met.set()
            try:
                await asyncio.wait_for(self.met.wait(), GATE_TIMEOUT)
            except TimeoutError:
                return "451 4.4.5 No other sender came"
        content = envelope.original_content or b""
        delivered = Delivered(str(envelope.mail_from), list(envelope.rcpt_tos), content)
        self.offered.append(delivered)
        if self.answers:
            return self.answers.pop(0)
        self.accepted.append(delivered)
        self.arrived.set()
        if self.lose_answers:
            self.lose_answers -= 1
            transport = server.transport
            assert isinstance(transport, asyncio.Transport)
            transport.abort()
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        return [d.message() for d in self.accepted]


@dataclass
class SmtpServer:
    mailbox: Mailbox
    port: int
    server: asyncio.Server

    async def stop(self) -> None:
        self.server.close()
        await self.server.wait_closed()

    async def start(self) -> None:
        """Listen again on the same port (after ``stop``)."""
        self.server = await _listen(self.mailbox, self.port)


async def _listen(mailbox: Mailbox, port: int) -> asyncio.Server:
    loop = asyncio.get_running_loop()

    def protocol() -> Any:
        # 8BITMIME and SMTPUTF8 offered, as common servers do.
        return SMTP(mailbox, hostname="mail.test", enable_SMTPUTF8=True)

    return await loop.create_server(protocol, HOST, port)


@contextlib.asynccontextmanager
async def smtp_server(mailbox: Mailbox | None = None) -> AsyncIterator[SmtpServer]:
    box = mailbox or Mailbox()
    server = await _listen(box, 0)
    port = int(server.sockets[0].getsockname()[1])
    running = SmtpServer(box, port, server)
    try:
        yield running
    finally:
        await running.stop()
