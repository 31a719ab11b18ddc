"""SQLAlchemy's aiosqlite adapter, with each statement run in one hop to aiosqlite's thread.

aiosqlite runs every call of the sqlite3 connection in a thread of its own; SQLAlchemy's
adapter makes four such calls per statement (open a cursor, execute, fetch, close), each a
round trip between the event loop and that thread, and such hops were most of what a
statement cost (tests/bench/README.md, the weekly-report conversation). Here one function does
the four in the thread, and the adapter's cursor keeps what it returned.

It relies on two attributes of aiosqlite's ``Connection`` that SQLAlchemy's own adapter uses
as well (``_conn``, the sqlite3 connection, and ``_execute``, which runs a function in the
thread); tests/integration/test_sqlite_driver.py checks they still exist.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)


class _Done:
    """What a statement left behind, standing in for aiosqlite's cursor (already closed)."""

    __slots__ = ("arraysize", "description", "lastrowid", "rowcount")

    def __init__(self) -> None:
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    def close(self) -> None:
        """Closed in the thread, after the fetch."""


def _run(
    connection: sqlite3.Connection, operation: str, parameters: Any, many: bool
) -> tuple[Any, int, int | None, list[Any]]:
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        else:
            cursor.execute(operation, () if parameters is None else parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()
    _awaitable_cursor_close = False

    def _make_new_cursor(self, connection: Any) -> Any:
        return _Done()

    def _aenter_cursor(self, cursor: Any) -> Any:
        return cursor

    async def _hop(self, operation: Any, parameters: Any, many: bool) -> None:
        async with self._adapt_connection._execute_mutex:
            driver: Any = self._connection
            done: _Done = self._cursor  # type: ignore[assignment]
            result = await driver._execute(_run, driver._conn, operation, parameters, many)
            done.description, done.rowcount, done.lastrowid, rows = result
            self._rows = collections.deque(rows)

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        await self._hop(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        await self._hop(operation, seq_of_parameters, many=True)


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneHopCursor


class OneHopDbapi(AsyncAdapt_aiosqlite_dbapi):
    """The aiosqlite DBAPI shim whose connections use ``OneHopCursor``."""

    def connect(self, *args: Any, **kwargs: Any) -> AsyncAdapt_aiosqlite_connection:
        adapted = super().connect(*args, **kwargs)
        # The same slots: only the cursor class differs.
        adapted.__class__ = OneHopConnection
        return adapted


def one_hop_dbapi() -> OneHopDbapi:
    """For ``create_async_engine(url, module=…)`` on a ``sqlite+aiosqlite`` URL."""
    import aiosqlite

    return OneHopDbapi(aiosqlite, sqlite3)


def _run_all(connection: sqlite3.Connection, statements: list[tuple[str, Any]]) -> None:
    for operation, parameters in statements:
        connection.execute(operation, parameters).close()


async def execute_all(driver: Any, statements: list[tuple[str, Any]]) -> None:
    """Run writes on aiosqlite connection ``driver``, in order, in one hop to its thread."""
    await driver._execute(_run_all, driver._conn, statements)
