"""A profile that already holds M emails, for the launch and queue figures: the synthetic corpus run through
the app's own pipeline (parsed, classified, enriched, proposed, stored, audited), all awaiting review, so the
queue the window opens on ("needs review") is all M of them.

Seeding 100,000 takes minutes; with a cache folder the seeded profile is kept there, keyed by M, the seed,
the schema revision and the corpus bytes, and each measurement runs on a fresh copy of it."""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import sqlite3
from pathlib import Path

from benchmarks.corpus import synthetic_corpus
from benchmarks.flood import demo_runtime, flood, reviewable

PROFILE_FILES = ("emailbot.sqlite3", "demo_customers.sqlite3")


def seeded_profile(count: int, seed: int, cache_dir: Path) -> Path:
    """A folder with a database of `count` emails awaiting review (built unless the cache has it)."""
    raws = synthetic_corpus(count, seed)
    key = _key(count, seed, raws)
    folder = cache_dir / f"stored-{count}-{key}"
    if all((folder / name).is_file() for name in PROFILE_FILES):
        return folder
    building = cache_dir / f".building-{count}-{key}"
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    asyncio.run(_seed(raws, building))
    _checkpoint(building / PROFILE_FILES[0])
    shutil.rmtree(folder, ignore_errors=True)
    building.rename(folder)
    return folder


def copy_profile(profile: Path, data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    for name in PROFILE_FILES:
        shutil.copy2(profile / name, data_dir / name)
    # Hundreds of MB just copied: written back now, not while the launch that follows is being timed.
    os.sync()


async def _seed(raws: list[bytes], data_dir: Path) -> None:
    runtime = await demo_runtime(data_dir)
    try:
        flood(runtime, raws)
        await runtime.loop.poll()
        await runtime.loop.process_pending()
        await runtime.loop.catch_up_search_index()  # as the app's loop does once a flood is triaged
        done = await reviewable(runtime)
        if done != len(raws):
            raise RuntimeError(f"seeding the stored queue: {done} of {len(raws)} emails reached review")
    finally:
        await runtime.close()


def _key(count: int, seed: int, raws: list[bytes]) -> str:
    """Changes with the corpus and with the schema (the migration files' bytes, not only their revisions)."""
    from emailbot_gui.store.db import MIGRATIONS_DIR

    digest = hashlib.sha256(f"{count}:{seed}".encode())
    for migration in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        digest.update(migration.read_bytes())
    for raw in raws[:: max(1, len(raws) // 64)]:
        digest.update(raw)
    return digest.hexdigest()[:16]


def _checkpoint(database: Path) -> None:
    """Fold the write-ahead log into the database file, so that copying the file copies everything."""
    con = sqlite3.connect(database)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()
