"""A burst of citizens past the platform's ceiling: nothing lost, in order, at the ceiling.

    .venv/bin/python -m tests.bench.burst [--citizens 600] [--window 20] [--rate 28]
        [--postgres]

N citizens arrive evenly within the window (a QR code shown on television), each the comment
conversation of tests/bench/comments.py (six updates: ``/start gy-…``, the text, three
choices, «Gửi ý kiến»), through the Dispatcher, against the limit-enforcing fake Bot API
(tests/fakes/limited.py: 30 messages a second, one a second per chat; here sends AND edits,
as gopy counts them). Two runs on each database: gopy as built by the composition root (the
limiter of bot.throttle at ``--rate``, the delivery loop draining what is moved to the outbox),
and the baseline, the same burst with no limiter. Nothing is asserted; see
``tests/bench/README.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Message
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlmodel import col

from bot.app import Runtime, build_dispatcher, limits_of
from bot.channels.telegram import build_telegram_bot
from bot.config import CommentSettings, OutboxSettings, Settings, TelegramSettings
from bot.throttle.limiter import MemoryLimiter, Rate
from bot.throttle.methods import chat_of, counted
from bot.throttle.middleware import RetryBound, Throttle, deferred
from bot.throttle.overflow import OutboxOverflow
from scheduler.clock import FrozenClock
from scheduler.delivery import Delivery
from storage.database import Database, create_engine
from storage.entries import Target, entry_for
from storage.models import Outbox, OutboxStatus
from tests import databases
from tests.bench.comments import TEXT
from tests.bench.report_flow import TOKEN, Gopy, console, fresh_sqlite
from tests.chat import at
from tests.databases import ensure_postgres, truncate_postgres
from tests.fakes.limited import LimitedTelegram
from tests.fakes.telegram import serve
from tests.seed import TEST_SECRET, seed_ward

PG_DATABASE = "bench_a"
CEILING = 30  # the fake's messages a second
LIMITED = frozenset(
    {"sendMessage", "editMessageText", "editMessageReplyMarkup", "sendPhoto", "sendDocument"}
)
# A press waits at most this long for the message with its button: a reply moved to the
# outbox comes later; without a limiter, one refused never comes.
BUTTON_PATIENCE = {True: 180.0, False: 5.0}

_background: ContextVar[bool] = ContextVar("bench_background", default=False)


@dataclass(slots=True)
class Made:
    """One counted call as the handler made it, and how it ended."""

    chat: str
    text: str
    background: bool
    outcome: str = "pending"  # sent, deferred, error


@dataclass
class Recorder(BaseRequestMiddleware):
    """Outermost on the session: sees each counted call once, as its caller does."""

    calls: dict[str, list[Made]] = field(default_factory=lambda: defaultdict(list))

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if not counted(method):
            return await make_request(bot, method)
        from bot.throttle.middleware import _background as outbox_traffic

        made = Made(
            chat_of(method) or "",
            str(getattr(method, "text", "") or ""),
            outbox_traffic.get(),
        )
        self.calls[made.chat].append(made)
        try:
            result = await make_request(bot, method)
        except Exception:
            made.outcome = "error"
            raise
        # The session hands back the method's result (a Message for a send), whatever the
        # middleware protocol's annotation says.
        outcome: Any = result
        made.outcome = "deferred" if isinstance(outcome, Message) and deferred(outcome) else "sent"
        return result

    def tally(self) -> Counter[str]:
        return Counter(m.outcome for calls in self.calls.values() for m in calls)


@dataclass
class Figures:
    side: str
    database: str
    pool: int
    citizens: int
    wall: float
    made: Counter[str]
    lost: int
    stalled: int
    in_order: int
    out_of_order: int
    refusals: int
    refusals_after_first: int
    reasons: dict[str, int]
    rebooked: int
    accepted: int
    rate_overall: float
    rate_steady: float
    waits: list[float]
    latencies: list[float]
    comments: int
    handler_errors: int


class Burst(Gopy):
    """The comment conversation against the limited fake (presses wait for their button)."""

    code: str = ""
    fake: LimitedTelegram
    patience: float = 5.0

    async def press_when_shown(
        self, user_id: int, label: str, latencies: list[float] | None
    ) -> bool:
        deadline = time.monotonic() + self.patience
        while True:
            try:
                self.fake.callback_data(user_id, label)
                break
            except LookupError:
                if time.monotonic() > deadline:
                    return False
                await asyncio.sleep(0.2)
        await self.press(user_id, label, latencies)
        return True

    async def comment(self, user_id: int, latencies: list[float]) -> bool:
        await self.say(user_id, f"/start gy-{self.code}", latencies)
        await self.say(user_id, TEXT.format(n=user_id), latencies)
        for label in ("Tán thành", "Nhân dân", "Gửi ẩn danh", "Gửi ý kiến"):
            if not await self.press_when_shown(user_id, label, latencies):
                return False
        return True


class ErrorCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def order_check(recorder: Recorder, fake: LimitedTelegram) -> tuple[int, int]:
    """Chats whose direct replies arrived in the order made (moved ones arrive later, apart)."""
    arrived: dict[str, list[str]] = defaultdict(list)
    for accepted in fake.accepted:
        arrived[str(accepted.chat_id)].append(accepted.text)
    good = bad = 0
    for chat, calls in recorder.calls.items():
        direct = [m.text for m in calls if not m.background and m.outcome == "sent"]
        later = Counter(m.text for m in calls if m.background and m.outcome == "sent")
        received: list[str] = []
        for text_ in reversed(arrived.get(chat, [])):
            if later[text_] > 0:
                later[text_] -= 1
            else:
                received.append(text_)
        received.reverse()
        if received == direct:
            good += 1
        else:
            bad += 1
    return good, bad


async def run_burst(
    url: str,
    database: str,
    *,
    citizens: int,
    window: float,
    rate: float,
    limited: bool,
    pool: int,
) -> Figures:
    fake = LimitedTelegram(per_second=CEILING, per_chat_seconds=1.0, limited_methods=LIMITED)
    runner, api_url = await serve(fake)
    settings = Settings(
        database_url=url,
        secret_key=SecretStr(TEST_SECRET),
        telegram=TelegramSettings(token=SecretStr(TOKEN), api_url=api_url),
        comments=CommentSettings(per_hour=1000),
        outbox=OutboxSettings(rate=rate, per_chat_seconds=1.0),
    )
    clock = FrozenClock(at("2025-11-10 09:00"))
    runtime = Runtime.create(settings, clock)
    if pool:
        # An update holds its connection until it commits, its replies' waits included: at
        # the ceiling the default pool (5 + 10, 30 s timeout) runs dry and updates fail. A
        # pool of ``pool`` without timeout lets the rest queue for a connection instead.
        await runtime.db.dispose()
        runtime.db = Database(
            create_engine(url, pool_size=pool, max_overflow=0, pool_timeout=3600)
        )
    recorder = Recorder()
    waits: list[float] = []
    bot = build_telegram_bot(settings)
    bot.session.middleware(recorder)
    throttle: Throttle | None = None
    overflow: OutboxOverflow | None = None
    if limited:
        overflow = OutboxOverflow(
            channel="telegram",
            db=runtime.db,
            clock=clock,
        )
        throttle = Throttle(
            MemoryLimiter(Rate(rate, settings.outbox.per_chat_seconds)),
            bound=RetryBound(settings.outbox.reply_tries, settings.outbox.reply_wait_seconds),
            overflow=overflow,
            on_wait=waits.append,
        )
        bot.session.middleware(throttle)
    app = Burst(runtime, build_dispatcher(runtime), bot, fake, clock)  # type: ignore[arg-type]
    app.fake = fake
    app.patience = BUTTON_PATIENCE[limited]
    async with runtime.db.sessions() as session:
        seed = await seed_ward(session)
        target = Target(seed.campaign, seed.documents[0], seed.sections[0])
        app.code = (await entry_for(session=session, target=target, now=clock.now())).code
        await session.commit()
    errors = ErrorCounter()
    handler_log = logging.getLogger("handlers.errors")
    handler_log.addHandler(errors)
    handler_log.propagate = False
    delivery: Delivery | None = None
    delivering: asyncio.Task[None] | None = None
    if limited:
        delivery = Delivery(
            db=runtime.db,
            bots={"telegram": bot},
            clock=clock,
            limits=limits_of(settings),
        )
        assert overflow is not None
        overflow.wake = delivery.wake
        delivering = asyncio.create_task(delivery.run())
    latencies: list[float] = []
    stalled = 0
    try:
        start = time.perf_counter()

        async def citizen(index: int) -> None:
            nonlocal stalled
            await asyncio.sleep(index * window / citizens)
            if not await app.comment(5_000_000 + index, latencies):
                stalled += 1

        await asyncio.gather(*(citizen(i) for i in range(citizens)))
        if delivery is not None:
            await drained(runtime)
        wall = time.perf_counter() - start
        async with runtime.db.sessions() as session:
            from storage.models import Comment

            comments = int(await session.scalar(select(func.count()).select_from(Comment)) or 0)
            waiting = int(
                await session.scalar(
                    select(func.count())
                    .select_from(Outbox)
                    .where(col(Outbox.status) != OutboxStatus.SENT)
                )
                or 0
            )
    finally:
        if delivery is not None and delivering is not None:
            delivery.stop()
            await delivering
        handler_log.removeHandler(errors)
        await app.dp.storage.close()
        await bot.session.close()
        await runtime.close()
        await runner.cleanup()
    made = recorder.tally()
    good, bad = order_check(recorder, fake)
    moments = sorted(a.at for a in fake.accepted)
    overall = (len(moments) - 1) / (moments[-1] - moments[0]) if len(moments) > 1 else 0.0
    low, high = moments[len(moments) // 10], moments[len(moments) * 9 // 10] if moments else 0
    steady = sum(low <= m <= high for m in moments) / (high - low) if high > low else 0.0
    return Figures(
        side="gopy (limiter)" if limited else "baseline (none)",
        database=database,
        pool=pool,
        citizens=citizens,
        wall=wall,
        made=made,
        lost=made["error"] + waiting,
        stalled=stalled,
        in_order=good,
        out_of_order=bad,
        refusals=len(fake.refusals),
        refusals_after_first=max(0, len(fake.refusals) - 1),
        reasons=dict(fake.reasons),
        rebooked=throttle.tally.rebooked if throttle is not None else 0,
        accepted=len(fake.accepted),
        rate_overall=overall,
        rate_steady=steady,
        waits=waits,
        latencies=latencies,
        comments=comments,
        handler_errors=errors.count,
    )


async def drained(runtime: Runtime, patience: float = 300.0) -> None:
    """Wait until the outbox holds nothing unsent (what was moved there went out)."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        async with runtime.db.sessions() as session:
            left = await session.scalar(
                select(func.count())
                .select_from(Outbox)
                .where(col(Outbox.status) == OutboxStatus.PENDING)
            )
        if not left:
            return
        await asyncio.sleep(0.5)


def show(figures: list[Figures]) -> None:
    for f in figures:
        console.print(
            f"[bold]{f.side}[/] on {f.database} (pool {f.pool or 'default'}): "
            f"{f.citizens} citizens, {f.wall:.1f} s, "
            f"{f.comments} comments stored, {f.stalled} conversations stalled, "
            f"{f.handler_errors} handler errors"
        )
        console.print(
            f"  counted calls: {sum(f.made.values())} ({dict(f.made)}); "
            f"[bold]lost replies: {f.lost}[/]"
        )
        console.print(
            f"  chats in order: {f.in_order}, out of order: {f.out_of_order}; "
            f"429s: {f.refusals} (after the first: {f.refusals_after_first}; why: {f.reasons})"
        )
        console.print(
            f"  accepted {f.accepted}: {f.rate_overall:.1f}/s overall, "
            f"{f.rate_steady:.1f}/s steady (10–90 %) = "
            f"{100 * f.rate_steady / CEILING:.0f} % of the ceiling ({CEILING}/s)"
        )
        if f.waits:
            console.print(
                f"  wait for a slot: p50 {percentile(f.waits, 0.5):.2f} s, "
                f"p99 {percentile(f.waits, 0.99):.2f} s, max {max(f.waits):.2f} s; "
                f"{f.rebooked} woken late booked again"
            )
        if f.latencies:
            console.print(
                f"  update latency: p50 {percentile(f.latencies, 0.5):.2f} s, "
                f"p99 {percentile(f.latencies, 0.99):.2f} s, "
                f"mean {statistics.fmean(f.latencies):.2f} s"
            )


async def drop_postgres() -> None:
    await databases.drop_postgres(PG_DATABASE)


async def main_async(args: argparse.Namespace) -> None:
    figures: list[Figures] = []
    with tempfile.TemporaryDirectory(prefix="gopy-burst-") as tmp:
        targets: list[tuple[str, Callable[[str], Awaitable[str]]]] = [
            ("sqlite", lambda name: fresh_sqlite(Path(tmp), f"{name}.db"))
        ]
        if args.postgres:

            async def postgres(_name: str) -> str:
                url = await ensure_postgres(PG_DATABASE)
                await truncate_postgres(url)
                return url

            targets.append(("postgresql", postgres))
        try:
            for database, make in targets:
                for limited in (True, False):
                    side = "limiter" if limited else "baseline"
                    console.print(f"{database}: {side} …")
                    url = await make(f"{side}")
                    figures.append(
                        await run_burst(
                            url,
                            database,
                            citizens=args.citizens,
                            window=args.window,
                            rate=args.rate,
                            limited=limited,
                            pool=args.pool,
                        )
                    )
        finally:
            if args.postgres:
                with contextlib.suppress(Exception):
                    await drop_postgres()
    show(figures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--citizens", type=int, default=600)
    parser.add_argument("--window", type=float, default=20.0, help="seconds of arrivals")
    parser.add_argument("--rate", type=float, default=28.0, help="the limiter's rate (/s)")
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL")
    parser.add_argument(
        "--pool", type=int, default=40, help="database connections (0: the app's default pool)"
    )
    args = parser.parse_args()
    logging.getLogger("bot.throttle").setLevel(logging.ERROR)
    logging.getLogger("scheduler.delivery").setLevel(logging.ERROR)
    started = time.perf_counter()
    asyncio.run(main_async(args))
    console.print(f"[dim]bench took {time.perf_counter() - started:.1f} s[/]")


if __name__ == "__main__":
    main()
