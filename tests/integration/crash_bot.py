"""``gopy run`` in real processes for crash tests, each killed with SIGKILL at a chosen commit.

    python -m tests.integration.crash_bot

Importing aiogram costs seconds of CPU, so this process imports the application once and then
forks one bot process per request (a JSON line on stdin):

    {"db": url, "api": url, "port": 8123, "webhook": false, "scheduler": false,
     "crash": "after:1:insert into reportrevision", "at": "2025-11-10T09:00:00+07:00",
     "epoch": 1765000000.0, "log": "/tmp/…/bot.log"}

and reports on stdout, one JSON line each: ``{"ready": true}`` once, then ``{"started": pid}``
per request and ``{"exited": pid, "code": n}`` (negative: killed by that signal).

``crash`` is a test-only hook, installed in the forked process only: ``before`` or ``after``
the Nth commit whose transaction changed rows with a statement starting with the given text
(lower case, spaces collapsed), the process kills itself with SIGKILL — before: the commit is
never sent; after: it is committed, and nothing else runs. The bot's clock is the system
clock shifted so that ``epoch`` (a ``time.time()``) reads as ``at``.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import select
import signal
import sys
from datetime import UTC, datetime
from typing import Any

from pydantic import SecretStr
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

import bot.runner
from bot.app import Runtime
from bot.config import (
    OutboxSettings,
    SchedulerSettings,
    Settings,
    TelegramSettings,
    WebhookSettings,
)
from scheduler.clock import Clock
from tests.seed import TEST_SECRET

TOKEN = "42:TEST"
SECRET = "crash-secret_1"
WEBHOOK_URL = "https://bot.example.org"
_SPACES = re.compile(r"\s+")
_CHANGED = "crash_changed"


class ShiftedClock:
    """The system clock, moved so that ``epoch`` reads as ``at``: leases still expire."""

    def __init__(self, at: datetime, epoch: float) -> None:
        self.offset = at.astimezone(UTC) - datetime.fromtimestamp(epoch, UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


def install_crash(spec: str) -> None:
    """Kill this process with SIGKILL before/after the Nth commit that ran ``statement``."""
    when, nth, statement = spec.split(":", 2)
    assert when in ("before", "after")
    wanted = int(nth)
    seen = 0

    def executed(
        conn: Connection, cursor: Any, text: str, _params: Any, _context: Any, _many: bool
    ) -> None:
        if cursor.rowcount != 0 and _SPACES.sub(" ", text.strip()).lower().startswith(statement):
            conn.info[_CHANGED] = True

    def committing(conn: Connection) -> None:
        nonlocal seen
        if not conn.info.pop(_CHANGED, False):
            return
        seen += 1
        if seen != wanted:
            return
        if when == "after":
            # Commit for real, exactly as SQLAlchemy is about to, then die before it returns.
            conn.dialect.do_commit(conn.connection)
        os.kill(os.getpid(), signal.SIGKILL)

    event.listen(Engine, "after_cursor_execute", executed)
    event.listen(Engine, "commit", committing)
    event.listen(Engine, "rollback", lambda conn: conn.info.pop(_CHANGED, None))


def settings_of(job: dict[str, Any]) -> Settings:
    return Settings(
        database_url=job["db"],
        web_port=job["port"],
        telegram=TelegramSettings(token=SecretStr(TOKEN), api_url=job["api"]),
        webhook=WebhookSettings(url=WEBHOOK_URL, secret=SecretStr(SECRET))
        if job["webhook"]
        else WebhookSettings(),
        scheduler=SchedulerSettings(enabled=job["scheduler"]),
        # A killed sender's lease runs out quickly, so the restarted one sends without a wait.
        outbox=OutboxSettings(lease_seconds=1, per_chat_seconds=0),
        secret_key=SecretStr(TEST_SECRET),  # the key the seed's invites were made with
    )


def child(job: dict[str, Any]) -> None:
    """The forked bot process: never returns."""
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        log = os.open(job["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(log, 1)
        os.dup2(log, 2)
        if job.get("crash"):
            install_crash(job["crash"])
        clock = ShiftedClock(datetime.fromisoformat(job["at"]), job["epoch"])
        create = Runtime.create

        def shifted(settings: Settings, _clock: Clock | None = None) -> Runtime:
            return create(settings, clock)

        Runtime.create = shifted  # type: ignore[method-assign,assignment]
        asyncio.run(bot.runner.run(settings_of(job)))
        code = 0
    except BaseException as error:  # report anything, then leave without the parent's cleanup
        print(f"bot process failed: {error!r}", file=sys.stderr, flush=True)
    finally:
        os._exit(code)


def say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main() -> None:
    # SIGCHLD wakes the select below through this pipe: no polling for ended children.
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wake_w)
    say({"ready": True})
    pending = b""
    running: set[int] = set()
    open_input = True
    while open_input:
        readable, _, _ = select.select([0, wake_r], [], [])
        if wake_r in readable:
            os.read(wake_r, 512)
        for pid in list(running):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                running.discard(pid)
                say({"exited": pid, "code": os.waitstatus_to_exitcode(status)})
        if 0 not in readable:
            continue
        chunk = os.read(0, 65536)
        open_input = bool(chunk)
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            pid = os.fork()
            if pid == 0:
                child(json.loads(line))
            running.add(pid)
            say({"started": pid})
    for pid in running:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
