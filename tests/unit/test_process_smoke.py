"""The process smoke (tests/smoke/processes.py) starts gopy where a developer's .env is out of
reach: gopy reads ``.env`` from its working directory, and the checkout's may hold real tokens."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tests.smoke import processes
from tests.smoke.wheel_smoke import CHECKOUT


class Exited:
    returncode = 0
    pid = 0

    async def communicate(self) -> tuple[bytes, bytes]:
        return b"", b""


# review: every process ran with cwd=CHECKOUT, so the checkout's .env filled in whatever the
# smoke's environment left unset (GOPY_ZALO_TOKEN: a real Zalo bot's webhook re-pointed at
# 127.0.0.1; GOPY_SMTP_URL, GOPY_PUBLIC_URL…), and /readyz then checked a "zalo" it did not expect.
async def test_gopy_runs_outside_the_checkout(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folders: list[Path] = []

    async def record(*_args: Any, cwd: Path, **_kw: Any) -> Exited:
        folders.append(Path(cwd))
        return Exited()

    monkeypatch.setattr(asyncio, "create_subprocess_exec", record)
    await processes.migrate({}, tmp_path)
    await processes.start("worker-1", ["run"], {}, 1, tmp_path)
    assert folders
    for folder in folders:
        assert folder.resolve() != CHECKOUT
        assert CHECKOUT not in folder.resolve().parents


# review: DATABASE got a name per run so that two checkouts may run the smoke at once, but both
# used Redis db 14 as bot 42 and FLUSHDB'd it at their start and end: one run's clean-up wiped
# the other's conversations and locks mid-run. A run now is a bot of its own and forgets only
# its own keys.
@pytest.mark.redis
async def test_a_run_forgets_only_its_own_redis_keys(redis_url: str) -> None:
    from redis.asyncio import Redis

    own = f"gopy:{processes.BOT_ID}:5001:5001:default:state"
    other = f"gopy:{processes.BOT_ID + 1}:5001:5001:default:state"
    assert processes.base_env("db", redis_url, "api")["GOPY_TELEGRAM_TOKEN"].startswith(
        f"{processes.BOT_ID}:"
    )
    client = Redis.from_url(redis_url)
    try:
        await client.set(own, "x")
        await client.set(other, "y")
        await processes.flush_redis(redis_url)
        assert await client.get(own) is None
        assert await client.get(other) == b"y"
    finally:
        await client.aclose()


SIGTERMED = """
import asyncio, os, signal, sys
from tests.smoke import processes

async def smoke(logs, server, redis_url):
    try:
        os.kill(os.getpid(), signal.SIGTERM)  # as CI's timeout, or systemd, stops a job
        await asyncio.Event().wait()
    finally:
        print("cleaned up", flush=True)

async def missing(server, redis_url):
    return None

processes.smoke = smoke
processes.missing = missing
sys.argv = ["processes"]
sys.exit(processes.main())
"""


# review: SIGTERM (a CI job's timeout) killed the smoke outright: its finally never ran, and the
# three gopy processes, in sessions of their own, lived on with their ports and the database
# they kept from being dropped. SIGTERM now unwinds like Ctrl+C.
def test_sigterm_runs_the_clean_up() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", SIGTERMED],
        cwd=CHECKOUT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "cleaned up" in done.stdout, (done.returncode, done.stderr[-2000:])
    assert done.returncode != 0


# review: a worker that died after /healthz made check_ready (and the webhook and /metrics
# requests) raise aiohttp's ClientConnectorError, which main() does not catch: a bare traceback,
# without the process's own last lines, whose log files were then deleted.
async def test_a_process_that_does_not_answer_is_a_failure_with_its_logs(
    tmp_path: Path,
) -> None:
    import aiohttp

    from tests.smoke.wheel_smoke import SmokeFailure, free_port

    (tmp_path / "worker-1.stderr").write_text('{"message": "the last words"}\n')
    stdout, stderr = tmp_path / "worker-1.stdout", tmp_path / "worker-1.stderr"
    proc = processes.Process("worker-1", None, stdout, stderr, free_port())  # type: ignore[arg-type]
    async with aiohttp.ClientSession() as client:
        with pytest.raises(SmokeFailure, match="the last words"):
            await processes.check_ready(client, proc)
