"""The children of ``gopy run --workers N`` do not outlive their parent.

# review: the children run in their own session (so that Ctrl-C reaches the parent only). When
# the parent is killed outright (``kill -9``, the OOM killer) or dies of a signal it does not
# handle (SIGHUP when its terminal closes), nobody told the children: they ran on as orphans,
# still bound to the port, and a supervisor started again added N more workers beside them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.integration.test_supervisor import CHILD, TIMEOUT, files

PARENT = """
import os, sys
from bot.workers import Policy, Supervisor
folder, child = sys.argv[1], sys.argv[2]
Supervisor(
    2, command=[sys.executable, "-c", child, folder], env={**os.environ, "DIE": ""},
    policy=Policy(grace=5.0),
).run()
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead too (it waits for init to reap it).
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ", 1)[1][0] != "Z"


@pytest.mark.skipif(sys.platform != "linux", reason="parent-death signal: Linux")
@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGHUP])
def test_children_stop_when_the_parent_dies(tmp_path: Path, signum: int) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(tmp_path), CHILD],
        cwd=Path(__file__).resolve().parents[2],
    )
    children: list[int] = []
    try:
        deadline = time.monotonic() + TIMEOUT
        while len(files(tmp_path, "up")) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        children = [int(name.split("-")[1]) for name in files(tmp_path, "up")]
        assert len(children) == 2
        parent.send_signal(signum)
        parent.wait(TIMEOUT)
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [pid for pid in children if alive(pid)]
    finally:
        for pid in children:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        if parent.poll() is None:
            parent.kill()
            parent.wait()


# review: the parent killed a child that was still stopping cleanly: it waited 30 s, while a
# worker (with the scheduler on, as by default) takes up to the web server's 5 s and then the
# scheduler's 30 s (the sweep, the messages on their way).
def test_the_parent_waits_as_long_as_a_worker_takes_to_stop() -> None:
    from bot.runner import SHUTDOWN_SECONDS
    from bot.workers import Policy
    from scheduler.service import STOP_GRACE

    assert Policy().grace >= SHUTDOWN_SECONDS + STOP_GRACE.total_seconds()
