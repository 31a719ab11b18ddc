"""Many rows into one table in one go, skipping those whose key is taken: a city's reminder
sweep queues 100,000 letters at once.

SQLAlchemy's executemany binds every value of every row through its column's type (≈ 30 µs a
row for the outbox). Here each column's bind processor runs once per distinct value (most
columns of a sweep's letters hold one value for all) and the rows go to the driver as they
are: one ``executemany`` on SQLite; on PostgreSQL one ``INSERT … SELECT … FROM unnest(…)``,
each column an array that asyncpg sends in binary, and a column that holds one value for every
row a single parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import JSON, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

from storage.database import writes_past_the_session

# Rows per statement on PostgreSQL: bounds the size of one message to the server.
CHUNK = 50_000


async def insert_new(
    session: AsyncSession,
    table: Table,
    columns: Mapping[str, Sequence[Any]],
    *,
    key: str,
    same: Mapping[str, Any] | None = None,
) -> int:
    """Insert the rows given column by column (``columns``: name → one value per row) with the
    values every row shares (``same``), leaving out rows whose ``key`` is already in the table
    (``ON CONFLICT (key) DO NOTHING``; ``key`` must be among ``columns``); returns how many
    were inserted.

    Values are given as for the ORM (aware datetimes, enums, dicts for JSON) and stored as it
    stores them: each goes through its column type's bind processor.
    """
    same = dict(same or {})
    count = len(columns[key])
    if count == 0:
        return 0
    assert all(len(values) == count for values in columns.values()), "ragged columns"
    connection = await session.connection()
    # Past the session: no event of its own says that it wrote.
    writes_past_the_session(session)
    dialect = connection.dialect
    varying = {name: _bound(table, name, values, dialect) for name, values in columns.items()}
    fixed = {name: _bound(table, name, [value], dialect)[0] for name, value in same.items()}
    quote = dialect.identifier_preparer.quote
    target = dialect.identifier_preparer.format_table(table)
    names = [*varying, *fixed]
    into = f"INSERT INTO {target} ({', '.join(quote(name) for name in names)})"
    conflict = f"ON CONFLICT ({quote(key)}) DO NOTHING"
    if dialect.name == "postgresql":
        inserted = 0
        statement = _unnest(table, varying, fixed, dialect)
        for start in range(0, count, CHUNK):
            arrays = [values[start : start + CHUNK] for values in varying.values()]
            result = await connection.exec_driver_sql(
                f"{into} {statement} {conflict}", (*arrays, *fixed.values())
            )
            inserted += int(result.rowcount)
        return inserted
    marks = ", ".join("?" for _ in names)
    shared = ([value] * count for value in fixed.values())
    rows = list(zip(*varying.values(), *shared, strict=True))
    result = await connection.exec_driver_sql(f"{into} VALUES ({marks}) {conflict}", rows)
    return int(result.rowcount)


def _bound(table: Table, name: str, values: Sequence[Any], dialect: Dialect) -> list[Any]:
    """``values`` as the driver takes them for column ``name``: through the type's bind
    processor, once per distinct value (unhashable values, JSON's dicts, each time)."""
    process: Callable[[Any], Any] | None = table.c[name].type.bind_processor(dialect)
    if process is None:
        return list(values)
    if isinstance(table.c[name].type, JSON):
        return [process(value) for value in values]
    seen: dict[Any, Any] = {}
    out: list[Any] = []
    for value in values:
        try:
            out.append(seen[value])
        except KeyError:
            out.append(seen.setdefault(value, process(value)))
    return out


def _unnest(
    table: Table, varying: Mapping[str, Any], fixed: Mapping[str, Any], dialect: Dialect
) -> str:
    """``SELECT … FROM unnest($1::type[], …)`` with the shared values as ``$n::type``."""
    arrays = []
    picked = []
    for number, name in enumerate(varying, start=1):
        arrays.append(f"${number}::{_sql_type(table, name, dialect)}[]")
        picked.append(f"t{number}")
    for number, name in enumerate(fixed, start=len(varying) + 1):
        picked.append(f"${number}::{_sql_type(table, name, dialect)}")
    aliases = ", ".join(f"t{number}" for number in range(1, len(varying) + 1))
    # Names and types come from the table's metadata, values only as parameters.
    return f"SELECT {', '.join(picked)} FROM unnest({', '.join(arrays)}) AS rows({aliases})"  # noqa: S608


def _sql_type(table: Table, name: str, dialect: Dialect) -> str:
    return str(table.c[name].type.compile(dialect=dialect))
