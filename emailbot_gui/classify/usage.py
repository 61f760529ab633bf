"""Token and cost accounting for the AI classifier, per email and per day, for the UI to show.

Prices are per million tokens and configurable (they change; a company proxy may bill differently). A
model missing from the table is counted in tokens with cost 0 and `priced=False`, so the UI can say
"price unknown" instead of showing a wrong figure. The meter lives on the event loop thread; it keeps a
bounded history (recent emails, recent days)."""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime


@dataclass(frozen=True, slots=True)
class ModelPrice:
    input_per_million: float
    output_per_million: float
    cached_input_per_million: float | None = None  # None: cached input costs as much as input


# USD per million tokens, as published when this was written; override through settings.
DEFAULT_PRICES: Mapping[str, ModelPrice] = {
    "gpt-4o-mini": ModelPrice(0.15, 0.60, 0.075),
    "gpt-4o": ModelPrice(2.50, 10.00, 1.25),
    "gpt-4.1-mini": ModelPrice(0.40, 1.60, 0.10),
    "gpt-4.1-nano": ModelPrice(0.10, 0.40, 0.025),
    "gpt-4.1": ModelPrice(2.00, 8.00, 0.50),
}


@dataclass(frozen=True, slots=True)
class EmailUsage:
    """What classifying one email cost (all attempts together)."""

    message_id: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    cost: float = 0.0
    priced: bool = True
    attempts: int = 0
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True, slots=True)
class DayUsage:
    day: date
    emails: int = 0
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    fallbacks: int = 0
    unpriced_requests: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class UsageMeter:
    """Counts tokens and cost. `record` is called once per API response (also for responses whose
    output was then rejected: they were billed); `finish_email` once per email."""

    def __init__(self, prices: Mapping[str, ModelPrice] | None = None, *, keep_emails: int = 500,
                 keep_days: int = 90, clock: Callable[[], datetime] | None = None) -> None:
        self.prices = dict(DEFAULT_PRICES if prices is None else prices)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._emails: deque[EmailUsage] = deque(maxlen=keep_emails)
        self._days: OrderedDict[date, DayUsage] = OrderedDict()
        self._keep_days = keep_days
        self._open: dict[str, EmailUsage] = {}

    # -- pricing ------------------------------------------------------------------------------------
    def price_of(self, model: str) -> ModelPrice | None:
        if model in self.prices:
            return self.prices[model]
        # "gpt-4o-mini-2024-07-18" is priced as "gpt-4o-mini": the longest known prefix wins
        matches = [name for name in self.prices if model.startswith(name)]
        return self.prices[max(matches, key=len)] if matches else None

    def cost(self, model: str, prompt_tokens: int, completion_tokens: int, cached_tokens: int = 0) -> float | None:
        price = self.price_of(model)
        if price is None:
            return None
        cached = min(cached_tokens, prompt_tokens)
        cached_rate = price.input_per_million if price.cached_input_per_million is None \
            else price.cached_input_per_million
        return ((prompt_tokens - cached) * price.input_per_million + cached * cached_rate
                + completion_tokens * price.output_per_million) / 1_000_000

    # -- recording ----------------------------------------------------------------------------------
    def record(self, message_id: str, model: str, prompt_tokens: int, completion_tokens: int,
               cached_tokens: int = 0) -> None:
        """One billed API response for the email `message_id`."""
        cost = self.cost(model, prompt_tokens, completion_tokens, cached_tokens)
        current = self._open.get(message_id) or EmailUsage(message_id, model, at=self._clock())
        self._open[message_id] = replace(
            current, model=model, prompt_tokens=current.prompt_tokens + prompt_tokens,
            completion_tokens=current.completion_tokens + completion_tokens,
            cached_tokens=current.cached_tokens + cached_tokens, cost=current.cost + (cost or 0.0),
            priced=current.priced and cost is not None, attempts=current.attempts + 1)
        day = self._day(self._clock().date())
        self._set_day(replace(day, requests=day.requests + 1, prompt_tokens=day.prompt_tokens + prompt_tokens,
                              completion_tokens=day.completion_tokens + completion_tokens,
                              cost=day.cost + (cost or 0.0),
                              unpriced_requests=day.unpriced_requests + (cost is None)))

    def finish_email(self, message_id: str, *, fell_back: bool) -> EmailUsage:
        """Close the email's account (requests that failed before a response cost nothing)."""
        usage = self._open.pop(message_id, None) or EmailUsage(message_id, "", at=self._clock())
        day = self._day(self._clock().date())
        self._set_day(replace(day, emails=day.emails + 1, fallbacks=day.fallbacks + int(fell_back)))
        self._emails.append(usage)
        return usage

    # -- reading (for the UI) -----------------------------------------------------------------------
    def today(self) -> DayUsage:
        return self._days.get(self._clock().date()) or DayUsage(self._clock().date())

    def days(self) -> list[DayUsage]:
        return list(self._days.values())

    def recent_emails(self) -> list[EmailUsage]:
        return list(self._emails)

    def for_email(self, message_id: str) -> EmailUsage | None:
        return next((u for u in reversed(self._emails) if u.message_id == message_id), None)

    def _day(self, day: date) -> DayUsage:
        return self._days.get(day) or DayUsage(day)

    def _set_day(self, usage: DayUsage) -> None:
        self._days[usage.day] = usage
        while len(self._days) > self._keep_days:
            self._days.popitem(last=False)
