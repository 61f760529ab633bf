"""The whole loop on the demo mailbox, headless: every demo email reaches review exactly once,
customers are found in the demo database, a restart fetches nothing twice, and approved replies are
delivered once even when the app died between delivering and recording it."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from emailbot_gui.config.paths import AppPaths, resources_dir
from emailbot_gui.config.settings import Settings
from emailbot_gui.core.lifecycle import EmailState
from emailbot_gui.services.runtime import Mode, build_runtime
from emailbot_gui.store.views import QueueQuery

pytestmark = pytest.mark.slow


def corpus_size() -> int:
    with open(resources_dir() / "demo" / "labels.csv", newline="", encoding="utf-8") as fh:
        return sum(1 for _ in csv.DictReader(fh))


async def test_demo_corpus_goes_through_once_and_resumes(tmp_path):
    paths = AppPaths.resolve(tmp_path)
    runtime = await build_runtime(paths, Settings(batch_size=50), Mode(demo=True))
    try:
        report, stats = await runtime.loop.run_until_exhausted()
        total = corpus_size()
        assert report.fetched + report.quarantined == total >= 300
        counts = await runtime.store.counts()
        assert counts.get(EmailState.AWAITING_REVIEW, 0) == total - report.quarantined
        assert stats.failed == 0
        rows = await runtime.store.queue_page(QueueQuery(), 0, 1000)
        assert all(r.category and r.urgency is not None for r in rows if r.state != EmailState.QUARANTINED)
        found = 0
        for row in rows[:60]:
            detail = await runtime.store.detail(row.id)
            result = detail.enrichment.by_source("Customer database")
            assert result is not None and result.status in ("found", "not_found")
            found += result.status == "found"
        assert found >= 30  # most demo mail comes from known customers
    finally:
        await runtime.close()
    runtime = await build_runtime(paths, Settings(batch_size=50), Mode(demo=True))
    try:
        report, _ = await runtime.loop.run_until_exhausted()
        assert report.fetched == 0
        assert await runtime.store.queue_count(QueueQuery()) == total
    finally:
        await runtime.close()


async def test_local_classifier_agrees_with_demo_labels(tmp_path):
    """The shipped model on the demo corpus (project-written): a sanity floor, not the evaluation."""
    import hashlib

    folder = resources_dir() / "demo" / "mail"
    with open(resources_dir() / "demo" / "labels.csv", newline="", encoding="utf-8") as fh:
        label_by_file = {row["filename"]: row["category"] for row in csv.DictReader(fh)}
    label_by_id = {hashlib.sha256((folder / name).read_bytes()).hexdigest()[:40]: category
                   for name, category in label_by_file.items()}
    runtime = await build_runtime(AppPaths.resolve(tmp_path), Settings(batch_size=100), Mode(demo=True))
    try:
        await runtime.loop.run_until_exhausted()
        rows = await runtime.store.queue_page(QueueQuery(), 0, 1000)
        predicted = {}
        for row in rows:
            detail = await runtime.store.detail(row.id)
            predicted[detail.email.provider_id] = detail.classification.category
        assert set(predicted) == set(label_by_id)
        agree = sum(predicted[k] == label_by_id[k] for k in predicted)
        assert agree / len(predicted) >= 0.8, Counter((label_by_id[k], predicted[k]) for k in predicted
                                                       if predicted[k] != label_by_id[k]).most_common(5)
        assert len(set(predicted.values())) >= 10
    finally:
        await runtime.close()


async def test_approved_reply_is_delivered_once_even_after_a_crash_mid_send(tmp_path):
    from emailbot_gui.connectors.base import OutgoingReply

    paths = AppPaths.resolve(tmp_path)
    runtime = await build_runtime(paths, Settings(), Mode(demo=True))
    try:
        await runtime.loop.poll()
        await runtime.loop.process_pending()
        first = (await runtime.store.queue_page(QueueQuery(states=frozenset({EmailState.AWAITING_REVIEW})),
                                                0, 1))[0]
        detail = await runtime.store.detail(first.id)
        outbox_id = await runtime.store.approve_reply(first.id, "tester", to=detail.email.sender.address,
                                                      subject="Re", body="Fixed.", in_reply_to="",
                                                      edited=True)
        # The transport delivered, then the app died before recording it:
        sink = runtime.console.dispatcher.sink
        await sink.send_reply(OutgoingReply(f"reply:{first.id}", detail.email, "Fixed."))
    finally:
        await runtime.close()
    runtime = await build_runtime(paths, Settings(), Mode(demo=True))
    try:
        sent_before = sorted((paths.data_dir / "outbox").iterdir())
        assert await runtime.console.deliver_pending() == 1
        assert sorted((paths.data_dir / "outbox").iterdir()) == sent_before  # nothing sent again
        item = (await runtime.store.outbox())[0]
        assert item.id == outbox_id and item.status == "delivered"
        assert (await runtime.store.detail(first.id)).state == EmailState.SENT
    finally:
        await runtime.close()
