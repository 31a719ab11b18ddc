"""``gopy run --workers N``: N bot processes serving one port, and a parent that looks after them.

Each child is an ordinary ``gopy run`` (webhook mode) that binds the port with
``SO_REUSEPORT``, so the kernel spreads incoming connections over them. They share the state
that must be shared through PostgreSQL and Redis (FSM, per-chat locks, update dedupe, the
outbox, the scheduler's leader), which is why ``--workers`` wants both.

The parent forwards SIGTERM and SIGINT to the children and waits for them to finish, starts
again a child that dies (waiting longer after each quick death, and giving up when one keeps
dying at once: a mistake in the settings is not fixed by retrying), and exits when asked.
The children run in their own session so that Ctrl-C in a terminal reaches the parent only,
which passes it on once; on Linux each is also told (SIGTERM, the parent-death signal) when the
parent dies without passing anything on (``kill -9``, SIGHUP), so that no worker outlives it.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import FrameType

log = logging.getLogger(__name__)

# The environment a child reads: bind with SO_REUSEPORT (bot.config.Settings.web_reuse_port).
REUSE_PORT = "GOPY_WEB_REUSE_PORT"
# Which child this is, for its logs.
WORKER = "GOPY_WORKER"


@dataclass(frozen=True, slots=True)
class Policy:
    """When to start a dead child again and when to give up."""

    backoff_first: float = 1.0  # seconds before the first restart
    backoff_max: float = 30.0
    steady: float = 30.0  # a child up this long had not died "at once": backoff starts over
    quick_deaths: int = 5  # this many quick deaths in a row: give up
    grace: float = 40.0  # a stop waits this long before killing (a worker takes up to 35 s)
    poll: float = 0.2


@dataclass(slots=True)
class Child:
    index: int
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    quick_deaths: int = 0
    restart_at: float | None = None


# prctl(2): the signal a child gets when the thread that started it ends.
PR_SET_PDEATHSIG = 1


def _parent_death_signal() -> Callable[[], None] | None:
    """For ``Popen(preexec_fn=...)``: the child gets SIGTERM when the parent dies (Linux; elsewhere
    nothing). libc is loaded here, in the parent: the forked child only makes the call."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    parent = os.getpid()

    def arm() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the call: nobody will tell us
            os.kill(os.getpid(), signal.SIGTERM)

    return arm


def child_command() -> list[str]:
    """``gopy run`` in a child, with this interpreter and this code."""
    return [sys.executable, "-m", "bot.cli", "run"]


@dataclass(slots=True)
class Supervisor:
    count: int
    command: Sequence[str] = field(default_factory=child_command)
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    policy: Policy = field(default_factory=Policy)
    clock: Callable[[], float] = time.monotonic
    children: list[Child] = field(default_factory=list)
    _stop: int | None = None
    failed: bool = False

    def request_stop(self, signum: int, _frame: FrameType | None = None) -> None:
        if self._stop is None:
            self._stop = signum

    def run(self) -> int:
        """Start the children, look after them until a signal (or giving up); 0 on a
        requested stop, 1 when a child kept dying."""
        previous = {
            sig: signal.signal(sig, self.request_stop) for sig in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            self.children = [Child(i) for i in range(self.count)]
            for child in self.children:
                self._start(child)
            while self._stop is None and not self.failed:
                self._look_after()
                time.sleep(self.policy.poll)
            self._stop_children(self._stop or signal.SIGTERM)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 1 if self.failed else 0

    def _start(self, child: Child) -> None:
        env = {**self.env, REUSE_PORT: "1", WORKER: str(child.index)}
        child.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            list(self.command),
            env=env,
            start_new_session=True,
            preexec_fn=_parent_death_signal(),  # noqa: PLW1509 - the parent runs no threads
        )
        child.started = self.clock()
        child.restart_at = None
        log.info("worker %d started (pid %d)", child.index, child.process.pid)

    def _look_after(self) -> None:
        now = self.clock()
        for child in self.children:
            if child.restart_at is not None:
                if now >= child.restart_at:
                    self._start(child)
                continue
            assert child.process is not None
            code = child.process.poll()
            if code is None:
                continue
            lived = now - child.started
            child.quick_deaths = child.quick_deaths + 1 if lived < self.policy.steady else 1
            if child.quick_deaths >= self.policy.quick_deaths:
                log.error(
                    "worker %d died %d times in a row soon after starting (last code %s); "
                    "giving up",
                    child.index,
                    child.quick_deaths,
                    code,
                )
                self.failed = True
                return
            wait = min(
                self.policy.backoff_first * 2 ** (child.quick_deaths - 1),
                self.policy.backoff_max,
            )
            log.warning(
                "worker %d ended (code %s) after %.0f s; starting it again in %.0f s",
                child.index,
                code,
                lived,
                wait,
            )
            child.restart_at = now + wait

    def _stop_children(self, signum: int) -> None:
        running = [c.process for c in self.children if c.process and c.process.poll() is None]
        log.info("stopping %d workers", len(running))
        for process in running:
            process.send_signal(signum)
        deadline = self.clock() + self.policy.grace
        for process in running:
            try:
                process.wait(timeout=max(0.0, deadline - self.clock()))
            except subprocess.TimeoutExpired:
                log.warning("worker pid %d did not stop in time; killed", process.pid)
                process.kill()
                process.wait()


def supervise(count: int) -> int:
    """``gopy run --workers N``: run the supervisor until it is told to stop."""
    return Supervisor(count).run()
