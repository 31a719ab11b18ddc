"""``gopy run`` as real processes on loopback, for process-level tests and benches: their
environment (PostgreSQL, Redis, the fake Bot API), readiness, and who answered a connection.

Linux only: readiness and ownership are read from ``/proc`` (listening sockets on the port,
and which process holds the server side of a connection), so nothing is added to gopy for
the tests' sake.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from bot.web.telegram import SECRET_HEADER, webhook_path

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "42:TEST"
SECRET = "process-secret-0123456789"
LISTEN = "0A"
ESTABLISHED = "01"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def gopy_env(
    *, database_url: str, redis_url: str, api_url: str, port: int, **extra: str
) -> dict[str, str]:
    """The environment of a webhook ``gopy run`` on loopback (no developer .env is read: the
    processes run from the checkout, so every setting that matters is given)."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith("GOPY_")}
    return {
        **keep,
        "GOPY_DATABASE_URL": database_url,
        "GOPY_REDIS_URL": redis_url,
        "GOPY_TELEGRAM_TOKEN": TOKEN,
        "GOPY_TELEGRAM_API_URL": api_url,
        "GOPY_TELEGRAM_BOT_USERNAME": "gopy_test_bot",
        "GOPY_WEBHOOK_URL": "https://gopy.example.vn",
        "GOPY_WEBHOOK_SECRET": SECRET,
        "GOPY_WEB_HOST": "127.0.0.1",
        "GOPY_WEB_PORT": str(port),
        "GOPY_SECRET_KEY": "s" * 40,
        "GOPY_LOCALE": "en",
        "PYTHONPATH": str(ROOT),
        **extra,
    }


def start_gopy(
    arguments: list[str], env: dict[str, str], log: IO[bytes]
) -> subprocess.Popen[bytes]:
    """``python -m bot.cli …`` from this checkout (its code, not an installed gopy)."""
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", *arguments],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen[bytes], timeout: float) -> int:
    """SIGTERM, then wait; killed (and the test fails on its code) if it does not stop."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_tree(process.pid)
        process.wait()
        return -9


def _tcp_rows() -> list[list[str]]:
    rows: list[list[str]] = []
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(name).read_text().splitlines()[1:]
        except OSError:
            continue
        rows += [line.split() for line in lines]
    return rows


def _port(address: str) -> int:
    return int(address.rsplit(":", 1)[1], 16)


def listeners(port: int) -> set[str]:
    """Inodes of the sockets listening on ``port``."""
    return {r[9] for r in _tcp_rows() if _port(r[1]) == port and r[3] == LISTEN}


def server_socket(port: int, client_port: int) -> str | None:
    """Inode of the server side of the connection from ``client_port`` to ``port``."""
    for row in _tcp_rows():
        if _port(row[1]) == port and _port(row[2]) == client_port and row[3] == ESTABLISHED:
            return row[9] if row[9] != "0" else None
    return None


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces: the fields after its closing parenthesis.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / ticks


def holder(inode: str, pids: list[int]) -> int | None:
    """Which of ``pids`` holds the socket ``inode``."""
    target = f"socket:[{inode}]"
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                    return pid
            except OSError:
                continue
    return None


def kill_tree(pid: int) -> None:
    """SIGKILL ``pid`` and its children (a test's last resort)."""
    for child in children_of(pid):
        kill_tree(child)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def gone(pid: int) -> bool:
    """The process has ended and been reaped (or is a zombie waiting for it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


async def until(condition: Callable[[], bool], bound: float, what: str) -> float:
    """Poll ``condition`` (the event loop keeps serving the fakes meanwhile) until it holds;
    the seconds it took. Fails after ``bound`` seconds, far above the expected time."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > bound:
            raise AssertionError(f"not within {bound} s: {what}")
        await asyncio.sleep(0.05)
    return time.monotonic() - start


def update_request(port: int, update: dict[str, Any], *, keep_alive: bool) -> bytes:
    body = json.dumps(update).encode()
    head = [
        f"POST {webhook_path(SECRET)} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/json",
        f"{SECRET_HEADER}: {SECRET}",
        f"Content-Length: {len(body)}",
        f"Connection: {'keep-alive' if keep_alive else 'close'}",
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def read_response(reader: asyncio.StreamReader) -> int:
    """The status of one HTTP response, its body read (so the connection may be reused)."""
    status = int((await reader.readline()).split()[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode().partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    await reader.readexactly(length)
    return status
