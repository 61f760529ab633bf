"""SQLite's text search index (the FTS5 table `emails_fts`, trigrams of each email's subject, sender and
snippet), which may lag behind the emails after a flood (migration 0006).

Every email up to the mark `search_index.indexed_upto` is indexed, none after it. A poll's emails are indexed
in the transaction that stores them when the index is complete and the mailbox has nothing more waiting
(the usual case: a few emails every few minutes). A flood's are left for `index_pending`, which the triage
loop runs once the flood is stored and triaged, in id order: indexing costs more than storing the email
itself, and the operator needs the emails triaged first. Meanwhile a search matches the emails after the
mark with LIKE (see queue_reads), so it finds the same emails at any moment. PostgreSQL has no such table:
its trigram indexes are part of the table."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from sqlalchemy import Integer, column, func, select, table, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from emailbot_gui.store import bulk
from emailbot_gui.store.models import EMAILS_TABLE

INDEX_CHUNK = 500  # emails indexed per transaction when catching up (about 0.1 s of SQLite's time each)
SEARCH_MARK = table("search_index", column("indexed_upto", Integer))
_FTS_INSERT = "INSERT INTO emails_fts(rowid, subject, sender_address, sender_name, snippet) VALUES (?, ?, ?, ?, ?)"
_FTS_COLUMNS = (EMAILS_TABLE.c.subject, EMAILS_TABLE.c.sender_address, EMAILS_TABLE.c.sender_name,
                EMAILS_TABLE.c.snippet)


class SearchIndexMixin:
    session: async_sessionmaker[AsyncSession]
    write: Callable[[], AbstractAsyncContextManager[AsyncSession]]  # EmailStore.write
    _has_fts: Callable[[AsyncSession], Any]  # QueueReadsMixin._has_fts

    async def _index_new(self, s: AsyncSession, rows: Sequence[tuple[int, dict[str, Any]]], *, now: bool) -> None:
        """Within ingest's transaction: index these new emails (id, row) if `now` and the index is complete up
        to them; else they wait for `index_pending`, keeping the index in id order. An id at or below the mark
        (SQLite gives a new email the id of the newest one if that was deleted) is indexed here in any case:
        the catch-up starts after the mark."""
        if not rows or not await self._has_fts(s):
            return
        mark = await _mark(s)
        ordered = sorted(rows, key=lambda r: r[0])
        below = [r for r in ordered if r[0] <= mark]
        above = ordered[len(below):]
        if above and (not now or await s.scalar(select(EMAILS_TABLE.c.id).where(
                EMAILS_TABLE.c.id > mark, EMAILS_TABLE.c.id < above[0][0]).limit(1)) is not None):
            above = []  # a flood, or the index lags already: the catch-up indexes these, in order
        if below or above:
            await bulk.execute_many(s, _FTS_INSERT, [
                (i, r["subject"], r["sender_address"], r["sender_name"], r["snippet"]) for i, r in below + above])
        if above:
            await s.execute(text("UPDATE search_index SET indexed_upto = :upto"), {"upto": above[-1][0]})

    async def index_pending(self, limit: int = INDEX_CHUNK) -> int:
        """Index the next `limit` emails the search index lags behind by, in one transaction; returns how many
        (0: the index is complete)."""
        async with self.write() as s:
            if not await self._has_fts(s):
                return 0
            mark = await _mark(s)
            found = (await s.execute(select(EMAILS_TABLE.c.id, *_FTS_COLUMNS).where(EMAILS_TABLE.c.id > mark)
                                     .order_by(EMAILS_TABLE.c.id).limit(limit))).all()
            if found:
                await bulk.execute_many(s, _FTS_INSERT, [tuple(r) for r in found])
                await s.execute(text("UPDATE search_index SET indexed_upto = :upto"), {"upto": found[-1][0]})
            return len(found)

    async def index_all_pending(self) -> int:
        """`index_pending` until the index is complete; returns how many emails were indexed."""
        total = 0
        while done := await self.index_pending():
            total += done
        return total

    async def search_index_lag(self) -> int:
        """How many emails the search index lags behind by."""
        async with self.session() as s:
            if not await self._has_fts(s):
                return 0
            return int(await s.scalar(select(func.count()).select_from(EMAILS_TABLE)
                                      .where(EMAILS_TABLE.c.id > await _mark(s))) or 0)


async def _mark(s: AsyncSession) -> int:
    return int(await s.scalar(select(SEARCH_MARK.c.indexed_upto)) or 0)
