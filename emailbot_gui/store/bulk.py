"""Many rows written at once: one executemany per chunk of rows, inside the caller's transaction.

On SQLite (the default store) the rows go to the driver as tuples, with each value converted here exactly as
SQLAlchemy's column types would convert it (aware datetimes to naive UTC text, JSON to text); preparing
parameters through SQLAlchemy costs several times what SQLite then spends writing them, and a flood writes
every email four times over (ingest, then classified, enriched and proposed). On other databases the rows go
through SQLAlchemy Core as before. `tests/store/test_bulk_writes.py` checks that both write the same bytes."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, Table, and_, bindparam, insert, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeDecorator

from emailbot_gui.store.db import json_text
from emailbot_gui.store.models import UtcDateTime

CHUNK = 100  # rows per executemany: their values are prepared in one go on the event loop's thread
Converter = Callable[[Any], Any]


async def insert_rows(s: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT every row (dicts with the same keys) into `table`."""
    if not rows:
        return
    columns = list(rows[0])
    if await _is_sqlite(s):
        names = ", ".join(_quoted(c) for c in columns)
        sql = f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' * len(columns))})"
        await _driver_executemany(s, sql, table, columns, columns, rows)
    else:
        for start in range(0, len(rows), CHUNK):
            await s.execute(insert(table), list(rows[start:start + CHUNK]))


async def update_rows(s: AsyncSession, table: Table, where: Mapping[str, str], rows: Sequence[dict[str, Any]],
                      fixed: Mapping[str, Any] | None = None) -> None:
    """UPDATE `table` once per row (dicts with the same keys). `where` maps row keys to the columns they must
    equal (the row's other keys are columns to set); the `fixed` columns are set to the same value in every
    row."""
    if not rows:
        return
    setting = [k for k in rows[0] if k not in where]
    fixed = fixed or {}
    if await _is_sqlite(s):
        assignments = ", ".join(f"{_quoted(c)} = ?" for c in [*setting, *fixed])
        condition = " AND ".join(f"{_quoted(c)} = ?" for c in where.values())
        sql = f"UPDATE {table.name} SET {assignments} WHERE {condition}"
        fixed_values = tuple(v if (convert := _converter(table.c[c])) is None else convert(v) for c, v in fixed.items())
        columns = [*setting, *where.values()]
        await _driver_executemany(s, sql, table, columns, [*setting, *where], rows, fixed_values, len(setting))
        return
    stmt = (update(table).where(and_(*(table.c[c] == bindparam(f"w_{k}") for k, c in where.items())))
            .values({**{c: bindparam(f"v_{c}", type_=table.c[c].type) for c in setting}, **fixed}))
    params = [{(f"w_{k}" if k in where else f"v_{k}"): v for k, v in r.items()} for r in rows]
    for start in range(0, len(params), CHUNK):
        await s.execute(stmt, params[start:start + CHUNK])


async def execute_many(s: AsyncSession, sql: str, params: Sequence[tuple[Any, ...]]) -> None:
    """SQL in the database's own dialect and parameter style, once per tuple of `params`."""
    conn = await s.connection()
    for start in range(0, len(params), CHUNK):
        await conn.exec_driver_sql(sql, list(params[start:start + CHUNK]))


async def _driver_executemany(s: AsyncSession, sql: str, table: Table, columns: Sequence[str], keys: Sequence[str],
                              rows: Sequence[dict[str, Any]], fixed: tuple[Any, ...] = (), fixed_at: int = 0) -> None:
    """`sql` once per row, with the rows' `keys` (holding values of `columns`) as its parameters and `fixed`
    inserted among them at `fixed_at`."""
    converters = [_converter(table.c[c]) for c in columns]
    conn = await s.connection()
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        if all(convert is None for convert in converters):
            params = [tuple(r[k] for k in keys) for r in chunk]
        else:
            params = [tuple(r[k] if convert is None else convert(r[k])
                            for k, convert in zip(keys, converters, strict=True)) for r in chunk]
        if fixed:
            params = [p[:fixed_at] + fixed + p[fixed_at:] for p in params]
        await conn.exec_driver_sql(sql, params)


async def _is_sqlite(s: AsyncSession) -> bool:
    return (await s.connection()).dialect.name == "sqlite"


def _quoted(name: str) -> str:
    return f'"{name}"'


def _converter(column: Column[Any]) -> Converter | None:
    """How SQLAlchemy turns a Python value of this column into what SQLite stores; None: unchanged."""
    kind = column.type
    if isinstance(kind, UtcDateTime):
        return _sqlite_datetime
    if isinstance(kind, JSON):
        return json_text  # None too: SQLAlchemy stores JSON's null, not SQL NULL (none_as_null is off)
    if isinstance(kind, TypeDecorator):
        raise TypeError(f"no SQLite conversion for {column}'s type {kind!r}: add one here")
    return None


def _sqlite_datetime(value: datetime | None) -> str | None:
    """UtcDateTime's bind step, then SQLite DATETIME's text form (always with microseconds, the year in four
    digits: isoformat's, with a space)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the store; use an aware UTC datetime")
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")
