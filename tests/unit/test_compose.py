"""compose.yaml read as Docker Compose reads it: what each service waits for, and how."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

CHECKOUT = Path(__file__).resolve().parents[2]


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((CHECKOUT / "compose.yaml").read_text("utf-8"))
    return loaded


# review: `pg_isready` without a host talks to the Unix socket, which the postgres image's
# *temporary* server (initdb, listen_addresses='') answers on a fresh volume: postgres was
# "healthy" before it listened on TCP, the one-shot migrate service (restart: "no") could hit
# ECONNREFUSED, and with it failed no worker ever started (service_completed_successfully).
# docker-library/postgres#880: probe 127.0.0.1, which listens only once the real server runs.
def test_postgres_is_healthy_only_once_it_listens_on_tcp() -> None:
    test = compose()["services"]["postgres"]["healthcheck"]["test"]
    assert "pg_isready" in test
    host = test[test.index("-h") + 1] if "-h" in test else None
    assert host == "127.0.0.1", test


def test_migrations_wait_for_a_healthy_postgres() -> None:
    migrate = compose()["services"]["migrate"]
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert migrate["command"] == ["db", "upgrade"]


def _seconds(duration: str) -> float:
    units = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
    for unit in ("ms", "s", "m", "h"):
        if duration.endswith(unit):
            return float(duration[: -len(unit)]) * units[unit]
    return float(duration)


# review: Docker stops a container with SIGTERM and kills it 10 s later unless told otherwise,
# while a gopy process lets the sweep and the messages on their way finish for up to
# STOP_GRACE (30 s) after the web server's own wait: `docker compose down` (an upgrade) cut the
# scheduler's clean stop short, and the messages it was sending went again after their lease.
def test_containers_are_given_the_time_gopy_takes_to_stop() -> None:
    from bot.runner import SHUTDOWN_SECONDS
    from scheduler.service import STOP_GRACE

    needed = SHUTDOWN_SECONDS + STOP_GRACE.total_seconds()
    for name, service in compose()["services"].items():
        if service.get("command", [None])[0] in ("run", "scheduler"):
            grace = _seconds(str(service.get("stop_grace_period", "10s")))
            assert grace >= needed, (name, grace, needed)
