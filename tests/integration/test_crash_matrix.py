"""kill -9 at each commit point of report submit, comment submit, invite redemption and outbox
delivery, with the bot in long polling and in webhook mode (test ids: flow-point-mode).

Each case brings a conversation up to its last step in this process (the real handlers on the
same SQLite file and the fake Bot API), then hands over to a real ``gopy run`` process
(tests/integration/crash_bot.py) that kills itself with SIGKILL just before or just after the
commit that stores the thing. A second process is started and the update is delivered again:
webhook mode posts the same update again, as Telegram does when it got no answer; in polling
mode aiogram has already confirmed it, so the person presses the same button once more (the
same update again if it was still unconfirmed). After the restart nothing stored is lost,
nothing is stored twice, the person was told nothing before the commit and is told the truth
(the receipt of what is stored) after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlmodel import col

from bot.app import Runtime, build_dispatcher
from bot.channels import updates
from bot.channels.telegram import build_telegram_bot
from bot.config import Settings, TelegramSettings
from bot.web.telegram import SECRET_HEADER, webhook_path
from scheduler.clock import FrozenClock
from storage.models import (
    Comment,
    Invite,
    Outbox,
    OutboxStatus,
    Person,
    Purpose,
    Report,
    ReportRevision,
    Role,
    RoleKind,
)
from storage.outbox import Letter, enqueue
from storage.people import get_or_create_person
from tests.chat import at
from tests.conftest import BotApp
from tests.fakes.telegram import Call, FakeTelegram, serve
from tests.flow.test_report_bad_input import at_summary
from tests.flow.test_sent_after_stored import at_comment_summary, press_update
from tests.integration.crash_bot import SECRET, TOKEN
from tests.integration.test_runner import free_port
from tests.seed import TEST_SECRET, invite, seed_ward

ROOT = Path(__file__).resolve().parents[2]
MOMENT = at("2025-11-10 09:00")
USER = 7500
UPDATE_ID = 900_000_001
LETTER = "Thư thử nghiệm sau sự cố"
STEP = 30.0  # a bound on each wait, far above what a step takes

# The statement whose commit is each flow's commit point (see crash_bot.install_crash).
STORES = {
    "report": "insert into reportrevision",
    "comment": "insert into comment",
    "invite": "update invite",
}
POINTS: list[tuple[str, str, str]] = [
    (flow, f"{when}_commit", f"{when}:1:{statement}")
    for flow, statement in STORES.items()
    for when in ("before", "after")
] + [
    # A message is claimed (a lease, committed), sent, then marked sent (committed).
    ("outbox", "before_claim", "before:1:update outbox"),
    ("outbox", "after_claim", "after:1:update outbox"),
    ("outbox", "before_mark", "before:2:update outbox"),
    ("outbox", "after_mark", "after:2:update outbox"),
]
MODES = ["polling", "webhook"]


class Watched(FakeTelegram):
    """The fake Bot API, with an event set on every request so a test can wait for a call."""

    changed: asyncio.Event

    async def handle(self, request: web.Request) -> web.Response:
        try:
            return await super().handle(request)
        finally:
            self.changed.set()

    async def until(self, what: Callable[[], bool], why: Callable[[], str]) -> None:
        async def wait() -> None:
            while not what():
                self.changed.clear()
                await self.changed.wait()

        try:
            await asyncio.wait_for(wait(), STEP)
        except TimeoutError:
            pytest.fail(f"timed out: {why()}")


class Zygote:
    """tests/integration/crash_bot.py: forks bot processes on request, reports their ends."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.crash_bot"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=ROOT,
        )
        assert self.read_sync() == {"ready": True}

    def read_sync(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line, "the crash runner ended"
        found: dict[str, Any] = json.loads(line)
        return found

    async def read(self) -> dict[str, Any]:
        return await asyncio.wait_for(asyncio.to_thread(self.read_sync), STEP)

    async def start(self, job: dict[str, Any]) -> int:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(job).encode() + b"\n")
        self.process.stdin.flush()
        message = await self.read()
        return int(message["started"])

    async def ended(self, pid: int) -> int:
        message = await self.read()
        assert message.get("exited") == pid, message
        return int(message["code"])

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=STEP)


@pytest.fixture(scope="module")
def zygote() -> Iterator[Zygote]:
    runner = Zygote()
    yield runner
    runner.close()


@pytest.fixture
async def api() -> AsyncIterator[tuple[Watched, str]]:
    fake = Watched()
    fake.changed = asyncio.Event()
    runner, url = await serve(fake)
    yield fake, url
    await runner.cleanup()


@dataclass
class Case:
    flow: str
    mode: str
    url: str
    api: Watched
    api_url: str
    log: Path
    update: dict[str, Any] | None = None
    epoch: float = 0.0

    def to_user(self, since: int) -> list[Call]:
        """What the bot said to the person (messages, button answers) after call ``since``."""
        return [
            c
            for c in self.api.calls[since:]
            if c.chat_id == USER or c.method == "answerCallbackQuery"
        ]

    def job(self, crash: str | None, port: int) -> dict[str, Any]:
        return {
            "db": self.url,
            "api": self.api_url,
            "port": port,
            "webhook": self.mode == "webhook",
            "scheduler": self.flow == "outbox",
            "crash": crash,
            "at": MOMENT.isoformat(),
            "epoch": self.epoch,
            "log": str(self.log),
        }


async def prepare(case: Case) -> None:
    """Bring the conversation to its last step with the real handlers, in this process."""
    settings = Settings(
        database_url=case.url,
        telegram=TelegramSettings(token=SecretStr(TOKEN), api_url=case.api_url),
        secret_key=SecretStr(TEST_SECRET),  # the key the seed's invites were made with
    )
    clock = FrozenClock(MOMENT)
    runtime = Runtime.create(settings, clock)
    async with runtime.db.sessions() as session:
        seed = await seed_ward(session)
        await session.commit()
    app = BotApp(
        runtime, build_dispatcher(runtime), build_telegram_bot(settings), case.api, clock, seed
    )
    try:
        if case.flow == "report":
            chat = await at_summary(app, USER)
            case.update = as_json(press_update(chat, "Gửi báo cáo", UPDATE_ID))
        elif case.flow == "comment":
            chat = await at_comment_summary(app, USER)
            case.update = as_json(press_update(chat, "Gửi ý kiến", UPDATE_ID))
        elif case.flow == "invite":
            async with runtime.db.sessions() as session:
                code = await invite(session, seed.cells[0], now=clock.now())
            case.update = as_json(
                updates.text_update(
                    update_id=UPDATE_ID,
                    sender=updates.user(USER, "Nguyễn Văn An"),
                    text=f"/start i-{code}",
                    message_id=1,
                    date=clock.now(),
                )
            )
        else:
            async with runtime.db.sessions() as session:
                person = await get_or_create_person(
                    session=session,
                    channel="telegram",
                    external_id=str(USER),
                    full_name="An",
                    now=clock.now(),
                )
                assert person.id is not None
                letter = Letter(
                    "crash:letter", Purpose.MANUAL, person.id, "telegram", str(USER), LETTER,
                    None, clock.now(),
                )  # fmt: skip
                await enqueue(session=session, letters=[letter], now=clock.now())
                await session.commit()
    finally:
        await app.dp.storage.close()
        await app.bot.session.close()
        await runtime.close()


def as_json(update: Any) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(update.model_dump_json(exclude_none=True))
    return found


def again(update: dict[str, Any]) -> dict[str, Any]:
    """The person does the same once more: a new update with the same content."""
    copy: dict[str, Any] = json.loads(json.dumps(update))
    copy["update_id"] += 1
    if "callback_query" in copy:
        copy["callback_query"]["id"] = str(copy["update_id"])
    return copy


async def deliver(case: Case, update: dict[str, Any], since: int, port: int) -> int | None:
    """Give the bot the update: into the poll queue, or posted to its webhook (HTTP status)."""
    if case.mode == "polling":
        case.api.pending.append(update)
        return None
    await case.api.until(
        lambda: any(c.method == "setWebhook" for c in case.api.calls[since:]),
        lambda: f"no setWebhook; {case.log.read_text()}",
    )
    async with aiohttp.ClientSession() as http:
        try:
            async with http.post(
                f"http://127.0.0.1:{port}{webhook_path(SECRET)}",
                json=update,
                headers={SECRET_HEADER: SECRET},
            ) as response:
                return response.status
        except aiohttp.ClientError:
            return None  # the process died while handling it: no answer, as Telegram sees it


TRUTH = {"report": "BC-", "comment": "YK-", "invite": "bí thư", "outbox": LETTER}


def truth(flow: str, calls: list[Call]) -> list[str]:
    """The messages that tell the person what is stored: the receipt, welcome or letter."""
    return [c.text for c in calls if c.method == "sendMessage" and TRUTH[flow] in c.text]


def told(flow: str, calls: list[Call]) -> list[str]:
    """What in ``calls`` tells the person their thing is stored."""
    marks = {
        "report": ("Đã gửi", "BC-"),
        "comment": ("YK-", "Cảm ơn"),
        "invite": ("Chào mừng", "bí thư"),
        "outbox": (LETTER,),
    }[flow]
    return [c.text for c in calls if c.text and any(m in c.text for m in marks)]


async def stored(case: Case) -> dict[str, int]:
    from storage.database import create_engine, create_session_factory

    engine = create_engine(case.url)
    try:
        async with create_session_factory(engine)() as session:

            async def count(query: Any) -> int:
                return int(await session.scalar(query) or 0)

            return {
                "reports": await count(select(func.count()).select_from(Report)),
                "revisions": await count(select(func.count()).select_from(ReportRevision)),
                "comments": await count(select(func.count()).select_from(Comment)),
                "roles": await count(
                    select(func.count())
                    .select_from(Role)
                    .join(Person, col(Person.id) == Role.person_id)
                    .where(col(Person.external_id) == str(USER))
                    .where(col(Role.kind) == RoleKind.SECRETARY)
                ),
                "invites_used": await count(
                    select(func.count()).select_from(Invite).where(col(Invite.used_at).isnot(None))
                ),
                "sent": await count(
                    select(func.count())
                    .select_from(Outbox)
                    .where(col(Outbox.status) == OutboxStatus.SENT)
                ),
            }
    finally:
        await engine.dispose()


def receipts_stored(flow: str, figures: dict[str, int]) -> dict[str, int]:
    keys = {
        "report": ("reports", "revisions"),
        "comment": ("comments",),
        "invite": ("roles", "invites_used"),
        "outbox": ("sent",),
    }[flow]
    return {k: figures[k] for k in keys}


async def stop(zygote: Zygote, pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    await zygote.ended(pid)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("flow", "point", "crash"), POINTS, ids=[f"{flow}-{point}" for flow, point, _c in POINTS]
)
async def test_kill_at_commit_point(
    zygote: Zygote,
    api: tuple[Watched, str],
    sqlite_url: str,
    tmp_path: Path,
    flow: str,
    point: str,
    crash: str,
    mode: str,
) -> None:
    fake, api_url = api
    case = Case(flow, mode, sqlite_url, fake, api_url, tmp_path / "bot.log")
    await prepare(case)
    case.epoch = time.time()  # the bot processes' clocks read MOMENT now

    # 1. The first process dies at the commit point.
    start = len(fake.calls)
    port = free_port()
    first = await zygote.start(case.job(crash, port))
    if case.update is not None:
        await deliver(case, case.update, start, port)
    code = await zygote.ended(first)
    assert code == -signal.SIGKILL, f"not killed at {crash} (exit {code}): {case.log.read_text()}"
    before = told(flow, case.to_user(start))
    if flow == "outbox":
        assert len(before) == (1 if "mark" in point else 0), before
    else:
        assert before == [], "nothing may be said before the commit"

    # 2. A new process gets the update again; the person is told the truth.
    restart = len(fake.calls)
    port = free_port()
    second = await zygote.start(case.job(None, port))
    try:
        if case.update is not None:
            pending = [u["update_id"] for u in fake.pending]
            redelivered = case.update if mode == "webhook" else again(case.update)
            if case.update["update_id"] not in pending:
                status = await deliver(case, redelivered, restart, port)
                assert status in (None, 200)
            await fake.until(
                lambda: bool(truth(flow, case.to_user(restart))),
                lambda: f"no receipt after the restart; {case.log.read_text()}",
            )
        else:
            await fake.until(
                lambda: len(truth(flow, case.to_user(start))) >= 1,
                lambda: f"the letter was not sent; {case.log.read_text()}",
            )
            for _ in range(int(STEP / 0.05)):  # bounded: marked right after the send returns
                if (await stored(case))["sent"] == 1:
                    break
                await asyncio.sleep(0.05)
    finally:
        await stop(zygote, second)

    # 3. Stored once, and the truth told.
    figures = receipts_stored(flow, await stored(case))
    assert set(figures.values()) == {1}, figures
    after = truth(flow, case.to_user(restart))
    if flow != "outbox":
        assert len(after) == 1, after
        if flow == "report":
            assert "Đã gửi" in told(flow, case.to_user(restart))
    else:
        sent = truth(flow, case.to_user(start))
        # Only a crash between the send and its mark repeats the message (once).
        assert len(sent) == (2 if point == "before_mark" else 1), sent
