"""The AI classifier: one chat-completions call per email through the `openai` SDK, against OpenAI or
any OpenAI-compatible server (a company proxy, Azure OpenAI's v1 endpoint, a local model server), with a
strict structured-output schema, validated again here.

One call per email, not one per batch: an email's text can then never influence how another email is
classified or answered (a prompt injection stays contained), a bad answer costs one email, and
concurrency gives the throughput back.

Reliability, so no email is ever lost or stuck:
- bounded concurrency (a semaphore shared by all batches);
- retries for 429/408/409/5xx, timeouts and connection errors, with exponential backoff and jitter, and
  the server's `Retry-After` / `retry-after-ms` honoured (the SDK's own retries are off, so every wait
  is this module's and is measured);
- no retry for what cannot get better: `insufficient_quota`, bad key, bad request; those open a
  circuit for a while, so the next emails go straight to the fallback instead of waiting;
- any email the service cannot classify (down, out of quota, invalid or refused output) is classified
  by the fallback (the local model), marked `ai-fallback` with the reason in its model name.

The API key is given by the caller (from the keyring) and only handed to the SDK client; it is never
logged or stored here.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import openai

from emailbot_gui.classify.base import Classifier
from emailbot_gui.classify.injection import PROMPT_INJECTION
from emailbot_gui.classify.local import email_text
from emailbot_gui.classify.openai_schema import (
    AIAnswer,
    CustomerContext,
    InvalidOutput,
    build_messages,
    context_from_enrichment,
    response_format,
    validate_answer,
)
from emailbot_gui.classify.usage import UsageMeter
from emailbot_gui.core.categories import DEFAULT_CATEGORIES, Category
from emailbot_gui.core.retry_after import retry_after_seconds
from emailbot_gui.core.types import Classification, Email, Enrichment

log = logging.getLogger(__name__)
AI_FALLBACK = "ai-fallback"
ContextLookup = Callable[[Email], Awaitable[Enrichment | None]]
_RETRY_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class OpenAIConfig:
    """Non-secret settings (EMAILBOT_OPENAI_MODEL, _MAX_TOKENS, _TEMPERATURE, _BASE_URL, ...)."""

    model: str = "gpt-4o-mini"
    base_url: str = ""  # empty: api.openai.com; any OpenAI-compatible /v1 endpoint otherwise
    max_tokens: int = 800
    temperature: float | None = 0.1  # None: not sent (reasoning models accept only their default)
    # newer OpenAI models want "max_completion_tokens"; most compatible servers know "max_tokens"
    token_parameter: str = "max_tokens"
    timeout: float = 30.0  # seconds per request
    max_concurrency: int = 4
    max_attempts: int = 4  # per email, for retryable failures
    invalid_output_attempts: int = 2  # a second try for malformed or schema-violating answers
    backoff_base: float = 1.0
    backoff_max: float = 30.0
    max_retry_after: float = 120.0  # a longer Retry-After means "fall back now" rather than stall the queue
    quota_cooldown: float = 600.0  # after insufficient_quota / a bad key, skip the API for this long
    outage_cooldown: float = 60.0  # after an email exhausted its retries on a dead service
    context_timeout: float = 5.0  # CRM lookup for the prompt; without it the prompt says "none found"
    signature: str = "IT Support"
    categories: tuple[Category, ...] = DEFAULT_CATEGORIES

    def validate(self) -> OpenAIConfig:
        if not 1 <= self.max_tokens <= 32_000:
            raise ValueError("max_tokens must be between 1 and 32000")
        if self.temperature is not None and not 0.0 <= self.temperature <= 2.0:
            raise ValueError("temperature must be between 0 and 2")
        if self.token_parameter not in ("max_tokens", "max_completion_tokens"):
            raise ValueError("token_parameter must be max_tokens or max_completion_tokens")
        if self.timeout <= 0 or self.max_concurrency < 1 or self.max_attempts < 1:
            raise ValueError("timeout, max_concurrency and max_attempts must be positive")
        if not self.categories:
            raise ValueError("at least one category is needed")
        return self


class _GiveUp(Exception):
    """This email goes to the fallback; `reason` is what the operator reads."""

    def __init__(self, reason: str, *, cooldown: float = 0.0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.cooldown = cooldown


@dataclass
class _Stats:
    requests: int = 0
    retries: int = 0
    waited: float = 0.0  # seconds spent in backoff / Retry-After waits
    fallbacks: dict[str, int] = field(default_factory=dict)


class OpenAIClassifier:
    """Implements the `Classifier` protocol; see the module docstring."""

    name = "openai"

    def __init__(self, config: OpenAIConfig, api_key: str, fallback: Classifier, *,
                 meter: UsageMeter | None = None, context: ContextLookup | None = None,
                 client: openai.AsyncOpenAI | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 clock: Callable[[], float] = time.monotonic, rng: random.Random | None = None) -> None:
        self.config = config.validate()
        self.fallback = fallback
        self.meter = meter or UsageMeter()
        self.context = context
        self.stats = _Stats()
        self._client = client or openai.AsyncOpenAI(
            api_key=api_key or "not-needed", base_url=config.base_url or None, timeout=config.timeout,
            max_retries=0)
        self._keys = tuple(c.key for c in config.categories)
        self._limit = asyncio.Semaphore(config.max_concurrency)
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._circuit_until = 0.0
        self._circuit_reason = ""

    def __repr__(self) -> str:  # never shows the key
        return f"OpenAIClassifier(model={self.config.model!r}, base_url={self.config.base_url or 'default'!r})"

    async def close(self) -> None:
        await self._client.close()

    async def classify(self, emails: Sequence[Email]) -> list[Classification]:
        outcomes = await asyncio.gather(*(self._one(e) for e in emails))
        results: list[Classification | None] = [c if isinstance(c, Classification) else None for c in outcomes]
        pending = [i for i, c in enumerate(results) if c is None]
        if pending:
            fallen = await self.fallback.classify([emails[i] for i in pending])
            if len(fallen) != len(pending):
                raise ValueError("the fallback classifier returned the wrong number of results")
            for i, c in zip(pending, fallen, strict=True):
                reason = str(outcomes[i])
                self.stats.fallbacks[reason] = self.stats.fallbacks.get(reason, 0) + 1
                results[i] = replace(c, model=f"{self.fallback.name} (fallback: {reason})",
                                     flags=tuple(dict.fromkeys((*c.flags, AI_FALLBACK))))
        return [c for c in results if c is not None]

    # -- one email ------------------------------------------------------------------------------------
    async def _one(self, email: Email) -> Classification | str:
        """The AI's classification, or the reason the email must go to the fallback."""
        key = email.message_id or email.provider_id
        fell_back = True
        try:
            if self._clock() < self._circuit_until:
                return self._circuit_reason
            context = await self._customer_context(email)
            answer, model = await self._ask(email, context, key)
            fell_back = False
            return self._classification(email, answer, model)
        except _GiveUp as stop:
            if stop.cooldown > 0:
                self._circuit_until = max(self._circuit_until, self._clock() + stop.cooldown)
                self._circuit_reason = f"{stop.reason} (paused)"
            log.warning("AI classification of %s falls back to the local model: %s", key, stop.reason)
            return stop.reason
        except Exception as exc:  # a bug or an SDK surprise must not lose the email either
            log.exception("AI classification of %s failed unexpectedly", key)
            return f"unexpected error ({type(exc).__name__})"
        finally:
            self.meter.finish_email(key, fell_back=fell_back)

    async def _customer_context(self, email: Email) -> CustomerContext | None:
        if self.context is None:
            return None
        try:
            enrichment = await asyncio.wait_for(self.context(email), self.config.context_timeout)
        except Exception:  # the prompt simply has no CRM context then
            log.info("no CRM context for the AI prompt (lookup failed)", exc_info=True)
            return None
        return context_from_enrichment(email, enrichment)

    async def _ask(self, email: Email, context: CustomerContext | None, key: str) -> tuple[AIAnswer, str]:
        cfg = self.config
        messages = build_messages(email, email_text(email), cfg.categories, context, signature=cfg.signature)
        attempt, invalid = 0, 0
        while True:
            attempt += 1
            try:
                async with self._limit:
                    self.stats.requests += 1
                    request: dict[str, Any] = {
                        "model": cfg.model, "messages": messages, cfg.token_parameter: cfg.max_tokens,
                        "response_format": response_format(self._keys)}
                    if cfg.temperature is not None:
                        request["temperature"] = cfg.temperature
                    response = await self._client.chat.completions.create(**request)
                return self._parse(response, key), str(getattr(response, "model", "") or cfg.model)
            except InvalidOutput as exc:
                invalid += 1
                if invalid >= cfg.invalid_output_attempts:
                    raise _GiveUp(f"invalid AI output: {exc}") from None
                delay = 0.0
            except openai.APIStatusError as exc:
                delay = self._retry_delay(exc, attempt)
            except (openai.APITimeoutError, openai.APIConnectionError) as exc:
                if attempt >= cfg.max_attempts:
                    kind = "timed out" if isinstance(exc, openai.APITimeoutError) else "unreachable"
                    raise _GiveUp(f"AI service {kind}", cooldown=cfg.outage_cooldown) from None
                delay = self._backoff(attempt)
            self.stats.retries += 1
            if delay > 0:
                self.stats.waited += delay
                await self._sleep(delay)

    def _parse(self, response: Any, key: str) -> AIAnswer:
        usage = getattr(response, "usage", None)
        if usage is not None:
            details = getattr(usage, "prompt_tokens_details", None)
            self.meter.record(key, str(getattr(response, "model", "") or self.config.model),
                              int(getattr(usage, "prompt_tokens", 0) or 0),
                              int(getattr(usage, "completion_tokens", 0) or 0),
                              int(getattr(details, "cached_tokens", 0) or 0) if details is not None else 0)
        choices = getattr(response, "choices", None) or []
        if not choices:
            raise InvalidOutput("the answer has no choices")
        message = choices[0].message
        if getattr(message, "refusal", None):
            raise _GiveUp("the AI refused to answer")
        if choices[0].finish_reason == "length":
            raise InvalidOutput("the answer was cut off (max_tokens)")
        content = message.content or ""
        try:
            data = json.loads(content)
        except (TypeError, ValueError):
            raise InvalidOutput("the answer is not valid JSON") from None
        return validate_answer(data, self._keys)

    def _retry_delay(self, exc: openai.APIStatusError, attempt: int) -> float:
        """How long to wait before the next attempt, or _GiveUp when retrying cannot help."""
        cfg = self.config
        code = _error_code(exc)
        if code == "insufficient_quota":
            raise _GiveUp("AI quota exhausted", cooldown=cfg.quota_cooldown)
        if exc.status_code in (401, 403):
            raise _GiveUp("AI service refused the API key", cooldown=cfg.quota_cooldown)
        if exc.status_code not in _RETRY_STATUS and exc.status_code < 500:
            raise _GiveUp(f"AI service rejected the request (HTTP {exc.status_code})")
        if attempt >= cfg.max_attempts:
            what = "rate limited" if exc.status_code == 429 else f"failing (HTTP {exc.status_code})"
            raise _GiveUp(f"AI service {what}", cooldown=cfg.outage_cooldown if exc.status_code >= 500 else 0.0)
        wait = retry_after_seconds(exc.response.headers)
        if wait is None:
            return self._backoff(attempt)
        if wait > cfg.max_retry_after:
            raise _GiveUp(f"AI service asks to wait {wait:.0f} s", cooldown=wait)
        return wait

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter: uniform in [base*2^(n-1)/2, base*2^(n-1)], capped."""
        ceiling = min(self.config.backoff_max, self.config.backoff_base * 2.0 ** (attempt - 1))
        return float(ceiling * (0.5 + 0.5 * self._rng.random()))

    def _classification(self, email: Email, answer: AIAnswer, model: str) -> Classification:
        flags = (PROMPT_INJECTION,) if answer.suspicious_instructions else ()
        rationale = answer.rationale
        if answer.suspicious_instructions:
            rationale = f"{rationale} The AI reported instructions aimed at it inside the email.".strip()
        return Classification(category=answer.category, urgency=answer.urgency, confidence=answer.confidence,
                              rationale=rationale, model=f"openai:{model}",
                              language=answer.language or email.language_hint, flags=flags,
                              needs_manual_action=answer.needs_manual_action, draft_reply=answer.draft_reply)


def _error_code(exc: openai.APIStatusError) -> str:
    code = getattr(exc, "code", None)
    if code:
        return str(code)
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            return str(inner.get("code") or inner.get("type") or "")
    return ""
