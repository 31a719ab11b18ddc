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
