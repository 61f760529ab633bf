"""The store's bulk writes (`store/bulk.py`): on SQLite the rows go to the driver as tuples converted by the
app, so what lands in the file must be exactly what SQLAlchemy's own column types write; on PostgreSQL they
go through SQLAlchemy. Both are checked here by writing the same rows both ways and reading them back."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import bindparam, insert, select, update

from emailbot_gui.core.lifecycle import EmailState
from emailbot_gui.store import bulk
from emailbot_gui.store.db import sqlite_url
from emailbot_gui.store.email_store import EmailStore
from emailbot_gui.store.models import AUDIT_TABLE, CONTENT_TABLE, EMAILS_TABLE

BERLIN = timezone(timedelta(hours=1))
CLASSIFIED = {"category": "vpn", "urgency": "high", "confidence": 0.5}


def email_rows() -> list[dict[str, Any]]:
    base = {"source": "s", "message_id": "", "thread_id": "", "in_reply_to": "", "sender_address": "a@b.example",
            "sender_name": "Ä Bé", "snippet": "", "size": 10, "state": "new", "state_reason": "", "retries": 0,
            "flagged": 0, "category": "", "urgency": None, "confidence": None}
    return [
        {**base, "provider_id": "1", "subject": "plain", "received_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
         "updated_at": datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)},
        {**base, "provider_id": "2", "subject": "zoned 😀", "urgency": 3, "confidence": 0.125,
         "received_at": datetime(2026, 7, 1, 23, 30, tzinfo=BERLIN),  # a local time: stored as UTC
         "updated_at": datetime(9, 3, 4, 0, 0, 0, 7, tzinfo=UTC)},  # a year below 1000 keeps four digits
    ]


def content_rows(ids: list[int]) -> list[dict[str, Any]]:
    return [
        {"email_id": ids[0], "headers": {"to": [], "n": 2**70}, "body_text": "x", "body_html": "", "attachments": [],
         "classification": None, "enrichment": None, "proposal": None, "raw": None},
        {"email_id": ids[1], "headers": {"ä": "ü", "nested": {"f": 1.5, "b": True, "n": None}}, "body_text": "",
         "body_html": "<p>", "attachments": [{"name": "a.pdf"}], "classification": {"c": "x"},
         "enrichment": [], "proposal": {"reply": "hi"}, "raw": b"\x00\xffraw"},
    ]


def audit_rows(ids: list[int]) -> list[dict[str, Any]]:
    at = datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC)
    return [{"at": at, "actor": "system", "action": "fetched", "email_id": i, "before": "", "after": "new",
             "details": {"k": [1, "二"]}} for i in ids] + [
        {"at": at, "actor": "system", "action": "note", "email_id": None, "before": "", "after": "", "details": {}}]


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every stored value with its SQLite storage class, as the file holds it."""
    con = sqlite3.connect(path)
    try:
        out = {}
        for table in ("emails", "email_content", "audit_events"):
            columns = [r[1] for r in con.execute(f"PRAGMA table_info({table})")]
            typed = ", ".join(f'"{c}", typeof("{c}")' for c in columns)
            out[table] = con.execute(f"SELECT {typed} FROM {table} ORDER BY rowid").fetchall()
        return out
    finally:
        con.close()


async def write_with_sqlalchemy(store: EmailStore) -> None:
    async with store.write() as s:
        await s.execute(insert(EMAILS_TABLE), email_rows())
        ids = list((await s.scalars(select(EMAILS_TABLE.c.id).order_by(EMAILS_TABLE.c.id))).all())
        await s.execute(insert(CONTENT_TABLE), content_rows(ids))
        await s.execute(insert(AUDIT_TABLE), audit_rows(ids))
        await s.execute(update(EMAILS_TABLE).where(EMAILS_TABLE.c.id == bindparam("b_id"),
                                                   EMAILS_TABLE.c.state == bindparam("b_was"))
                        .values(state=bindparam("b_state"), category=bindparam("b_cat"), state_reason="",
                                updated_at=datetime(2026, 5, 5, tzinfo=BERLIN)),
                        [{"b_id": i, "b_was": "new", "b_state": "classified", "b_cat": f"c{i}"} for i in ids])
        await s.execute(update(CONTENT_TABLE).where(CONTENT_TABLE.c.email_id == bindparam("b_id"))
                        .values(classification=bindparam("b_c", type_=CONTENT_TABLE.c.classification.type)),
                        [{"b_id": ids[0], "b_c": CLASSIFIED}, {"b_id": ids[1], "b_c": None}])


async def write_in_bulk(store: EmailStore) -> None:
    async with store.write() as s:
        await bulk.insert_rows(s, EMAILS_TABLE, email_rows())
        ids = list((await s.scalars(select(EMAILS_TABLE.c.id).order_by(EMAILS_TABLE.c.id))).all())
        await bulk.insert_rows(s, CONTENT_TABLE, content_rows(ids))
        await bulk.insert_rows(s, AUDIT_TABLE, audit_rows(ids))
        await bulk.update_rows(s, EMAILS_TABLE, {"id": "id", "was": "state"},
                               [{"state": "classified", "category": f"c{i}", "id": i, "was": "new"} for i in ids],
                               {"state_reason": "", "updated_at": datetime(2026, 5, 5, tzinfo=BERLIN)})
        await bulk.update_rows(s, CONTENT_TABLE, {"email_id": "email_id"},
                               [{"classification": CLASSIFIED, "email_id": ids[0]},
                                {"classification": None, "email_id": ids[1]}])


async def test_sqlite_bulk_writes_store_exactly_what_sqlalchemy_stores(tmp_path: Path) -> None:
    dumps = []
    for name, write in (("core", write_with_sqlalchemy), ("bulk", write_in_bulk)):
        store = await EmailStore.open(sqlite_url(tmp_path / f"{name}.db"))
        try:
            await write(store)
        finally:
            await store.close()
        dumps.append(dump(tmp_path / f"{name}.db"))
    assert dumps[0] == dumps[1]
    emails = dumps[1]["emails"]
    assert len(emails) == 2 and emails[1][2 * 10] == "2026-07-01 22:30:00.000000"  # received_at, in UTC
    assert emails[0][2 * 19] == "2026-05-04 23:00:00.000000"  # the fixed updated_at, in UTC


async def test_the_store_reads_back_bulk_writes_on_sqlite_and_postgresql(tmp_path: Path, fresh_postgres_url: str
                                                                         ) -> None:
    for url in (sqlite_url(tmp_path / "q.db"), fresh_postgres_url):
        store = await EmailStore.open(url)
        try:
            await write_in_bulk(store)
            ids = sorted(await store.identities(range(1, 10)))
            loaded = dict(await store.load_emails(ids))
            assert [loaded[i].subject for i in ids] == ["plain", "zoned 😀"]
            assert loaded[ids[1]].received_at == datetime(2026, 7, 1, 22, 30, tzinfo=UTC)
            assert loaded[ids[1]].body_html == "<p>"
            assert await store.count_in_states([EmailState.CLASSIFIED]) == 2
            assert (await store.load_classifications(ids)).keys() == {ids[0]}  # JSON null reads as nothing
        finally:
            await store.close()


def test_a_column_type_without_a_sqlite_conversion_is_refused() -> None:
    from sqlalchemy import Column, Integer, MetaData, Table
    from sqlalchemy.types import TypeDecorator

    class Odd(TypeDecorator[int]):
        impl = Integer
        cache_ok = True

    table = Table("odd", MetaData(), Column("x", Odd()))
    with pytest.raises(TypeError, match="no SQLite conversion"):
        bulk._converter(table.c.x)
