"""Type-ahead lookup of people in the organization's directory, for the escalation dialog.

`$search` on displayName and mail (an advanced query: needs `ConsistencyLevel: eventual`) finds words
inside names; a tenant or token that refuses it falls back to `$filter` with startswith. Recent answers
are kept for a minute, since type-ahead asks the same prefixes again as the operator corrects a typo."""

from __future__ import annotations

import logging
import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from emailbot_gui.connectors.graph.errors import GraphAuthError, GraphError, GraphUnavailable
from emailbot_gui.connectors.graph.http import GraphClient
from emailbot_gui.core.types import Address

log = logging.getLogger(__name__)

SELECT = "id,displayName,mail,userPrincipalName,jobTitle,department"
MIN_CHARS = 2
CACHE_SECONDS = 60.0
CACHE_ENTRIES = 64
_UNSAFE = re.compile(r'["\\]')


@dataclass(frozen=True, slots=True)
class DirectoryUser:
    id: str
    display_name: str
    mail: str
    user_principal_name: str
    job_title: str = ""
    department: str = ""

    @property
    def address(self) -> Address:
        return Address(self.mail or self.user_principal_name, self.display_name)


class DirectorySearch:
    def __init__(self, client: GraphClient, *, limit: int = 10) -> None:
        self.client = client
        self.limit = limit
        self._cache: OrderedDict[str, tuple[float, list[DirectoryUser]]] = OrderedDict()
        self._use_search = True

    async def search(self, text: str) -> list[DirectoryUser]:
        text = " ".join(text.split())[:64]
        if len(text) < MIN_CHARS:
            return []
        key = text.lower()
        hit = self._cache.get(key)
        if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
        users = await self._query(text)
        self._cache[key] = (time.monotonic(), users)
        while len(self._cache) > CACHE_ENTRIES:
            self._cache.popitem(last=False)
        return users

    async def _query(self, text: str) -> list[DirectoryUser]:
        if self._use_search:
            term = _UNSAFE.sub("", text)
            try:
                data = await self.client.get("/users", params={
                    "$search": f'"displayName:{term}" OR "mail:{term}"', "$select": SELECT,
                    "$top": str(self.limit)}, headers={"ConsistencyLevel": "eventual"})
                return _users(data)
            except (GraphUnavailable, GraphAuthError):
                raise  # not a refusal of $search: no sign-in yet, or Graph down
            except GraphError as exc:
                log.info("directory $search refused (%s); using startswith filters", exc.code or exc.status)
                self._use_search = False
        value = text.replace("'", "''")
        flt = " or ".join(f"startswith({f},'{value}')" for f in ("displayName", "mail", "userPrincipalName"))
        return _users(await self.client.get("/users", params={"$filter": flt, "$select": SELECT,
                                                              "$top": str(self.limit)}))


def _users(data: dict[str, Any]) -> list[DirectoryUser]:
    out = []
    value = data.get("value")
    for u in value if isinstance(value, list) else []:
        if isinstance(u, dict) and u.get("id"):
            out.append(DirectoryUser(str(u["id"]), str(u.get("displayName") or ""), str(u.get("mail") or ""),
                                     str(u.get("userPrincipalName") or ""), str(u.get("jobTitle") or ""),
                                     str(u.get("department") or "")))
    return out
