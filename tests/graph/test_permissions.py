"""Permission validation without side effects: token claims plus harmless reads in one $batch; each
permission granted / missing / unknown, with how it was determined and what to do."""

from __future__ import annotations

from emailbot_gui.connectors.graph import AuthMode, MemorySecretStore, Status
from tests.graph.conftest import sign_in


def by_name(checks, kind):
    return {c.permission: c for c in checks if c.kind == kind}


def assert_no_side_effects(fake):
    assert {h.path for h in fake.requests(method="POST")} <= {"/$batch"}
    assert all(h.method == "GET" for h in fake.requests(inner=True))
    assert fake.mailbox.sends == [] and fake.teams.chats == {} and fake.mailbox.in_folder("drafts") == []


async def test_app_only_permissions_granted_and_operator_unknown(fake, build):
    c = build()
    checks = await c.permissions.validate()
    app = by_name(checks, "application")
    assert app["Mail.Read"].status is Status.GRANTED and "answered 200" in app["Mail.Read"].how
    assert app["Mail.ReadWrite"].status is Status.GRANTED and "roles claim includes" in app["Mail.ReadWrite"].how
    assert app["Mail.Send"].status is Status.GRANTED and "not exercised" in app["Mail.Send"].how
    assert app["Chat.Create"].status is Status.MISSING and not app["Chat.Create"].required
    delegated = by_name(checks, "delegated")
    assert all(c.status is Status.UNKNOWN and "Sign in" in c.fix for c in delegated.values())
    assert_no_side_effects(fake)


async def test_missing_send_permission_is_reported_with_the_fix(fake, build):
    fake.authority.app_roles = ["Mail.Read"]
    c = build()
    app = by_name(await c.permissions.validate(), "application")
    assert app["Mail.Read"].status is Status.GRANTED
    send = app["Mail.Send"]
    assert send.status is Status.MISSING and "lacks Mail.Send" in send.how
    assert "application permission Mail.Send" in send.fix and "admin consent" in send.fix
    assert app["Mail.ReadWrite"].status is Status.MISSING
    assert_no_side_effects(fake)


async def test_a_mailbox_outside_the_apps_scope_is_missing_despite_the_role(fake, build):
    fake.mailbox.deny_access = True
    c = build()
    app = by_name(await c.permissions.validate(), "application")
    read = app["Mail.Read"]
    assert read.status is Status.MISSING and "includes" in read.how and "403 ErrorAccessDenied" in read.how
    assert "application access policy" in read.fix


async def test_delegated_permissions_after_sign_in(fake, build):
    fake.authority.delegated_scopes.remove("ChatMessage.Send")
    c = build(auth_mode=AuthMode.DELEGATED)
    await sign_in(c)
    checks = await c.permissions.validate()
    delegated = by_name(checks, "delegated")
    assert delegated["Mail.Read.Shared"].status is Status.GRANTED  # via Mail.ReadWrite.Shared, and read
    assert delegated["Chat.Create"].status is Status.GRANTED
    assert delegated["User.ReadBasic.All"].status is Status.GRANTED and "answered 200" in delegated[
        "User.ReadBasic.All"].how
    assert delegated["ChatMessage.Send"].status is Status.MISSING and "sign in again" in delegated[
        "ChatMessage.Send"].fix
    assert_no_side_effects(fake)


async def test_a_wrong_secret_makes_everything_unknown_with_the_reason(fake, build, secrets):
    secrets.values.clear()
    secrets.values.update(MemorySecretStore({"unrelated": "x"}).values)
    c = build()
    app = by_name(await c.permissions.validate(), "application")
    assert all(check.status is Status.UNKNOWN for check in app.values())
    assert "no client secret is stored" in app["Mail.Read"].how
