"""Opening the database: engine creation, SQLite tuning (WAL), schema migrations with a backup first,
and clear errors for a database that is locked or was written by a newer version of the app."""

from __future__ import annotations

import json
import logging
import re
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_REVISION = re.compile(r"""^revision\s*=\s*["']([^"']+)["']""", re.MULTILINE)
_DOWN_REVISION = re.compile(r"""^down_revision\s*=\s*["']([^"']+)["']""", re.MULTILINE)


class StoreError(Exception):
    """The database cannot be used; the message tells the operator why and what to do."""


class DatabaseTooNew(StoreError):
    pass


class DatabaseLocked(StoreError):
    pass


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def _alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
    dbapi_connection.create_function(UNICODE_LOWER, 1, unicode_lower, deterministic=True)


UNICODE_LOWER = "emailbot_lower"  # SQLite's own lower() changes ASCII letters only


def unicode_lower(text: str | None) -> str | None:
    """Lower case as the search index's trigrams fold it ("Ärger" finds "ärger"), for what it has not indexed."""
    return text.lower() if isinstance(text, str) else text


def json_text(value: Any) -> str:
    """JSON for the database's JSON columns: orjson (several times faster than the standard library, and this
    runs for every stored email), the standard library for what orjson refuses (integers beyond 64 bits)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(value)


def json_value(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # NaN or Infinity, which the standard library wrote for such floats
        return json.loads(text)


def create_engine(url: str) -> AsyncEngine:
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"json_serializer": json_text, "json_deserializer": json_value}
    if parsed.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"timeout": 5}
    engine = create_async_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _set_sqlite_pragmas)
    return engine


def _current_revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def _recorded_revision(conn: Connection) -> str | None:
    """The schema revision the database records, read without Alembic (None: none recorded)."""
    if not conn.dialect.has_table(conn, "alembic_version"):
        return None
    rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    return str(rows[0][0]) if len(rows) == 1 else None


def _head_revision() -> str | None:
    """This version's head revision from the migration files' `revision` / `down_revision` lines, or None
    when that is not clear-cut (then Alembic decides)."""
    revisions: set[str] = set()
    downs: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        if (revision := _REVISION.search(text)) is not None:
            revisions.add(revision[1])
        if (down := _DOWN_REVISION.search(text)) is not None:
            downs.add(down[1])
    heads = revisions - downs
    return heads.pop() if len(heads) == 1 else None


def _backup_sqlite(path: Path, revision: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.stem}.backup-{revision}-{stamp}{path.suffix}")
    src = sqlite3.connect(path)
    try:
        dst = sqlite3.connect(target)
        with dst:
            src.backup(dst)
        dst.close()
    finally:
        src.close()
    return target


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to this version's head, refusing a database from a newer version."""
    try:
        async with engine.connect() as conn:
            recorded = await conn.run_sync(_recorded_revision)
    except OperationalError as exc:
        raise _explain(exc, engine) from exc
    if recorded is not None and recorded == _head_revision():
        return  # the usual start: up to date, and Alembic (0.1 s to import) is not needed
    from alembic import command
    from alembic.script import ScriptDirectory

    cfg = _alembic_config()
    script = ScriptDirectory.from_config(cfg)
    head = script.get_current_head()
    known = {rev.revision for rev in script.walk_revisions()}
    try:
        async with engine.connect() as conn:
            current = await conn.run_sync(_current_revision)
    except OperationalError as exc:
        raise _explain(exc, engine) from exc
    if current is not None and current not in known:
        raise DatabaseTooNew(
            f"The database at {_describe(engine)} was written by a newer version of EmailBot Console "
            f"(schema {current}). Update the app, or start with another --data-dir.")
    if current == head:
        return
    url = engine.url
    if current is not None and url.get_backend_name() == "sqlite" and url.database:
        backup = _backup_sqlite(Path(url.database), current)
        log.info("backed up the database to %s before migrating", backup)

    def upgrade(conn: Connection) -> None:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")

    try:
        async with engine.begin() as conn:
            await conn.run_sync(upgrade)
    except OperationalError as exc:
        raise _explain(exc, engine) from exc
    log.info("database schema %s -> %s", current or "(empty)", head)


def _describe(engine: AsyncEngine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _explain(exc: OperationalError, engine: AsyncEngine) -> StoreError:
    text = str(exc.orig) if exc.orig else str(exc)
    if "locked" in text or "busy" in text:
        return DatabaseLocked(
            f"The database at {_describe(engine)} is locked by another program (is another EmailBot "
            "Console running on the same data folder?). Close it and try again.")
    return StoreError(f"Cannot open the database at {_describe(engine)}: {text}")


def ensure_parent(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.disk_usage(path.parent)  # raises early on an unusable folder
