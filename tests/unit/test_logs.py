"""JSON log lines (GOPY_LOG_FORMAT=json): one object per line, UTC time, the exception."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.logs import JsonFormatter, configure_logging, formatter


@pytest.fixture
def restore_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def record(message: str, *args: object, exc: bool = False) -> logging.LogRecord:
    info = None
    if exc:
        try:
            raise ValueError("boom")
        except ValueError:
            import sys

            info = sys.exc_info()
    rec = logging.LogRecord("gopy.test", logging.WARNING, __file__, 1, message, args, info)
    rec.created = 1762740000.25  # 2025-11-10 02:00:00.250 UTC
    return rec


def test_one_json_object_per_line() -> None:
    line = JsonFormatter().format(record("sweep %s: %d queued", "r:1", 3))
    assert "\n" not in line
    assert json.loads(line) == {
        "time": "2025-11-10T02:00:00.250+00:00",
        "level": "WARNING",
        "logger": "gopy.test",
        "message": "sweep r:1: 3 queued",
    }


def test_the_exception_is_kept_on_the_same_line() -> None:
    line = JsonFormatter().format(record("send failed", exc=True))
    assert "\n" not in line
    data = json.loads(line)
    assert data["message"] == "send failed"
    assert data["exception"].startswith("Traceback")
    assert "ValueError: boom" in data["exception"]


def test_vietnamese_stays_readable() -> None:
    assert "Ngọc Hà" in JsonFormatter().format(record("phường Ngọc Hà"))


def test_text_is_the_default_format() -> None:
    assert not isinstance(formatter("text"), JsonFormatter)
    assert isinstance(formatter("json"), JsonFormatter)


@pytest.mark.usefixtures("restore_root")
def test_configure_logging_writes_json_to_the_handler(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("json")
    (handler,) = logging.getLogger().handlers
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    handler.setStream(stream)
    logging.getLogger("scheduler.delivery").info("outbox: %d sent", 5)
    assert json.loads(stream.getvalue())["message"] == "outbox: 5 sent"
