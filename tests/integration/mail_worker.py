"""A mail sender process for tests: drains the mail outbox, exits when nothing is pending.

    python -m tests.integration.mail_worker <db_url> <smtp_port>

Runs ``scheduler.mail_delivery.drain_mail`` with the system clock against the SMTP server on
127.0.0.1:<smtp_port>; while another process holds a lease it waits for it, and it exits once
no e-mail is pending. Prints how many it sent as one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from scheduler.clock import SystemClock
from scheduler.mail_delivery import SmtpSettings, drain_mail
from storage.database import Database
from storage.mail_outbox import next_due

ROOT = Path(__file__).resolve().parents[2]
SENDER = "Đảng ủy phường Ngọc Hà <bao-cao@ngocha.example.vn>"
MIN_POLL = 0.05
MAX_POLL = 0.5


@contextlib.asynccontextmanager
async def spawn(url: str, port: int, log: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """This module in a subprocess, its output added to ``log``; killed if running at exit."""
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.integration.mail_worker",
            url,
            str(port),
            stdout=out,
            stderr=out,
            cwd=ROOT,
        )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def work(url: str, port: int) -> int:
    db = Database.connect(url)
    clock = SystemClock()
    smtp = SmtpSettings(host="127.0.0.1", port=port, sender=SENDER, timeout=30.0)
    sent = 0
    try:
        while True:
            sent += await drain_mail(db=db, smtp=smtp, clock=clock)
            async with db.sessions() as session:
                due = await next_due(session=session, now=clock.now())
            if due is None:
                return sent
            wait = (due - clock.now()).total_seconds()
            await asyncio.sleep(min(max(wait, MIN_POLL), MAX_POLL))
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("db_url")
    parser.add_argument("smtp_port", type=int)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(json.dumps({"sent": asyncio.run(work(args.db_url, args.smtp_port))}), flush=True)


if __name__ == "__main__":
    main()
