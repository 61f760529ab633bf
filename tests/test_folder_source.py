"""Tests of `MailFolderSource` (folders of .eml files, mbox files), and the whole read path over the
shared corpus of real-world raw emails: source -> parse -> sanitize -> text, none may crash or hang."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from emailbot_gui.connectors.base import FetchBatch, MailSource, RawMessage
from emailbot_gui.connectors.folder import MailFolderSource
from emailbot_gui.mail.parse import MalformedEmail, parse_message
from emailbot_gui.mail.sanitize import html_to_text, sanitize_html

MIME_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "mime"


def msg(n: int | str) -> bytes:
    return (f"From: a{n}@x.example\r\nSubject: m{n}\r\nMessage-ID: <m{n}@x.example>\r\n\r\n"
            f"body {n}\r\n").encode()


MBOX = (b"From alice@x.example Sun Aug  7 11:40:37 2022\nFrom: alice@x.example\nSubject: one\n\nfirst\n\n"
        b"From bob@x.example Mon Aug  8 09:00:00 2022\nFrom: bob@x.example\nSubject: two\n\n>From quoted\n\n"
        b"From carol@x.example Tue Aug  9 10:00:00 2022\nFrom: carol@x.example\nSubject: three\n\nlast\n")
FOURTH = b"\nFrom erin@x.example Wed Aug 10 10:00:00 2022\nFrom: erin@x.example\nSubject: four\n\nnew\n"


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.fixture
def mail_dir(tmp_path: Path) -> Path:
    root = tmp_path / "mail"
    for rel in ("b.eml", "a/2.eml", "a/10.EML", "a/sub/x.eml", ".hidden/h.eml"):
        write(root / rel, msg(rel))
    write(root / "notes", msg("notes"))  # no extension, starts with a header line
    write(root / "README", b"Just some text, not a message.\n")
    write(root / "SOURCE.txt", msg("txt"))
    write(root / ".DS_Store", b"\x00\x00\x00\x01Bud1")
    write(root / "empty.eml", b"")
    write(root / "big.eml", msg("big") + b"x" * 5000)
    write(root / "box.mbox", MBOX)
    write(root / "Inbox", MBOX.replace(b"alice", b"dave"))  # Thunderbird keeps mbox files without extension
    return root


@pytest.fixture
async def source(mail_dir: Path) -> AsyncIterator[MailFolderSource]:
    src = MailFolderSource(mail_dir, max_bytes=4000)
    yield src
    await src.aclose()


async def drain(src: MailFolderSource, limit: int, cursor: str | None = None) -> list[FetchBatch]:
    batches = []
    while True:
        batch = await src.fetch(cursor, limit)
        batches.append(batch)
        cursor = batch.cursor
        if not batch.more:
            return batches


@pytest.mark.asyncio
async def test_reads_mail_files_and_mboxes_in_path_order(source: MailFolderSource, mail_dir: Path) -> None:
    assert isinstance(source, MailSource)
    assert source.name == f"folder:{mail_dir.resolve()}"
    (batch,) = await drain(source, 100)
    assert [m.origin for m in batch.messages] == [
        "Inbox#1", "Inbox#2", "Inbox#3", "a/10.EML", "a/2.eml", "a/sub/x.eml", "b.eml",
        "box.mbox#1", "box.mbox#2", "box.mbox#3", "notes"]
    assert dict(batch.unreadable) == {"big.eml": "too large: 5 KB exceeds the 3.9 KB limit",
                                      "empty.eml": "empty file"}
    for m in batch.messages:
        assert m.provider_id == hashlib.sha256(m.raw).hexdigest()[:40]
    by_origin = {m.origin: m for m in batch.messages}
    assert by_origin["box.mbox#2"].raw == b"From: bob@x.example\nSubject: two\n\n>From quoted\n"
    first_delivery = datetime(2022, 8, 7, 11, 40, 37, tzinfo=UTC).timestamp()
    assert by_origin["box.mbox#1"].received_at_hint == first_delivery
    assert by_origin["b.eml"].raw == msg("b.eml")
    assert by_origin["b.eml"].received_at_hint == (mail_dir / "b.eml").stat().st_mtime


@pytest.mark.asyncio
async def test_batches_respect_the_limit_and_a_cursor_resumes(source: MailFolderSource,
                                                               mail_dir: Path) -> None:
    batches = await drain(source, 3)
    assert [len(b.messages) + len(b.unreadable) for b in batches] == [3, 3, 3, 3, 1]
    assert [b.more for b in batches] == [True, True, True, True, False]
    all_origins = [m.origin for b in batches for m in b.messages]
    assert len(all_origins) == len(set(all_origins)) == 11

    # A restarted console resumes after the stored cursor.
    fresh = MailFolderSource(mail_dir, max_bytes=4000)
    try:
        rest = await drain(fresh, 100, cursor=batches[1].cursor)
    finally:
        await fresh.aclose()
    assert [m.origin for b in rest for m in b.messages] == all_origins[all_origins.index("a/sub/x.eml") + 1:]
    assert json.loads(batches[1].cursor) == {"v": 1, "after": ["a/sub/x.eml", -1]}


@pytest.mark.asyncio
async def test_new_files_and_appended_mbox_messages_are_picked_up(source: MailFolderSource,
                                                                   mail_dir: Path) -> None:
    cursor = (await drain(source, 100))[-1].cursor
    assert (await source.fetch(cursor, 10)).messages == []
    write(mail_dir / "z.eml", msg("z"))
    write(mail_dir / "0-sorts-before-the-cursor.eml", msg("early"))  # documented: not seen
    with (mail_dir / "box.mbox").open("ab") as f:
        f.write(FOURTH)
    batch = await source.fetch(cursor, 10)
    assert [m.origin for m in batch.messages] == ["z.eml"]  # box.mbox sorts before "notes", the cursor
    assert not batch.more


@pytest.mark.asyncio
async def test_a_single_mbox_file(tmp_path: Path) -> None:
    src = MailFolderSource(write(tmp_path / "archive.mbox", MBOX), name="archive")
    try:
        (batch,) = await drain(src, 10)
        with (tmp_path / "archive.mbox").open("ab") as f:
            f.write(FOURTH)
        later = await src.fetch(batch.cursor, 10)
    finally:
        await src.aclose()
    assert src.name == "archive"
    assert [m.origin for m in batch.messages] == ["archive.mbox#1", "archive.mbox#2", "archive.mbox#3"]
    assert [m.origin for m in later.messages] == ["archive.mbox#4"]


@pytest.mark.asyncio
async def test_a_file_without_from_lines_named_mbox_is_reported(tmp_path: Path) -> None:
    src = MailFolderSource(write(tmp_path / "mbox", msg(1)))
    try:
        batch = await src.fetch(None, 10)
    finally:
        await src.aclose()
    assert batch.messages == []
    assert batch.unreadable == [("mbox", 'no messages found: no "From " lines')]


@pytest.mark.asyncio
async def test_bad_paths_and_cursors_are_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="mail folder not found"):
        await MailFolderSource(tmp_path / "nowhere").fetch(None, 10)
    with pytest.raises(ValueError, match="not a cursor"):
        await MailFolderSource(tmp_path).fetch("{broken", 10)
    with pytest.raises(ValueError, match="not a cursor"):
        await MailFolderSource(tmp_path).fetch('{"v": 1, "after": 7}', 10)


@pytest.mark.asyncio
async def test_reading_a_big_mbox_does_not_block_the_event_loop(tmp_path: Path,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    one = MBOX.split(b"\n\n")[0] + b"\n\n" + b"line of text\n" * 30
    big = write(tmp_path / "big.mbox", one * 60_000)  # ~30 MB: indexing it takes far longer than 0.1 s
    loop = asyncio.get_running_loop()
    loop.set_debug(True)
    loop.slow_callback_duration = 0.1  # asyncio logs every step of the loop that took longer
    src = MailFolderSource(big)
    started = time.perf_counter()
    try:
        with caplog.at_level(logging.WARNING, logger="asyncio"):
            # A task of its own, so that its every step is a loop callback timed in debug mode.
            batch = await asyncio.create_task(src.fetch(None, 5))
    finally:
        loop.set_debug(False)
        await src.aclose()
    assert time.perf_counter() - started > 0.2  # long enough for a blocked loop to be noticed
    assert len(batch.messages) == 5 and batch.more
    assert [r.getMessage() for r in caplog.records if "took" in r.getMessage()] == []


@pytest.mark.asyncio
async def test_every_shared_mime_sample_parses_or_is_rejected_with_a_reason() -> None:
    if not MIME_DIR.is_dir():
        pytest.skip(f"optional corpus check: {MIME_DIR} is not present (a fresh checkout has no ../shared/)")
    src = MailFolderSource(MIME_DIR)
    outcomes: dict[str, str] = {}
    try:
        for batch in await drain(src, 25):
            for origin, reason in batch.unreadable:
                assert reason
                outcomes[origin] = f"unreadable: {reason}"
            for raw in batch.messages:
                outcomes[raw.origin] = _read_path_outcome(raw, src.name)
    finally:
        await src.aclose()
    mbox = [o for o in outcomes if o.startswith("cpython_test_email/mailbox_01.mbox#")]
    assert len(mbox) >= 2, "the mbox must be read as several messages"
    assert len(outcomes) >= 150
    parsed = [o for o, result in outcomes.items() if result == "parsed"]
    assert len(parsed) >= 145, {o: r for o, r in outcomes.items() if r != "parsed"}


def _read_path_outcome(raw: RawMessage, source: str) -> str:
    started = time.perf_counter()
    try:
        email = parse_message(raw, source)
    except MalformedEmail as exc:
        assert exc.reason, raw.origin
        outcome = f"malformed: {exc.reason}"
    else:
        assert email.message_id.strip(), raw.origin
        assert email.received_at.tzinfo is not None and email.received_at.utcoffset() is not None, raw.origin
        safe = sanitize_html(email.body_html)
        assert "<script" not in safe.html.lower(), raw.origin
        html_to_text(email.body_html)
        html_to_text(safe.html)
        outcome = "parsed"
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0, f"{raw.origin} took {elapsed:.2f} s"
    return outcome
