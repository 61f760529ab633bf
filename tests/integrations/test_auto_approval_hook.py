"""The auto-approval hook in the running app: after a proposal, the policy decides; an allowed one is
approved as "auto-approval" through the same audited operations (and delivered), only when the operator
switched it on, never for a flagged email — and switching it is itself audited, before and after."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from emailbot_gui.config.paths import AppPaths
from emailbot_gui.config.settings import Settings
from emailbot_gui.core.categories import CATEGORY_KEYS
from emailbot_gui.core.lifecycle import EmailState
from emailbot_gui.pipeline.auto_approval import AUTO_ACTOR, AutoApprovalSettings, CategoryRule
from emailbot_gui.services.runtime import Mode, Runtime, build_runtime
from emailbot_gui.store.views import QueueQuery
from tests.integrations.test_runtime_wiring import INJECTION, VPN, mail_dir

PASSWORD = b"""From: Ann Example <ann@example.test>
To: support@contoso.test
Subject: Please reset my password
Date: Tue, 03 Mar 2026 10:00:00 +0000
Message-ID: <pw-1@example.test>

Hi, I forgot my password and cannot log in to the portal. Could you reset it? Thanks, Ann
"""
EVERYTHING_ON = {"enabled": True, "rules": {k: {"enabled": True, "threshold": 0.0} for k in CATEGORY_KEYS}}


async def run_with(tmp_path: Path, auto_approval: dict[str, Any]) -> tuple[Runtime, dict[str, Any]]:
    runtime = await build_runtime(AppPaths.resolve(tmp_path / "data"),
                                  Settings(operator_name="Tester", auto_approval=auto_approval),
                                  Mode(mail_dir=mail_dir(tmp_path, VPN, INJECTION, PASSWORD)), start_health=False)
    await runtime.loop.run_until_exhausted()
    await runtime.console.wait_idle()
    rows = await runtime.console.queue_page(QueueQuery(), 0, 100)
    details = {r.id: await runtime.console.detail(r.id) for r in rows}
    return runtime, {d.email.message_id: d for d in details.values()}


async def test_approves_as_auto_approval_only_what_the_policy_allows(tmp_path: Path) -> None:
    runtime, by_id = await run_with(tmp_path, EVERYTHING_ON)
    try:
        audit = await runtime.console.audit()
        auto = {a.email_id for a in audit if a.actor == AUTO_ACTOR}
        injected = by_id["<inj-1@evil.example>"]
        assert injected.classification.flags and injected.id not in auto  # flagged: never
        assert injected.state == EmailState.AWAITING_REVIEW
        approved = [d for d in by_id.values() if d.id in auto]
        assert approved, "nothing was auto-approved"
        for d in approved:
            assert not d.classification.flags and d.proposal.escalation is None
            entry = next(a for a in audit if a.email_id == d.id and a.actor == AUTO_ACTOR)
            assert entry.action in ("approve_reply", "close")
        delivered = [o for o in await runtime.console.outbox() if o.status == "delivered"]
        assert {o.email_id for o in delivered} == {d.id for d in approved if d.proposal.reply_text}
        rates = await runtime.console.agreement_rates()
        assert all(r.decided == 0 for r in rates.values())  # the auto-approver's decisions are not the operator's
    finally:
        await runtime.close()


async def test_off_by_default_and_a_category_left_off_is_not_touched(tmp_path: Path) -> None:
    runtime, _ = await run_with(tmp_path, {})
    try:
        assert not [a for a in await runtime.console.audit() if a.actor == AUTO_ACTOR]
        assert runtime.console.auto_approval == AutoApprovalSettings()
    finally:
        await runtime.close()
    only_rule_off = {"enabled": True, "rules": {k: {"enabled": False, "threshold": 0.0} for k in CATEGORY_KEYS}}
    runtime, _ = await run_with(tmp_path / "second", only_rule_off)
    try:
        assert not [a for a in await runtime.console.audit() if a.actor == AUTO_ACTOR]
    finally:
        await runtime.close()


async def test_switching_auto_approval_is_saved_and_audited(tmp_path: Path) -> None:
    runtime, _ = await run_with(tmp_path, {})
    try:
        rules = AutoApprovalSettings(enabled=True, rules={"password_reset": CategoryRule(enabled=True,
                                                                                         threshold=0.97)})
        await runtime.console.set_auto_approval(rules)
        assert runtime.console.auto_approval == rules and runtime.console.settings.auto_approval == rules.to_json()
        assert '"password_reset"' in runtime.paths.settings_file.read_text()
        [entry] = [a for a in await runtime.console.audit() if a.action == "settings_changed"]
        assert entry.actor == "Tester" and entry.details["changed"] == ["auto_approval"]
        assert entry.details["auto_approval"] == {"before": {}, "after": rules.to_json()}
    finally:
        await runtime.close()
