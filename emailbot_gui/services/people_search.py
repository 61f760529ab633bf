"""Finding people to escalate to as the operator types: the configured escalation people whose name or
address contains the text, then the organization's directory (Microsoft Graph) when one is connected.

A directory that cannot answer (not signed in, offline, refused) does not hide the configured people:
`search_people` returns them together with what went wrong, in words."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from emailbot_gui.core.types import Address

log = logging.getLogger(__name__)

MAX_TEXT = 64


class Directory(Protocol):
    """The organization's directory: `search` returns users with an `address` (connectors.graph.DirectorySearch)."""

    async def search(self, text: str) -> Sequence[Any]: ...


@dataclass(frozen=True, slots=True)
class PeopleFound:
    people: list[Address]
    problem: str = ""  # why the directory did not answer; "" when it did (or there is none)


def configured_matches(people: Iterable[Address], text: str) -> list[Address]:
    words = text.lower().split()
    return [p for p in people if all(w in str(p).lower() for w in words)]


async def search_people(configured: Iterable[Address], directory: Directory | None, text: str) -> PeopleFound:
    text = " ".join(text.split())[:MAX_TEXT]
    if not text:
        return PeopleFound([])
    found = configured_matches(configured, text)
    problem = ""
    if directory is not None:
        try:
            users = await directory.search(text)
            found += [u.address for u in users if u.address.address]
        except Exception as exc:  # the configured people still help; the dialog says what went wrong
            problem = _problem(exc)
            log.info("directory search failed: %s", problem)
    return PeopleFound(merge(found), problem)


def merge(people: Iterable[Address]) -> list[Address]:
    """One entry per address (case-insensitive), in first-seen order, keeping a name when one of them has it."""
    out: dict[str, Address] = {}
    for person in people:
        key = person.address.lower()
        known = out.get(key)
        if known is None:
            out[key] = person
        elif not known.name and person.name:
            out[key] = Address(known.address, person.name)
    return list(out.values())


def _problem(exc: Exception) -> str:
    from emailbot_gui.connectors.graph.errors import GraphAuthError, SignInRequired

    if isinstance(exc, SignInRequired):
        return "Sign in to Microsoft 365 to search the directory (Settings → Microsoft 365 → Sign in)."
    if isinstance(exc, GraphAuthError):
        return f"The directory refused the search: {exc}"
    text = str(exc).strip()
    return f"The directory search failed: {text or type(exc).__name__}"
