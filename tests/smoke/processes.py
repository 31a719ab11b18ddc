"""The deployment of compose.yaml as plain processes: two ``gopy run`` workers and one
``gopy scheduler`` on PostgreSQL and Redis, behind a fake Telegram Bot API on loopback.

``make process-smoke`` (part of ``make test``) runs ``python -m tests.smoke.processes``. It
creates a database of its own on the local PostgreSQL server (dropped at the end), is a bot of
its own in Redis (its keys deleted at the end), migrates once (``gopy db upgrade``, as compose's
one-shot service does), then starts the three processes as ``python -m bot.cli`` from the
checkout, with JSON logs and a metrics token. They run in a temporary folder: gopy reads
``.env`` from where it runs, and the checkout's (a developer's tokens) must not reach them.
Checked:

- each worker serves its webhook on its own port (``GOPY_SCHEDULER_ENABLED=false``), answers
  /healthz and /readyz with 200, takes a ``/help`` posted to its webhook and answers it
  through the fake Bot API, and counts it on /metrics;
- the scheduler answers /healthz and /readyz on ``GOPY_SCHEDULER_WEB_PORT``;
- every line the processes log on stderr is a JSON object;
- SIGTERM stops all three with exit 0 within ``STOP_SECONDS``.

Settings: ``GOPY_SMOKE_PG_SERVER`` (default ``postgresql+asyncpg://postgres@127.0.0.1:5432``) and
``GOPY_SMOKE_REDIS_URL`` (default ``redis://127.0.0.1:6379/14``: the tests use 15). Like the
suite's PostgreSQL and Redis tests, it is skipped on a developer machine without them and fails
in CI (``CI`` set).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from sqlalchemy import text

from bot.web.telegram import SECRET_HEADER, webhook_path
from storage.database import create_engine
from tests.databases import PG_SERVER, drop_postgres, fresh_postgres
from tests.fakes.telegram import FakeTelegram, command_update, serve
from tests.smoke.wheel_smoke import CHECKOUT, DROPPED, SmokeFailure, free_port

# Its own name per run: two checkouts may run the smoke at once on one server. In Redis, a bot
# of its own (gopy's keys are gopy:<bot id>:…), whose keys alone it forgets.
DATABASE = f"gopy_process_smoke_{os.getpid()}"
BOT_ID = 7_000_000 + os.getpid()
SECRET = "process-smoke-webhook-secret"
METRICS_TOKEN = "process-smoke-metrics-token"
SECRET_KEY = "process-smoke-secret-key-0123456789abcdef"
START_SECONDS = 60.0
ANSWER_SECONDS = 30.0
STOP_SECONDS = 30.0


@dataclass
class Process:
    name: str
    process: asyncio.subprocess.Process
    stdout: Path
    stderr: Path
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def tail(self, lines: int = 30) -> str:
        out = []
        for path in (self.stdout, self.stderr):
            written = path.read_text("utf-8", "replace") if path.exists() else ""
            last = "\n".join(written.splitlines()[-lines:])
            out.append(f"--- {self.name} {path.suffix[1:]}\n{last}")
        return "\n".join(out)


STARTED = time.monotonic()


def step(name: str) -> None:
    print(f"process smoke: [{time.monotonic() - STARTED:5.1f} s] {name}", flush=True)


async def create_database(server: str) -> str:
    return await fresh_postgres(DATABASE, server, migrate=False)


async def drop_database(server: str) -> None:
    await drop_postgres(DATABASE, server)


async def flush_redis(url: str) -> None:
    """Forget this run's keys (not the whole db: another run may be using it)."""
    from redis.asyncio import Redis

    client = Redis.from_url(url)
    try:
        keys = [key async for key in client.scan_iter(match=f"gopy:{BOT_ID}:*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


def base_env(database_url: str, redis_url: str, api_url: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in DROPPED and not k.startswith(("GOPY_", "PROMETHEUS_"))
    }
    return env | {
        "PYTHONPATH": str(CHECKOUT),  # the checkout's code, whatever the venv has installed
        "GOPY_DATABASE_URL": database_url,
        "GOPY_REDIS_URL": redis_url,
        "GOPY_SECRET_KEY": SECRET_KEY,
        "GOPY_TELEGRAM_TOKEN": f"{BOT_ID}:SMOKE",
        "GOPY_TELEGRAM_API_URL": api_url,
        "GOPY_WEBHOOK_SECRET": SECRET,
        "GOPY_WEB_HOST": "127.0.0.1",
        "GOPY_LOG_FORMAT": "json",
        "GOPY_METRICS_TOKEN": METRICS_TOKEN,
    }


async def start(name: str, args: list[str], env: dict[str, str], port: int, logs: Path) -> Process:
    stdout, stderr = logs / f"{name}.stdout", logs / f"{name}.stderr"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            *args,
            cwd=logs,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
    return Process(name, process, stdout, stderr, port)


async def migrate(env: dict[str, str], cwd: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "db",
        "upgrade",
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    except TimeoutError:
        process.kill()
        raise SmokeFailure("gopy db upgrade: no answer within 120 s") from None
    if process.returncode != 0:
        raise SmokeFailure(f"gopy db upgrade: exit {process.returncode}\n{output.decode()}")


async def wait_alive(client: aiohttp.ClientSession, proc: Process) -> None:
    """/healthz answers 200 (the process is up and serving), within ``START_SECONDS``."""
    deadline = time.monotonic() + START_SECONDS
    while True:
        if proc.process.returncode is not None:
            raise SmokeFailure(f"{proc.name} exited ({proc.process.returncode})\n{proc.tail()}")
        with contextlib.suppress(aiohttp.ClientError):
            async with client.get(f"{proc.base}/healthz") as response:
                if response.status == 200 and await response.text() == "ok":
                    return
        if time.monotonic() > deadline:
            raise SmokeFailure(
                f"{proc.name}: /healthz not up in {START_SECONDS:.0f} s\n{proc.tail()}"
            )
        # Polling a port that is not open yet: nothing to wait on but time.
        await asyncio.sleep(0.2)


@contextlib.contextmanager
def answering(proc: Process) -> Iterator[None]:
    """A request to ``proc`` that fails (refused, reset, timed out) is a SmokeFailure with the
    process's last lines: it has most likely died, and its logs say why."""
    try:
        yield
    except (aiohttp.ClientError, TimeoutError) as error:
        raise SmokeFailure(
            f"{proc.name}: no answer ({type(error).__name__}: {error})\n{proc.tail()}"
        ) from None


async def check_ready(client: aiohttp.ClientSession, proc: Process) -> None:
    with answering(proc):
        async with client.get(f"{proc.base}/readyz") as response:
            body = await response.text()
    if response.status != 200:
        raise SmokeFailure(f"{proc.name}: /readyz {response.status} {body}\n{proc.tail()}")
    checks = json.loads(body)["checks"]
    if set(checks) != {"database", "redis", "telegram"}:
        raise SmokeFailure(f"{proc.name}: /readyz checked {sorted(checks)}")


async def answer_through_webhook(
    client: aiohttp.ClientSession, fake: FakeTelegram, proc: Process, chat_id: int, update_id: int
) -> None:
    url = proc.base + webhook_path(SECRET)
    update = command_update(update_id, chat_id, "/help")
    with answering(proc):
        async with client.post(url, json=update, headers={SECRET_HEADER: SECRET}) as response:
            status = response.status
    if status != 200:
        raise SmokeFailure(f"{proc.name}: webhook answered {status}\n{proc.tail()}")
    deadline = asyncio.get_running_loop().time() + ANSWER_SECONDS
    while not any(c.method == "sendMessage" and c.chat_id == chat_id for c in fake.calls):
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0:
            raise SmokeFailure(
                f"{proc.name} did not answer /help in {ANSWER_SECONDS:.0f} s\n{proc.tail()}"
            )
        fake.sent.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(fake.sent.wait(), timeout=left)


async def check_metrics(client: aiohttp.ClientSession, proc: Process) -> None:
    headers = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    with answering(proc):
        async with client.get(f"{proc.base}/metrics", headers=headers) as response:
            page = await response.text()
    counted = 'gopy_updates_total{channel="telegram",kind="message"} 1.0'
    if response.status != 200 or counted not in page or "gopy_outbox_pending" not in page:
        raise SmokeFailure(f"{proc.name}: /metrics {response.status} without the update:\n{page}")


def check_json_logs(proc: Process) -> int:
    lines = [ln for ln in proc.stderr.read_text("utf-8").splitlines() if ln.strip()]
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            raise SmokeFailure(f"{proc.name} logged a line that is not JSON: {line!r}") from None
        if not {"time", "level", "logger", "message"} <= set(record):
            raise SmokeFailure(f"{proc.name}: a JSON log line lacks its fields: {line!r}")
    return len(lines)


async def stop_all(procs: list[Process]) -> None:
    for proc in procs:
        if proc.process.returncode is None:
            proc.process.send_signal(signal.SIGTERM)
    started = time.monotonic()

    async def stopped(proc: Process) -> tuple[int, float]:
        code = await asyncio.wait_for(proc.process.wait(), timeout=STOP_SECONDS)
        return code, time.monotonic() - started

    results = await asyncio.gather(*(stopped(p) for p in procs), return_exceptions=True)
    took = []
    for proc, result in zip(procs, results, strict=True):
        if isinstance(result, BaseException):
            raise SmokeFailure(f"{proc.name} did not stop within {STOP_SECONDS:.0f} s of SIGTERM")
        code, seconds = result
        if code != 0:
            raise SmokeFailure(f"{proc.name} stopped with exit {code}\n{proc.tail()}")
        took.append(f"{proc.name} {seconds:.1f} s")
    step(f"SIGTERM: all {len(procs)} stopped with exit 0 ({', '.join(took)})")


async def smoke(logs: Path, server: str, redis_url: str) -> None:
    fake = FakeTelegram()
    api, api_url = await serve(fake)
    procs: list[Process] = []
    try:
        database_url = await create_database(server)
        await flush_redis(redis_url)
        env = base_env(database_url, redis_url, api_url)
        await migrate(env, logs)
        step("gopy db upgrade (once, before the workers)")
        for name in ("worker-1", "worker-2"):
            port = free_port()
            worker_env = env | {
                "GOPY_WEB_PORT": str(port),
                "GOPY_WEBHOOK_URL": f"http://127.0.0.1:{port}",
                "GOPY_SCHEDULER_ENABLED": "false",
            }
            procs.append(await start(name, ["run"], worker_env, port, logs))
        port = free_port()
        scheduler_env = env | {"GOPY_SCHEDULER_WEB_PORT": str(port)}
        procs.append(await start("scheduler", ["scheduler"], scheduler_env, port, logs))
        step("two gopy run workers and gopy scheduler started")
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as client:
            for proc in procs:
                await wait_alive(client, proc)
                await check_ready(client, proc)
                step(f"{proc.name}: /healthz and /readyz 200 (database, redis, telegram)")
            for number, worker in enumerate(procs[:2], start=1):
                await answer_through_webhook(client, fake, worker, 5000 + number, 100 + number)
                await check_metrics(client, worker)
                step(f"{worker.name}: /help through its webhook answered; /metrics counts it")
        await stop_all(procs)
        lines = sum(check_json_logs(proc) for proc in procs)
        step(f"{lines} log lines on stderr, each a JSON object")
    finally:
        for proc in procs:
            if proc.process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.process.pid, signal.SIGKILL)
                await proc.process.wait()
        await api.cleanup()
        step("fake Bot API stopped")
        with contextlib.suppress(Exception):
            await flush_redis(redis_url)
        await drop_database(server)
        step("database dropped, its Redis keys deleted")


async def missing(server: str, redis_url: str) -> str | None:
    """What of PostgreSQL and Redis does not answer, or None."""
    from redis.asyncio import Redis

    engine = create_engine(f"{server}/postgres")
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as error:
        return f"PostgreSQL at {server} ({type(error).__name__})"
    finally:
        await engine.dispose()
    client = Redis.from_url(redis_url, socket_connect_timeout=5)
    try:
        await client.ping()
    except Exception as error:
        return f"Redis at {redis_url} ({type(error).__name__})"
    finally:
        await client.aclose()
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the processes' logs")
    keep = parser.parse_args().keep
    server = os.environ.get("GOPY_SMOKE_PG_SERVER", PG_SERVER)
    redis_url = os.environ.get("GOPY_SMOKE_REDIS_URL", "redis://127.0.0.1:6379/14")
    absent = asyncio.run(missing(server, redis_url))
    if absent is not None:
        if os.environ.get("CI"):
            print(f"process smoke FAILED: no {absent}", file=sys.stderr, flush=True)
            return 1
        print(f"process smoke: skipped, no {absent} (in CI it must run)", flush=True)
        return 0
    started = time.monotonic()
    logs = Path(tempfile.mkdtemp(prefix="gopy-process-smoke-"))
    # SIGTERM (a CI job's timeout) unwinds like Ctrl+C: asyncio.run then cancels smoke(), whose
    # finally stops the gopy processes (sessions of their own: nothing else would) and drops
    # the database.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        asyncio.run(smoke(logs, server, redis_url))
    except SmokeFailure as failure:
        print(f"\nprocess smoke FAILED: {failure}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("\nprocess smoke: interrupted, processes stopped", file=sys.stderr, flush=True)
        return 130
    finally:
        if keep:
            print(f"process smoke: kept the logs in {logs}", flush=True)
        else:
            shutil.rmtree(logs, ignore_errors=True)
    print(f"process smoke: passed in {time.monotonic() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
