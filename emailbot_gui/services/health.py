"""Integration health: each integration is ok, degraded, failing or disabled, with the last error and when.

Two inputs: the periodic check (`test_integration` every EMAILBOT_HEALTH_CHECK_INTERVAL seconds, an asyncio
task, no Qt) and what the running connectors report — a failed poll, a CRM lookup that failed or timed out,
an email the AI could not classify. A live failure makes an integration degraded, three in a row failing;
a live success clears them. What is shown is the worse of the two. Every change is published as
`HealthChanged` on the event hub."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from emailbot_gui.config.secrets import SecretStore
from emailbot_gui.config.settings import Settings
from emailbot_gui.core.types import Address, Classification, Email, SourceResult
from emailbot_gui.services.checks import FAILING, WARNING, Check
from emailbot_gui.services.connector_builders import NO_HOOKS, ConnectorHooks
from emailbot_gui.services.events import (
    Event,
    EventHub,
    Health,
    HealthChanged,
    IntegrationState,
    LoopStatus,
)
from emailbot_gui.services.integrations import (
    INTEGRATIONS,
    enabled_integrations,
    integration_label,
    test_integration,
)

__all__ = ["Health", "HealthChanged", "HealthMonitor", "IntegrationState", "ReportingClassifier",
           "ReportingSource"]

log = logging.getLogger(__name__)
FAILING_AFTER = 3  # live failures in a row before an integration counts as failing
_RANK = {IntegrationState.DISABLED: 0, IntegrationState.OK: 1, IntegrationState.DEGRADED: 2,
         IntegrationState.FAILING: 3}
Checker = Callable[..., Awaitable[list[Check]]]


@dataclass
class _Entry:
    checked: IntegrationState = IntegrationState.OK
    checked_error: str = ""
    checks: tuple[Check, ...] = ()
    checked_at: datetime | None = None
    live_failures: int = 0
    live_error: str = ""
    live_at: datetime | None = None


def state_of(checks: Sequence[Check]) -> tuple[IntegrationState, str]:
    failing = [c for c in checks if c.status == FAILING]
    if failing:
        return IntegrationState.FAILING, f"{failing[0].name}: {failing[0].detail}"
    warning = [c for c in checks if c.status == WARNING]
    if warning:
        return IntegrationState.DEGRADED, f"{warning[0].name}: {warning[0].detail}"
    return IntegrationState.OK, ""


class HealthMonitor:
    def __init__(self, settings: Settings, secrets: SecretStore, interval: float | None = None, *,
                 events: EventHub | None = None, hooks: ConnectorHooks = NO_HOOKS, checker: Checker = test_integration,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.settings = settings
        self.secrets = secrets
        self.interval = interval if interval is not None else settings.health_check_interval
        self.events = events
        self.hooks = hooks
        self._checker = checker
        self._clock = clock
        self._entries: dict[str, _Entry] = {name: _Entry() for name in INTEGRATIONS}
        self._last: tuple[Health, ...] = ()
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._last_poll: datetime | None = None
        self._unsubscribe = events.subscribe(self._on_event) if events is not None else None

    # ---- reading ---------------------------------------------------------------------------------------

    def snapshot(self) -> list[Health]:
        enabled = set(enabled_integrations(self.settings))
        out = []
        for name in INTEGRATIONS:
            label = integration_label(name, self.settings)
            if name not in enabled:
                out.append(Health(name, label, IntegrationState.DISABLED))
                continue
            e = self._entries[name]
            live = IntegrationState.OK
            if e.live_failures:
                live = IntegrationState.FAILING if e.live_failures >= FAILING_AFTER else IntegrationState.DEGRADED
            state = live if _RANK[live] > _RANK[e.checked] else e.checked
            error = e.live_error if _RANK[live] > _RANK[e.checked] else e.checked_error
            times = [t for t in (e.checked_at, e.live_at) if t is not None]
            out.append(Health(name, label, state, error, max(times) if times else None, e.checks))
        return out

    # ---- checking ----------------------------------------------------------------------------------------

    async def check_now(self, names: Sequence[str] | None = None) -> list[Health]:
        """Check the enabled integrations (or `names` of them) now, concurrently; returns the new health."""
        wanted = [n for n in (names or INTEGRATIONS) if n in enabled_integrations(self.settings)]
        settings, secrets = self.settings, self.secrets
        results = await asyncio.gather(*(self._checker(n, settings, secrets, hooks=self.hooks) for n in wanted))
        if settings is self.settings:  # settings changed meanwhile: these results are for the old ones
            now = self._clock()
            for name, checks in zip(wanted, results, strict=True):
                state, error = state_of(checks)
                e = self._entries[name]
                e.checked, e.checked_error, e.checks, e.checked_at = state, error, tuple(checks), now
        return self._publish()

    def start(self) -> None:
        """Check now, then every `interval` seconds, until `stop()`."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="health-monitor")

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.check_now()
            except Exception:  # the monitor must outlive any check
                log.exception("the integration health check failed")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)

    def update_settings(self, settings: Settings, secrets: SecretStore | None = None, *, recheck: bool = True) -> None:
        """New settings: with `recheck` (an integration's settings or secrets changed), forget what was found
        with the old ones and check again now; without, keep the findings and the schedule (a shorter interval
        starts with a check now)."""
        self.settings = settings
        self.secrets = secrets or self.secrets
        shorter = settings.health_check_interval < self.interval
        self.interval = settings.health_check_interval
        if recheck:
            self._entries = {name: _Entry() for name in INTEGRATIONS}
            self._publish()
        if recheck or shorter:
            self._wake.set()

    # ---- live reports ------------------------------------------------------------------------------------

    def report(self, name: str, error: str | None, *, clears: str | None = None) -> None:
        """What a running connector just experienced: `error` None is a success. With `clears`, the success
        speaks only for that part of the integration: it clears that error, and leaves any other alone."""
        e = self._entries.get(name)
        if e is None:
            return
        if error is None:
            if not e.live_failures or (clears is not None and e.live_error != clears):
                return
            e.live_failures, e.live_error = 0, ""
        else:
            e.live_failures += 1
            e.live_error = error
        e.live_at = self._clock()
        self._publish()

    def _on_event(self, event: Event) -> None:
        if not isinstance(event, LoopStatus):
            return
        if event.state == "error":
            self.report("mail", event.message or "polling the mailbox failed")
        elif event.state == "idle" and event.last_poll is not None and event.last_poll != self._last_poll:
            self._last_poll = event.last_poll
            self.report("mail", None)

    def _publish(self) -> list[Health]:
        health = self.snapshot()
        comparable = tuple(replace(h, checked_at=None) for h in health)
        if comparable != self._last:
            self._last = comparable
            if self.events is not None:
                self.events.publish(HealthChanged(tuple(health)))
        return health


class ReportingSource:
    """A context source that tells the health monitor how each lookup went (the gateway's timeout cancels
    the lookup: that counts as a failure too)."""

    def __init__(self, inner: Any, monitor: HealthMonitor, integration: str) -> None:
        self.inner = inner
        self.monitor = monitor
        self.integration = integration
        self.name: str = inner.name
        self.label: str = getattr(inner, "label", inner.name)

    def __repr__(self) -> str:
        return f"ReportingSource({self.inner!r})"

    async def lookup(self, sender: Address) -> SourceResult:
        try:
            result: SourceResult = await self.inner.lookup(sender)
        except asyncio.CancelledError:
            self.monitor.report(self.integration, "a lookup did not answer in time")
            raise
        except Exception as exc:
            self.monitor.report(self.integration, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
            raise
        self.monitor.report(self.integration, None)
        return result

    async def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close is not None:
            await close()


class ReportingClassifier:
    """The AI classifier, telling the health monitor when emails had to fall back to the local model."""

    def __init__(self, inner: Any, monitor: HealthMonitor) -> None:
        self.inner = inner
        self.monitor = monitor
        self.name: str = inner.name

    async def classify(self, emails: Sequence[Email]) -> list[Classification]:
        from emailbot_gui.classify.openai_classifier import AI_FALLBACK

        results: list[Classification] = await self.inner.classify(emails)
        fell_back = [c for c in results if AI_FALLBACK in c.flags]
        if fell_back:
            model = fell_back[0].model
            reason = model.split("(fallback: ", 1)[-1].rstrip(")") if "(fallback: " in model else "unavailable"
            self.monitor.report("openai", f"{len(fell_back)} of {len(results)} emails fell back to the local "
                                          f"model: {reason}")
        elif results:
            self.monitor.report("openai", None)
        return results

    async def close(self) -> None:
        await self.inner.close()
