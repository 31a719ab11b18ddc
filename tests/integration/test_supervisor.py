"""The parent of ``gopy run --workers N`` (bot.workers.Supervisor) with stand-in children:
it forwards SIGTERM, restarts a child that dies, and gives up on one that keeps dying."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bot.workers import Policy, Supervisor

TIMEOUT = 30.0
# A child: says it is up (a file named after its worker index and pid), stops on SIGTERM
# saying so, or dies soon (once worker 0 is up) when its index is listed in DIE.
CHILD = """
import os, pathlib, signal, sys, time
folder = pathlib.Path(sys.argv[1])
me = f"{os.environ['GOPY_WORKER']}-{os.getpid()}"
assert os.environ["GOPY_WEB_REUSE_PORT"] == "1"
if os.environ["GOPY_WORKER"] in os.environ.get("DIE", "").split(","):
    deadline = time.monotonic() + 30
    while not list(folder.glob("0-*.up")) and time.monotonic() < deadline:
        time.sleep(0.02)  # the healthy sibling is up: giving up then stops a running child
    (folder / f"{me}.died").touch()
    sys.exit(3)
def stop(signum, frame):
    (folder / f"{me}.{signal.Signals(signum).name}").touch()
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)
(folder / f"{me}.up").touch()
while True:
    time.sleep(0.05)
"""
FAST = Policy(backoff_first=0.05, backoff_max=0.2, steady=5.0, quick_deaths=3, grace=10.0)


def files(folder: Path, suffix: str) -> list[str]:
    return sorted(p.stem for p in folder.glob(f"*.{suffix}"))


def signal_when(condition: Callable[[], bool], signum: int) -> threading.Thread:
    """Send ``signum`` to this process once ``condition`` holds (or after TIMEOUT anyway, so a
    broken supervisor still returns and the test fails on its assertions)."""

    def watch() -> None:
        deadline = time.monotonic() + TIMEOUT
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(os.getpid(), signum)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def supervisor(folder: Path, count: int, die: str = "") -> Supervisor:
    return Supervisor(
        count,
        command=[sys.executable, "-c", CHILD, str(folder)],
        env={**os.environ, "DIE": die},
        policy=FAST,
    )


def test_sigterm_is_forwarded_and_children_stop(tmp_path: Path) -> None:
    watcher = signal_when(lambda: len(files(tmp_path, "up")) == 2, signal.SIGTERM)
    assert supervisor(tmp_path, 2).run() == 0
    watcher.join(TIMEOUT)
    up = files(tmp_path, "up")
    assert sorted(name.split("-")[0] for name in up) == ["0", "1"]
    assert files(tmp_path, "SIGTERM") == up  # each child was told, and stopped


def test_sigint_is_forwarded_as_sigint(tmp_path: Path) -> None:
    watcher = signal_when(lambda: len(files(tmp_path, "up")) == 2, signal.SIGINT)
    assert supervisor(tmp_path, 2).run() == 0
    watcher.join(TIMEOUT)
    assert files(tmp_path, "SIGINT") == files(tmp_path, "up")


def test_a_dead_child_is_started_again(tmp_path: Path) -> None:
    watched = supervisor(tmp_path, 1)

    def killed_and_back() -> bool:
        up = files(tmp_path, "up")
        if len(up) == 1 and not (tmp_path / "killed").exists():
            os.kill(int(up[0].split("-")[1]), signal.SIGKILL)
            (tmp_path / "killed").touch()
        return len(up) == 2

    watcher = signal_when(killed_and_back, signal.SIGTERM)
    assert watched.run() == 0
    watcher.join(TIMEOUT)
    up = files(tmp_path, "up")
    assert len(up) == 2 and {name.split("-")[0] for name in up} == {"0"}
    # The killed one could not say anything; the new one was stopped.
    assert len(files(tmp_path, "SIGTERM")) == 1


def test_a_child_that_keeps_dying_is_given_up(tmp_path: Path) -> None:
    watched = supervisor(tmp_path, 2, die="1")
    # No signal needed: the supervisor gives up on its own and stops the healthy child.
    started = time.monotonic()
    assert watched.run() == 1
    assert time.monotonic() - started < TIMEOUT
    assert len(files(tmp_path, "died")) == FAST.quick_deaths
    assert len(files(tmp_path, "SIGTERM")) == len(files(tmp_path, "up")) == 1
