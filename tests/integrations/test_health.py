"""The health monitor: states from the periodic checks, live reports (degraded, then failing after three in a
row, cleared by a success), the worse of the two shown, disabled integrations, HealthChanged published only
on a change, the periodic task on its interval, and the mail source's poll errors from the loop status."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from emailbot_gui.config.secrets import MemorySecretStore
from emailbot_gui.config.settings import Settings
from emailbot_gui.services.checks import Check
from emailbot_gui.services.events import EventHub, HealthChanged, LoopStatus
from emailbot_gui.services.health import HealthMonitor, IntegrationState


class ScriptedChecker:
    def __init__(self) -> None:
        self.answers: dict[str, list[Check]] = {}
        self.calls: list[str] = []
        self.called = asyncio.Event()
        self.checked: dict[str, asyncio.Event] = {}

    async def __call__(self, name: str, settings: Settings, secrets: Any, **_: Any) -> list[Check]:
        self.calls.append(name)
        self.called.set()
        self.checked.setdefault(name, asyncio.Event()).set()
        return self.answers.get(name, [Check(name, "ok", "fine")])


def monitor(settings: Settings, checker: ScriptedChecker, **kw: Any) -> tuple[HealthMonitor, list[HealthChanged]]:
    events = EventHub()
    seen: list[HealthChanged] = []
    events.subscribe(lambda e: seen.append(e) if isinstance(e, HealthChanged) else None)
    return HealthMonitor(settings, MemorySecretStore(), events=events, checker=checker, **kw), seen


def states(health: list[Any]) -> dict[str, IntegrationState]:
    return {h.name: h.state for h in health}


async def test_checks_set_states_and_disabled_integrations_stay_disabled() -> None:
    checker = ScriptedChecker()
    checker.answers["salesforce"] = [Check("Sign-in", "failing", "refused", "fix the secret")]
    checker.answers["hubspot"] = [Check("Access token", "ok", ""), Check("Search", "warning", "slow")]
    m, seen = monitor(Settings(salesforce_enabled=True, hubspot_enabled=True), checker)
    health = await m.check_now()
    assert sorted(checker.calls) == ["hubspot", "mail", "salesforce"]  # only what is enabled is checked
    assert states(health) == {"mail": "ok", "openai": "disabled", "salesforce": "failing", "hubspot": "degraded",
                              "customer_db": "disabled", "teams": "disabled"}
    sf = next(h for h in health if h.name == "salesforce")
    assert sf.last_error == "Sign-in: refused" and sf.checks[0].fix == "fix the secret" and sf.checked_at
    assert len(seen) == 1 and seen[0].health == tuple(health)
    await m.check_now()
    assert len(seen) == 1  # nothing changed: nothing published


async def test_live_reports_degrade_then_fail_and_a_success_clears() -> None:
    m, seen = monitor(Settings(salesforce_enabled=True), ScriptedChecker())
    await m.check_now()
    m.report("salesforce", "timeout")
    assert states(m.snapshot())["salesforce"] == "degraded"
    m.report("salesforce", "timeout")
    m.report("salesforce", "HTTP 500")
    sf = next(h for h in m.snapshot() if h.name == "salesforce")
    assert sf.state == "failing" and sf.last_error == "HTTP 500"
    m.report("salesforce", None)
    assert states(m.snapshot())["salesforce"] == "ok"
    assert [states(e.health)["salesforce"] for e in seen] == ["ok", "degraded", "failing", "ok"]
    m.report("openai", "ignored: disabled")
    assert states(m.snapshot())["openai"] == "disabled"


async def test_the_worse_of_check_and_live_is_shown() -> None:
    checker = ScriptedChecker()
    checker.answers["mail"] = [Check("Mail.Send", "failing", "missing")]
    m, _ = monitor(Settings(), checker)
    await m.check_now()
    m.report("mail", None)  # a poll worked, but sending will not: still failing
    assert states(m.snapshot())["mail"] == "failing"


async def test_loop_status_reports_the_mail_source() -> None:
    m, _ = monitor(Settings(), ScriptedChecker())
    m.events.publish(LoopStatus("error", message="GraphUnavailable: connection reset"))
    mail = next(h for h in m.snapshot() if h.name == "mail")
    assert mail.state == "degraded" and "connection reset" in mail.last_error
    m.events.publish(LoopStatus("idle", last_poll=datetime.now(UTC)))
    assert states(m.snapshot())["mail"] == "ok"


async def test_periodic_checks_run_on_the_interval_and_new_settings_recheck() -> None:
    checker = ScriptedChecker()
    m, _ = monitor(Settings(), checker, interval=0.05)
    m.start()
    try:
        for _ in range(3):
            checker.called.clear()
            await asyncio.wait_for(checker.called.wait(), 5)
        assert checker.calls.count("mail") >= 3
        assert Settings(health_check_interval=60).health_check_interval == 60
        m.update_settings(Settings(openai_enabled=True, health_check_interval=3600))
        assert m.interval == 3600
        openai_checked = checker.checked.setdefault("openai", asyncio.Event())
        await asyncio.wait_for(openai_checked.wait(), 5)  # woken at once, not after an hour
        calls = len(checker.calls)
        m.update_settings(Settings(openai_enabled=True, health_check_interval=7200, operator_name="Dana"),
                          recheck=False)  # nothing a check depends on: no round of probes now
        await asyncio.sleep(0.2)
        assert len(checker.calls) == calls and m.interval == 7200
    finally:
        await m.stop()
