"""A `MailSource` over local files: a folder of .eml files (searched recursively), an mbox file, or a
folder holding mbox files. For demos, imports and tests with real mail corpora.

Items are delivered in a stable order (by relative path, then by position inside an mbox), and the
cursor names the last item delivered, so a restart resumes after it. Files added later are picked up
when they sort after the cursor. All file access happens in a worker thread.
"""

from __future__ import annotations

import asyncio
import bisect
import hashlib
import json
import mailbox
import os
import re
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from emailbot_gui.connectors.base import FetchBatch, RawMessage

MAX_BYTES = 25 * 1024 * 1024
LOCATED_ENTRIES = 10_000  # where recently delivered messages are, for reading one again (attachments)
_MB = 1024 * 1024
_HEADER_LINE = re.compile(rb"[\041-\071\073-\176]+:")
_FROM_LINE_DATE = re.compile(
    rb"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +(\d{1,2}) +(\d{1,2}):(\d\d):(\d\d) +(\d{4})")
_MONTHS = [b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"]

Key = tuple[str, int]  # (relative path, position in the mbox; -1 for a single-message file)


@dataclass(frozen=True, slots=True)
class _Entry:
    key: Key
    path: Path
    problem: str = ""  # set when the whole file cannot be read (an mbox that does not open)


@dataclass(slots=True)
class _MboxIndex:
    signature: tuple[int, int]
    box: mailbox.mbox
    keys: list[str]


class MailFolderSource:
    """Reads .eml files, files without extension that start with a header line, and mbox files
    (`*.mbox`, `mbox`, or files without extension that start with "From ")."""

    def __init__(self, path: Path, *, name: str | None = None, max_bytes: int = MAX_BYTES) -> None:
        self.path = Path(path)
        self.name = name or f"folder:{self.path.resolve()}"
        self.max_bytes = max_bytes
        self._lock = asyncio.Lock()
        self._snapshot: list[_Entry] = []
        self._keys: list[Key] = []
        self._mboxes: dict[Path, _MboxIndex] = {}
        self._kinds: dict[Path, tuple[tuple[int, int], str]] = {}
        self._located: OrderedDict[str, _Entry] = OrderedDict()

    async def fetch(self, cursor: str | None, limit: int) -> FetchBatch:
        """Up to `limit` items (messages plus unreadable files) after `cursor`."""
        after = _parse_cursor(cursor)
        async with self._lock:  # one fetch at a time: the caches below are not shared between threads
            return await asyncio.to_thread(self._fetch, after, max(0, limit))

    async def read_raw(self, provider_id: str, message_id: str = "") -> bytes | None:
        """The bytes of a message delivered earlier (its provider id is their hash), read again from its
        file; None when no file holds it any more. Looks in the recently delivered first, then everywhere."""
        async with self._lock:
            return await asyncio.to_thread(self._find, provider_id)

    async def aclose(self) -> None:
        async with self._lock:
            for index in self._mboxes.values():
                index.box.close()
            self._mboxes.clear()

    def _fetch(self, after: Key | None, limit: int) -> FetchBatch:
        start = 0 if after is None else bisect.bisect_right(self._keys, after)
        if after is None or start >= len(self._keys):
            # Draining a snapshot needs no rescans; once it is used up, look for new files.
            self._rescan()
            start = 0 if after is None else bisect.bisect_right(self._keys, after)
        entries = self._snapshot[start:start + limit]
        messages: list[RawMessage] = []
        unreadable: list[tuple[str, str]] = []
        for entry in entries:
            origin = entry.key[0] if entry.key[1] < 0 else f"{entry.key[0]}#{entry.key[1] + 1}"
            try:
                raw, hint = self._read(entry)
            except _Unreadable as e:
                unreadable.append((origin, str(e)))
                continue
            except OSError as e:
                unreadable.append((origin, f"cannot read: {e.strerror or e}"))
                continue
            provider_id = _provider_id(raw)
            self._remember(provider_id, entry)
            messages.append(RawMessage(provider_id, raw, origin=origin, received_at_hint=hint))
        last = entries[-1].key if entries else after
        return FetchBatch(
            messages=messages,
            cursor=json.dumps({"v": 1, "after": list(last) if last else None}),
            more=start + len(entries) < len(self._snapshot),
            unreadable=unreadable,
        )

    def _remember(self, provider_id: str, entry: _Entry) -> None:
        self._located[provider_id] = entry
        self._located.move_to_end(provider_id)
        while len(self._located) > LOCATED_ENTRIES:
            self._located.popitem(last=False)

    def _find(self, provider_id: str) -> bytes | None:
        entry = self._located.get(provider_id)
        if entry is not None:
            raw = self._read_quietly(entry)
            if raw is not None and _provider_id(raw) == provider_id:
                return raw
        self._rescan()
        for entry in self._snapshot:
            raw = self._read_quietly(entry)
            if raw is not None and _provider_id(raw) == provider_id:
                self._remember(provider_id, entry)
                return raw
        return None

    def _read_quietly(self, entry: _Entry) -> bytes | None:
        try:
            return self._read(entry)[0]
        except (_Unreadable, OSError):
            return None

    def _rescan(self) -> None:
        if self.path.is_dir():
            root, files = self.path, _walk(self.path)
        elif self.path.is_file():
            root, files = self.path.parent, [self.path]
        else:
            raise FileNotFoundError(f"mail folder not found: {self.path}")
        entries: list[_Entry] = []
        seen: set[Path] = set()
        for path in files:
            rel = path.relative_to(root).as_posix()
            kind = self._kind(path)
            if kind == "eml":
                entries.append(_Entry((rel, -1), path))
            elif kind == "mbox":
                seen.add(path)
                try:
                    index = self._mbox(path)
                except (OSError, mailbox.Error) as e:
                    entries.append(_Entry((rel, -1), path, f"cannot read mbox: {e}"))
                    continue
                if not index.keys and index.signature[1] > 0:
                    entries.append(_Entry((rel, -1), path, "no messages found: no \"From \" lines"))
                entries.extend(_Entry((rel, i), path) for i in range(len(index.keys)))
        for gone in set(self._mboxes) - seen:
            self._mboxes.pop(gone).box.close()
        entries.sort(key=lambda e: e.key)
        self._snapshot = entries
        self._keys = [e.key for e in entries]

    def _kind(self, path: Path) -> str:
        """"eml", "mbox" or "" (not mail), by extension, else by the first bytes (cached by mtime)."""
        lower = path.name.lower()
        if lower.endswith(".eml"):
            return "eml"
        if lower.endswith(".mbox") or lower == "mbox":
            return "mbox"
        if "." in path.name:
            return ""
        try:
            st = path.stat()
            signature = (st.st_mtime_ns, st.st_size)
            cached = self._kinds.get(path)
            if cached and cached[0] == signature:
                return cached[1]
            with path.open("rb") as f:
                head = f.read(1024)
        except OSError:
            return "eml"  # let the read report why
        kind = "mbox" if head.startswith(b"From ") else "eml" if _HEADER_LINE.match(head) else ""
        self._kinds[path] = (signature, kind)
        return kind

    def _mbox(self, path: Path) -> _MboxIndex:
        st = path.stat()
        signature = (st.st_mtime_ns, st.st_size)
        index = self._mboxes.get(path)
        if index is None or index.signature != signature:
            if index is not None:
                index.box.close()
            box = mailbox.mbox(path, create=False)
            index = _MboxIndex(signature, box, list(box.keys()))  # scans the file once
            self._mboxes[path] = index
        return index

    def _read(self, entry: _Entry) -> tuple[bytes, float | None]:
        if entry.problem:
            raise _Unreadable(entry.problem)
        if entry.key[1] < 0:
            with entry.path.open("rb") as f:
                size = os.fstat(f.fileno()).st_size
                self._check_size(size)
                raw = f.read(self.max_bytes + 1)
                hint: float | None = os.fstat(f.fileno()).st_mtime
        else:
            index = self._mbox(entry.path)
            if entry.key[1] >= len(index.keys):
                raise _Unreadable("message no longer in the mbox")
            message = index.box.get_file(index.keys[entry.key[1]], from_=True)
            try:
                message.seek(0, 2)
                self._check_size(message.tell(), "message")
                message.seek(0)
                from_line = message.readline()
                raw = message.read(self.max_bytes + 1)
            finally:
                message.close()
            hint = _from_line_time(from_line)
        self._check_size(len(raw), "file" if entry.key[1] < 0 else "message")
        return raw, hint

    def _check_size(self, size: int, what: str = "file") -> None:
        if size == 0:
            raise _Unreadable(f"empty {what}")
        if size > self.max_bytes:
            raise _Unreadable(f"too large: {_size_text(size)} exceeds the {_size_text(self.max_bytes)} limit")


class _Unreadable(Exception):
    pass


def _provider_id(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:40]


def _size_text(n: int) -> str:
    """41.2 MB, 25 MB, 3.9 KB."""
    value, unit = (n / _MB, "MB") if n >= _MB else (n / 1024, "KB")
    return f"{value:.1f}".removesuffix(".0") + f" {unit}"


def _walk(root: Path) -> list[Path]:
    """Regular files under `root`, without hidden files and folders; pipes and devices are skipped
    (opening a pipe would block the reading thread forever) and symlinked folders are not followed."""
    found: list[Path] = []
    stack = [root]
    while stack:
        try:
            with os.scandir(stack.pop()) as entries:
                for entry in entries:
                    if entry.name.startswith("."):
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(Path(entry.path))
                    elif entry.is_file():
                        found.append(Path(entry.path))
        except OSError:
            continue  # an unreadable subfolder: skip it, like a file that is not mail
    return found


def _from_line_time(line: bytes) -> float | None:
    """The delivery time on an mbox "From " line (asctime format, taken as UTC)."""
    m = _FROM_LINE_DATE.search(line)
    if not m:
        return None
    try:
        when = datetime(int(m[6]), _MONTHS.index(m[1]) + 1, int(m[2]), int(m[3]), int(m[4]), int(m[5]),
                        tzinfo=UTC)
    except ValueError:
        return None
    return when.timestamp()


def _parse_cursor(cursor: str | None) -> Key | None:
    if not cursor:
        return None
    try:
        data = json.loads(cursor)
        after = data["after"]
        if after is None:
            return None
        rel, position = after
        if isinstance(rel, str) and isinstance(position, int):
            return (rel, position)
    except (ValueError, KeyError, TypeError):
        pass
    raise ValueError(f"not a cursor of a mail folder source: {cursor[:80]!r}")
