"""JSON batching: up to 20 Graph requests in one round trip (POST /$batch).

Each inner request carries its own headers (the outer request's Prefer does not reach them). Inner
answers of 429/503 are sent again, alone, after the longest Retry-After among them; every other answer
is handed back to the caller, who decides what a 403 or 404 of one item means."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from emailbot_gui.connectors.graph.errors import GraphThrottled
from emailbot_gui.connectors.graph.http import GraphClient
from emailbot_gui.core.retry_after import retry_after_seconds

log = logging.getLogger(__name__)

MAX_BATCH = 20  # Graph's limit per $batch request
MAX_ROUNDS = 4


@dataclass(frozen=True, slots=True)
class BatchRequest:
    id: str
    method: str
    url: str  # relative to the version root: "/users/x/messages/y"
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BatchResponse:
    id: str
    status: int
    body: Any
    headers: Mapping[str, str]

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def error_code(self) -> str:
        if isinstance(self.body, dict):
            return str((self.body.get("error") or {}).get("code", ""))
        return ""


async def run_batch(client: GraphClient, requests: Sequence[BatchRequest], *,
                    max_rounds: int = MAX_ROUNDS) -> dict[str, BatchResponse]:
    """All answers by request id. Raises what `client.request` raises for the batch call itself."""
    if len({r.id for r in requests}) != len(requests):
        raise ValueError("batch request ids must be unique")
    results: dict[str, BatchResponse] = {}
    for start in range(0, len(requests), MAX_BATCH):
        pending = list(requests[start:start + MAX_BATCH])
        for round_no in range(1, max_rounds + 1):
            answers = await _send(client, pending)
            retry: list[BatchRequest] = []
            wait = 0.0
            for request in pending:
                answer = answers.get(request.id)
                if answer is None:
                    answer = BatchResponse(request.id, 0, {"error": {"code": "missingResponse"}}, {})
                if answer.status in (429, 503) and round_no < max_rounds:
                    retry.append(request)
                    headers = {k.lower(): v for k, v in answer.headers.items()}  # inner headers are a plain dict
                    wait = max(wait, retry_after_seconds(headers) or 0.0)
                else:
                    results[request.id] = answer
            if not retry:
                break
            if wait > client.max_wait:
                raise GraphThrottled(f"$batch: Microsoft Graph asks to wait {wait:.0f} s", retry_after=wait)
            wait = wait or client.backoff_delay(round_no)
            log.warning("$batch: %d of %d requests throttled; again in %.1f s", len(retry), len(pending), wait)
            await client.pause(wait)
            pending = retry
    return results


async def _send(client: GraphClient, requests: Sequence[BatchRequest]) -> dict[str, BatchResponse]:
    items = []
    prefer = ", ".join(client.default_prefer)
    for r in requests:
        headers = dict(r.headers)
        if prefer and "Prefer" not in headers:
            headers["Prefer"] = prefer
        item: dict[str, Any] = {"id": r.id, "method": r.method.upper(), "url": r.url}
        if r.body is not None:
            item["body"] = r.body
            headers.setdefault("Content-Type", "application/json")
        if headers:
            item["headers"] = headers
        items.append(item)
    # Repeating a batch is safe only when every request in it is.
    repeatable = all(r.method.upper() in ("GET", "PATCH", "PUT", "DELETE") for r in requests)
    reply = await client.post("/$batch", {"requests": items}, idempotent=repeatable)
    out: dict[str, BatchResponse] = {}
    for answer in reply.get("responses", []):
        out[str(answer.get("id"))] = BatchResponse(str(answer.get("id")), int(answer.get("status", 0)),
                                                   answer.get("body"), dict(answer.get("headers") or {}))
    return out
