"""``gopy run --workers 2`` as a real process tree on PostgreSQL + Redis: updates posted to the
one port are answered, both workers take some, and SIGTERM stops everything cleanly."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.databases import truncate_postgres
from tests.fakes.telegram import FakeTelegram, command_update, serve
from tests.gopy_processes import (
    children_of,
    free_port,
    gone,
    gopy_env,
    holder,
    kill_tree,
    listeners,
    read_response,
    server_socket,
    start_gopy,
    stop,
    until,
    update_request,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
UPDATES = 24
FIRST_CHAT = 8_100_000
# Bounds far above the expected times, for a loaded machine: the workers listen 20 to 45 s
# after the start when five other test runs share the two cores, and stop in about 8 s.
START_TIMEOUT = 240.0
STEP_TIMEOUT = 60.0


async def post(port: int, update_id: int, chat_id: int, children: list[int]) -> int | None:
    """Post one update on a connection of its own; the worker that took the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(update_request(port, command_update(update_id, chat_id), keep_alive=True))
        await writer.drain()
        assert await asyncio.wait_for(read_response(reader), STEP_TIMEOUT) == 200
        # Answered, so accepted: the server side of this connection is held by its worker.
        inode = server_socket(port, writer.get_extra_info("sockname")[1])
        return holder(inode, children) if inode else None
    finally:
        writer.close()
        await writer.wait_closed()


async def test_two_workers_share_one_port_and_stop_on_sigterm(
    postgres_ready: str, redis_url: str, tmp_path: Path
) -> None:
    await truncate_postgres(postgres_ready)
    fake = FakeTelegram()
    runner, api_url = await serve(fake)
    port = free_port()
    env = gopy_env(database_url=postgres_ready, redis_url=redis_url, api_url=api_url, port=port)
    log_path = tmp_path / "gopy.log"
    with log_path.open("wb") as log:
        parent = start_gopy(["run", "--workers", "2"], env, log)
    try:

        def ready() -> bool:
            assert parent.poll() is None, log_path.read_text()
            hooks = [c for c in fake.calls if c.method == "setWebhook"]
            return len(listeners(port)) == 2 and len(hooks) >= 2

        await until(ready, START_TIMEOUT, "two workers listen on the port")
        children = children_of(parent.pid)
        assert len(children) == 2

        served = await asyncio.gather(
            *(post(port, 1 + i, FIRST_CHAT + i, children) for i in range(UPDATES))
        )

        def answered() -> set[int | None]:
            return {c.chat_id for c in fake.calls if c.method == "sendMessage"} & set(
                range(FIRST_CHAT, FIRST_CHAT + UPDATES)
            )

        await until(lambda: len(answered()) == UPDATES, STEP_TIMEOUT, "every update answered")
        assert set(served) == set(children), served  # the kernel spread them over both

        code = await asyncio.to_thread(stop, parent, STEP_TIMEOUT)
        assert code == 0, log_path.read_text()
        assert not children_of(parent.pid)
        assert all(gone(child) for child in children)
        text = log_path.read_text()
        assert "Traceback" not in text, text
        assert text.count("this process leads") == 1, text  # one scheduler leader of two
    finally:
        if parent.poll() is None:
            kill_tree(parent.pid)
            parent.wait()
        await runner.cleanup()
