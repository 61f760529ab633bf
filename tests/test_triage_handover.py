"""A cycle's poll hands what it stores straight on to classification (TriageLoop._fresh): the emails handed
on are exactly those the store gives back, the results are those of a loop that reads every email back, and
while FRESH_KEPT stored emails wait the poll fetches no more (the mail stays on the server)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from benchmarks.corpus import SyntheticMailbox, synthetic_corpus
from benchmarks.flood import demo_runtime
from emailbot_gui.connectors.base import RawMessage
from emailbot_gui.core.lifecycle import EmailState
from emailbot_gui.core.types import Address, Email
from emailbot_gui.demo.corpus import generate_corpus
from emailbot_gui.mail.parse import parse_each, parse_message
from emailbot_gui.pipeline import triage_loop
from emailbot_gui.store.db import sqlite_url
from emailbot_gui.store.email_store import EmailStore


async def test_the_emails_an_ingest_hands_on_are_those_the_store_gives_back(tmp_path: Path) -> None:
    store = await EmailStore.open(sqlite_url(tmp_path / "q.db"))
    try:
        emails = [parse_message(RawMessage(provider_id=d.filename, raw=d.raw, origin=d.filename), "demo")
                  for d in generate_corpus(count=80)]
        long_sender = Email(source="elsewhere", provider_id="long", message_id="<long@example.test>",
                            subject="Long sender", sender=Address("a" * 400 + "@example.test", "N" * 400),
                            received_at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC), body_text="Hello")
        result = await store.ingest("demo", [*emails, emails[0], long_sender])  # one duplicate, skipped
        assert result.duplicates == 1 and len(result.new_emails) == len(result.new_ids) == 81
        assert result.new_emails == [e for _, e in await store.load_emails(result.new_ids)]
        assert result.new_emails[-1].sender.address == ("a" * 400 + "@example.test")[:320]
    finally:
        await store.close()


async def _triage(data_dir: Path, raws: list[bytes], *, cycle: bool) -> tuple[dict[str, tuple], dict[str, int]]:
    runtime = await demo_runtime(data_dir)
    calls = {"read_back": 0, "waits": 0}
    store, loop = runtime.store, runtime.loop
    load_emails, load_in_state, room = store.load_emails, store.load_in_state, loop._room_for_fresh

    async def counted_load_emails(ids):  # type: ignore[no-untyped-def]
        calls["read_back"] += len(ids)
        return await load_emails(ids)

    async def counted_load_in_state(state, limit, after_id=0):  # type: ignore[no-untyped-def]
        found = await load_in_state(state, limit, after_id=after_id)
        calls["read_back"] += len(found)
        return found

    async def counted_room() -> None:
        if loop._fresh.full:
            calls["waits"] += 1
        await room()

    store.load_emails, store.load_in_state = counted_load_emails, counted_load_in_state  # type: ignore[method-assign]
    loop._room_for_fresh = counted_room  # type: ignore[method-assign]
    try:
        loop.source = SyntheticMailbox(raws)
        if cycle:
            report, _ = await loop.cycle()
        else:
            report = await loop.poll()
            await loop.process_pending()
        assert report.fetched == len(raws)
        assert await store.count_in_states([EmailState.AWAITING_REVIEW]) == len(raws)
        assert not loop._fresh  # nothing held in memory after the cycle
        counted = dict(calls)
        rows = await store.load_emails(await store.ids_in_state(EmailState.AWAITING_REVIEW, len(raws)))
        results = {}
        for i, email in rows:
            detail = await store.detail(i)
            assert detail is not None and detail.classification is not None and detail.proposal is not None
            results[email.provider_id] = (detail.classification, detail.proposal.reply_text)
        return results, counted
    finally:
        await runtime.close()


async def test_a_cycle_triages_what_its_poll_stored_without_reading_it_back(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    raws = synthetic_corpus(700, seed=7)
    monkeypatch.setattr(triage_loop, "FRESH_KEPT", 150)  # so the poll has to wait for room
    handed_on, calls = await _triage(tmp_path / "cycle", raws, cycle=True)
    read_back, sequential = await _triage(tmp_path / "sequential", raws, cycle=False)
    assert handed_on == read_back  # the same classifications and drafts, to the word
    assert sequential["read_back"] == len(raws)  # a poll on its own, then processing: all read back
    assert calls["read_back"] < len(raws) // 2 and calls["waits"] >= 1


async def test_a_flood_is_parsed_in_the_parse_pool_whenever_it_takes_a_batch(tmp_path: Path) -> None:
    class Pool:  # a flood worker that takes every other batch (the loop parses the others itself)
        def __init__(self) -> None:
            self.taken: list[int] = []
            self.refused = 0

        async def parse(self, parser, messages, source):  # type: ignore[no-untyped-def]
            if len(self.taken) == self.refused:
                self.refused += 1
                return None
            self.taken.append(len(messages))
            return parse_each(parser, messages, source)

    runtime = await demo_runtime(tmp_path)
    try:
        runtime.loop.parse_pool = pool = Pool()
        runtime.loop.source = SyntheticMailbox([*synthetic_corpus(500, seed=3), b"", b"no headers here\r\n"])
        report, _ = await runtime.loop.cycle()
        assert (report.fetched, report.quarantined) == (500, 2)  # unparseable in either place: quarantined
        assert await runtime.store.count_in_states([EmailState.AWAITING_REVIEW]) == 500
        assert pool.taken and pool.refused and 0 < sum(pool.taken) < 502
    finally:
        await runtime.close()


async def test_the_poll_waits_for_room_only_while_a_full_pass_waits(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(triage_loop, "FRESH_BYTES", 1_000_000)
    runtime = await demo_runtime(tmp_path)
    try:
        loop = runtime.loop
        size = loop._pass_size()
        big = [Email(source="t", provider_id=str(i), message_id=f"<{i}@t>", subject="s", sender=Address("a@t.example"),
                     received_at=datetime(2026, 3, 1, tzinfo=UTC), size=20_000) for i in range(size + 10)]
        loop._cycling = True
        loop._fresh.add(range(1, 51), big[:50])  # 1 MB: full, but less than a pass (processing waits for more)
        assert loop._fresh.full and len(loop._fresh) < size
        await asyncio.wait_for(loop._room_for_fresh(), 2)  # so the poll does not wait: it fetches on
        loop._fresh.clear()
        monkeypatch.setattr(triage_loop, "FRESH_BYTES", 10_000_000)
        monkeypatch.setattr(triage_loop, "FRESH_KEPT", size)
        loop._fresh.add(range(1, size + 11), big)  # a full pass and more: the poll waits for it to be taken
        waiting = asyncio.ensure_future(loop._room_for_fresh())
        await asyncio.sleep(0.2)
        assert not waiting.done()
        loop._taken_on(size)  # processing took a pass
        await asyncio.wait_for(waiting, 2)
        assert len(loop._fresh) == 10
    finally:
        runtime.loop._cycling = False
        await runtime.close()
