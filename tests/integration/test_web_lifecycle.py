"""A Hypothesis state machine over web comments, on the real storage and a SQLite file, with
the clock injected: browsers on shared addresses send (the same words again, signed with one
phone or not) while time runs; each answer must be the one the rules give, in their order:
duplicate and hourly limit per browser, then per address (a clock hour), then per phone.
Invariants: every new comment stored once, a person only for a browser that got one through.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import func
from sqlmodel import select

from storage.entries import Entry
from storage.models import Comment, Person, WebAttempt
from storage.web_attempts import hour_of
from storage.web_comments import WEB, WebLimits, WebOutcome, WebSubmitted
from tests.integration.sqlite_machine import SqliteMachine
from tests.integration.web_world import NOW, build_world, send
from tests.seed import TEST_KEY

LIMITS = WebLimits(per_hour=3, duplicate_window=timedelta(minutes=10), per_address_hour=5)
BROWSERS = ("b0", "b1", "b2")
ADDRESSES = ("203.0.113.1", "203.0.113.2")
# Two spellings of one comment (case and spacing fold), and others.
WORDS = {
    "Ý kiến A": "ý kiến a",
    "ý  KIẾN a": "ý kiến a",
    **{f"Ý kiến {n}": f"ý kiến {n}" for n in range(1, 6)},
}
PHONE = "+84912345678"
HOUR = timedelta(hours=1)


@dataclass
class Sent:
    browser: str
    address: str
    words: str  # folded
    phone: str | None
    at: datetime
    receipt: str


class WebLifecycle(SqliteMachine):
    prefix = "web-lifecycle-"

    def __init__(self) -> None:
        super().__init__()
        self.now = NOW
        self.sent: list[Sent] = []

    @initialize()
    def seed(self) -> None:
        async def build() -> Entry:
            async with self.sessions() as session:
                world = await build_world(session)
                entry = await world.entry(session)
                await session.commit()
                return entry

        self.entry = self.run(build())

    @rule(minutes=st.sampled_from([1, 2, 9, 10, 11, 30, 60, 61]))
    def wait(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @rule(
        browser=st.sampled_from(BROWSERS),
        address=st.sampled_from(ADDRESSES),
        typed=st.sampled_from(sorted(WORDS)),
        signed=st.booleans(),
    )
    def submit(self, browser: str, address: str, typed: str, signed: bool) -> None:
        phone = PHONE if signed else None

        async def go() -> WebSubmitted:
            async with self.sessions() as session:
                done = await send(
                    session,
                    self.entry,
                    typed,
                    browser=browser,
                    address=address,
                    now=self.now,
                    limits=LIMITS,
                    name="An" if signed else None,
                    phone="0912 345 678" if signed else None,
                )
                await session.commit()
                return done

        done = self.run(go())
        outcome, retry_at, earlier = self.expected(browser, address, WORDS[typed], phone)
        assert (done.outcome, done.retry_at) == (outcome, retry_at), (done, self.now)
        if outcome is WebOutcome.DUPLICATE:
            assert earlier is not None and done.comment is not None
            assert done.comment.receipt == earlier.receipt
        if outcome is WebOutcome.NEW:
            assert done.comment is not None
            self.sent.append(
                Sent(browser, address, WORDS[typed], phone, self.now, done.comment.receipt)
            )

    def expected(
        self, browser: str, address: str, words: str, phone: str | None
    ) -> tuple[WebOutcome, datetime | None, Sent | None]:
        """The rules, written out again from the model."""
        mine = [s for s in self.sent if s.browser == browser]
        window = LIMITS.duplicate_window
        same = [s for s in mine if s.words == words and s.at >= self.now - window]
        if same:
            return WebOutcome.DUPLICATE, None, same[-1]
        hour = [s.at for s in mine if s.at > self.now - HOUR]
        if len(hour) >= LIMITS.per_hour:
            return WebOutcome.RATE_LIMITED, hour[-LIMITS.per_hour] + HOUR, None
        start = hour_of(self.now)
        here = [s for s in self.sent if s.address == address and hour_of(s.at) == start]
        if len(here) >= LIMITS.per_address_hour:
            return WebOutcome.ADDRESS_LIMITED, start + HOUR, None
        signed = [s.at for s in self.sent if phone and s.phone == phone and s.at > self.now - HOUR]
        if len(signed) >= LIMITS.per_hour:
            return WebOutcome.PHONE_LIMITED, signed[-LIMITS.per_hour] + HOUR, None
        return WebOutcome.NEW, None, None

    @invariant()
    def stored_once(self) -> None:
        async def read() -> tuple[list[str], set[str], int]:
            async with self.sessions() as session:
                receipts = (await session.execute(select(Comment.receipt))).scalars().all()
                people = await session.execute(
                    select(Person.external_id).where(Person.channel == WEB)
                )
                attempts = await session.scalar(select(func.count()).select_from(WebAttempt))
                return list(receipts), set(people.scalars().all()), int(attempts or 0)

        if not hasattr(self, "entry"):
            return
        receipts, people, attempts = self.run(read())
        assert sorted(receipts) == sorted(s.receipt for s in self.sent)
        assert people == {TEST_KEY.browser_key(b) for b in {s.browser for s in self.sent}}
        # Attempts of the last day are kept (older ones may linger until the next comment).
        recent = [s for s in self.sent if s.at >= self.now - timedelta(days=1)]
        assert attempts >= len(recent)


def test_web_lifecycle(sqlite_template: Path) -> None:
    WebLifecycle.template = sqlite_template
    run_state_machine_as_test(
        WebLifecycle,
        settings=settings(
            max_examples=25,
            stateful_step_count=30,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
