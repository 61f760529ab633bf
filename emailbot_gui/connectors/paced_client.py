"""What the bearer-token API clients (Microsoft Graph, Gmail) share beneath their request loops: the answer as
bytes, the count of attempts per route, the token kept to one origin, and the pacing — at most so many requests
in flight, jittered exponential backoff, and a hold on every request of a client while a Retry-After is in force
(a service throttles per mailbox, not per request).

The request loops themselves stay with each client: which answers are safe to repeat, what counts as
throttling and which errors are raised differ between the services."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

Sleep = Callable[[float], Awaitable[None]]
# Errors that say nothing was sent: the connection was never made or no connection was free.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass
class ApiResponse:
    status: int
    headers: httpx.Headers
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content) if self.content else {}


@dataclass
class RequestStats:
    """Every HTTP attempt a client made, by method and path (no query): for diagnostics and tests."""

    attempts: int = 0
    by_route: Counter[str] = field(default_factory=Counter)
    waited_seconds: float = 0.0  # time spent honouring Retry-After and backoff
    token_refreshes: int = 0


class PacedClient:
    """The base of an API client; subclasses write `request` and say how a foreign origin is refused."""

    def __init__(self, base_url: str, *, user_agent: str, max_concurrency: int, timeout: float, max_attempts: int,
                 backoff_base: float, backoff_cap: float, max_wait: float,
                 transport: httpx.AsyncBaseTransport | None, rng: random.Random | None, sleep: Sleep | None) -> None:
        self.base_url = base_url.rstrip("/")
        parts = urlsplit(self.base_url)
        self._origin = (parts.scheme, parts.netloc.lower())
        self.max_attempts = max(1, max_attempts)
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_wait = max_wait
        self.stats = RequestStats()
        self._rng = rng or random.Random()
        self._sleep = sleep or asyncio.sleep
        self._gate = asyncio.Semaphore(max(1, max_concurrency))
        self._resume_at = 0.0  # monotonic time before which nothing is sent (a Retry-After in force)
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)), transport=transport,
            follow_redirects=False, headers={"Accept": "application/json", "User-Agent": user_agent})

    async def aclose(self) -> None:
        await self._http.aclose()

    def absolute(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}/{path.lstrip('/')}"

    def foreign_origin(self, origin: str) -> Exception:
        """The error for a request to another origin than the configured one (the token never goes there)."""
        raise NotImplementedError

    def _checked(self, url: str) -> str:
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc.lower()) != self._origin:
            # Links come back from the server and are stored: never send the token anywhere else.
            raise self.foreign_origin(f"{parts.scheme}://{parts.netloc}")
        return url

    def _count(self, route: str) -> None:
        self.stats.attempts += 1
        self.stats.by_route[route] += 1

    def backoff_delay(self, attempt: int) -> float:
        return self._rng.uniform(0, min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1)))

    async def pause(self, seconds: float) -> None:
        self.stats.waited_seconds += seconds
        await self._sleep(seconds)

    def _hold_all(self, seconds: float) -> None:
        """Send nothing more for `seconds`, from any task of this client."""
        self._resume_at = max(self._resume_at, time.monotonic() + seconds)

    async def _wait_for_resume(self) -> None:
        while (delay := self._resume_at - time.monotonic()) > 0:
            await self.pause(delay)
