"""How ``gopy run`` and ``gopy scheduler`` log: plain lines, or JSON lines (GOPY_LOG_FORMAT=json).

A JSON line holds the time (ISO 8601, UTC), the level, the logger's name, the message and, when
there is one, the exception's traceback: what a log collector (Loki, Elasticsearch, journald's
JSON) indexes without a parser of its own. Only the message is the program's words; gopy's
logs carry no personal data at INFO, and the formatter adds none (no arguments, no extras).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Literal

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, str] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        # ensure_ascii=False: Vietnamese stays readable; json escapes the newlines of a trace.
        return json.dumps(line, ensure_ascii=False)


def formatter(kind: Literal["text", "json"]) -> logging.Formatter:
    return JsonFormatter() if kind == "json" else logging.Formatter(TEXT_FORMAT)


def configure_logging(kind: Literal["text", "json"], level: int = logging.INFO) -> None:
    """Log to stderr at ``level`` in ``kind``; replaces handlers set before (a second call)."""
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(kind))
    logging.basicConfig(level=level, handlers=[handler], force=True)
