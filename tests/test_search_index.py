"""The search index catching up after a flood (store/search_index.py, migration 0006): a flood's emails are
stored and triaged first and indexed right after, a poll's few emails are indexed at once, search finds
the same emails whether they are indexed yet or not, and editing or deleting an email the index does not have
yet leaves the index sound."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from emailbot_gui.config.settings import Settings
from emailbot_gui.mail.parse import parse_message
from emailbot_gui.pipeline.enrichment import EnrichmentGateway
from emailbot_gui.pipeline.triage_loop import TriageLoop
from emailbot_gui.services.events import EventHub
from emailbot_gui.store.db import sqlite_url
from emailbot_gui.store.email_store import EmailStore
from tests.test_store_batches import (
    QUERIES,
    SUBJECTS,
    Drafter,
    Labeller,
    Mailbox,
    _upgrade_to,
    email,
    ids_matching,
    raw,
)


@pytest.fixture
async def store(tmp_path: Path):
    s = await EmailStore.open(sqlite_url(tmp_path / "q.db"))
    yield s
    await s.close()


def indexed_ids(path: Path, word: str) -> list[int]:
    con = sqlite3.connect(path)
    try:
        return sorted(r[0] for r in con.execute("SELECT rowid FROM emails_fts WHERE emails_fts MATCH ?",
                                                (f'"{word}"',)))
    finally:
        con.close()


def index_is_sound(path: Path, *, complete: bool = True) -> bool:
    """FTS5's own check of the index; when it is `complete`, against the emails too (every one must be in it
    with its current values)."""
    con = sqlite3.connect(path)
    try:
        con.execute("INSERT INTO emails_fts(emails_fts, rank) VALUES ('integrity-check', ?)", (int(complete),))
        return True
    except sqlite3.DatabaseError:
        return False
    finally:
        con.close()


def flood_emails(start: int) -> list:
    return [email(start + i, s) for i, s in enumerate(SUBJECTS)]


async def test_search_finds_a_floods_emails_before_and_after_the_index_catches_up(store: EmailStore,
                                                                                 tmp_path: Path) -> None:
    early = (await store.ingest("test", flood_emails(0))).new_ids  # a quiet poll: indexed at once
    assert await store.search_index_lag() == 0 and indexed_ids(tmp_path / "q.db", "vpn") == [early[0], early[6]]
    flood = (await store.ingest("test", flood_emails(100), more_waiting=True)).new_ids
    last = (await store.ingest("test", flood_emails(200))).new_ids  # the flood's last batch: still behind
    assert await store.search_index_lag() == len(flood) + len(last)
    assert indexed_ids(tmp_path / "q.db", "vpn") == [early[0], early[6]]  # the flood is not in the index yet
    before = {q: await ids_matching(store, q) for q in QUERIES}
    assert before["vpn"] == sorted([early[0], early[6], flood[0], flood[6], last[0], last[6]])

    assert await store.index_all_pending() == len(flood) + len(last)
    assert await store.search_index_lag() == 0 and index_is_sound(tmp_path / "q.db")
    assert indexed_ids(tmp_path / "q.db", "vpn") == before["vpn"]
    assert {q: await ids_matching(store, q) for q in QUERIES} == before  # the same results either way
    after = (await store.ingest("test", flood_emails(300))).new_ids  # caught up: a poll is indexed at once
    assert await store.search_index_lag() == 0 and after[0] in indexed_ids(tmp_path / "q.db", "vpn")


async def test_editing_or_deleting_an_email_not_indexed_yet_leaves_the_index_sound(store: EmailStore,
                                                                                   tmp_path: Path) -> None:
    indexed = (await store.ingest("test", flood_emails(0))).new_ids
    waiting = (await store.ingest("test", flood_emails(100), more_waiting=True)).new_ids
    con = sqlite3.connect(tmp_path / "q.db")
    with con:  # an edit and a deletion of each kind (the index's triggers fire only for what it has)
        con.execute("UPDATE emails SET subject = 'Keyboard missing keys' WHERE id = ?", (waiting[0],))
        con.execute("DELETE FROM email_content WHERE email_id = ?", (waiting[1],))
        con.execute("DELETE FROM emails WHERE id = ?", (waiting[1],))
        con.execute("UPDATE emails SET subject = 'Monitor flickers' WHERE id = ?", (indexed[0],))
    con.close()
    assert index_is_sound(tmp_path / "q.db", complete=False)
    assert await ids_matching(store, "keyboard") == [waiting[0]] and await ids_matching(store, "flickers") == [
        indexed[0]]
    await store.index_all_pending()
    assert index_is_sound(tmp_path / "q.db")
    assert indexed_ids(tmp_path / "q.db", "keyboard") == [waiting[0]] and waiting[1] not in indexed_ids(
        tmp_path / "q.db", "printer")
    assert await ids_matching(store, "vpn drops") == [indexed[6], waiting[6]]  # the first of each was edited


async def test_an_email_given_the_id_of_a_deleted_one_is_indexed_at_once_even_in_a_flood(store: EmailStore,
                                                                                         tmp_path: Path) -> None:
    ids = (await store.ingest("test", flood_emails(0))).new_ids
    con = sqlite3.connect(tmp_path / "q.db")
    with con:  # the newest email deleted: SQLite gives the next email its id, which the index is already past
        con.execute("DELETE FROM email_content WHERE email_id = ?", (ids[-1],))
        con.execute("DELETE FROM emails WHERE id = ?", (ids[-1],))
    con.close()
    again = (await store.ingest("test", [email(50, "Scanner offline")], more_waiting=True)).new_ids
    assert again == [ids[-1]] and indexed_ids(tmp_path / "q.db", "scanner") == again
    assert await ids_matching(store, "scanner") == again and index_is_sound(tmp_path / "q.db")


async def test_the_loop_triages_a_flood_first_and_indexes_it_after(store: EmailStore, tmp_path: Path) -> None:
    raws = [raw(i, f"Printer {i}" if i % 2 else f"Mail {i}") for i in range(600)]
    loop = TriageLoop(store, Mailbox(raws), Labeller(), EnrichmentGateway([]), Drafter(),  # type: ignore[arg-type]
                      Settings(batch_size=20), EventHub(), parse_message, poll_interval=60)
    report, stats = await loop.cycle()
    assert report.fetched == 600 and stats.proposed == 600
    lag = await store.search_index_lag()
    assert 0 < lag <= 600 and len(await ids_matching(store, "printer")) == 300
    assert await loop.catch_up_search_index() == lag
    assert await store.search_index_lag() == 0 and len(indexed_ids(tmp_path / "q.db", "printer")) == 300
    assert index_is_sound(tmp_path / "q.db")


async def test_a_poll_asked_for_interrupts_the_catch_up(store: EmailStore) -> None:
    await store.ingest("test", flood_emails(0) * 1, more_waiting=True)
    loop = TriageLoop(store, Mailbox([]), Labeller(), EnrichmentGateway([]), Drafter(),  # type: ignore[arg-type]
                      Settings(), EventHub(), parse_message, poll_interval=60)
    loop.poll_now()
    assert await loop.catch_up_search_index() == 0 and await store.search_index_lag() == len(SUBJECTS)


def test_going_back_to_0005_indexes_what_lagged(tmp_path: Path) -> None:
    import asyncio

    url = sqlite_url(tmp_path / "q.db")

    async def flood() -> None:
        s = await EmailStore.open(url)
        await s.ingest("test", flood_emails(0), more_waiting=True)
        await s.close()

    asyncio.run(flood())
    assert indexed_ids(tmp_path / "q.db", "vpn") == []
    _upgrade_to("0005", url, down=True)  # the previous version expects every email indexed
    assert indexed_ids(tmp_path / "q.db", "vpn") == [1, 7] and index_is_sound(tmp_path / "q.db")
    con = sqlite3.connect(tmp_path / "q.db")
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
    con.close()
    assert "search_index" not in names
