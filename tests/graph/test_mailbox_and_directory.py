"""On-demand mailbox work (attachments through $batch, downloads, raw MIME, marking handled mail with a
category and a move that keeps the immutable id), directory type-ahead, and parsing Graph JSON."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from emailbot_gui.connectors.base import HandledMessage, RawMessage
from emailbot_gui.connectors.graph import AuthMode, GraphSettings, GraphSettingsError, parse_graph_message
from emailbot_gui.connectors.graph.messages import envelope
from emailbot_gui.mail.parse import MalformedEmail
from tests.graph.conftest import sign_in


async def test_attachments_are_listed_in_one_batch_and_downloaded_on_demand(fake, build):
    ids = fake.mailbox.add_messages(3, attachments=2)
    c = build()
    listed = await c.mailbox.list_attachments(ids)
    assert fake.count(r"^/\$batch$") == 1 and fake.count("/attachments$", inner=True) == 3
    assert [a.name for a in listed[ids[0]]] == ["log0.txt", "log1.txt"] and listed[ids[0]][0].size == 11
    assert await c.mailbox.download_attachment(ids[0], listed[ids[0]][1]) == b"hello world"
    assert (await c.mailbox.fetch_mime(ids[1])).startswith(b"Message-ID: <msg2@customer.example>")


async def test_handled_mail_is_categorized_and_moved_keeping_its_id(fake, build):
    ids = fake.mailbox.add_messages(2)
    fake.mailbox.messages[ids[0]]["categories"] = ["Red category"]
    c = build()
    assert await c.mailbox.mark_processed(ids, category="EmailBot: handled", move_to="archive") == 2
    assert fake.mailbox.messages[ids[0]]["categories"] == ["Red category", "EmailBot: handled"]
    assert {m["id"] for m in fake.mailbox.in_folder("archive")} == set(ids)
    assert (await c.mail_client.get(f"/users/support@contoso.test/messages/{ids[0]}"))["id"] == ids[0]
    assert fake.count(r"^/\$batch$") == 3  # read categories, patch, move
    assert fake.mailbox.mutable_id_answers == 0


async def test_a_message_deleted_in_the_mailbox_is_reported_gone_not_failed(fake, build):
    ids = fake.mailbox.add_messages(3)
    del fake.mailbox.messages[ids[1]]  # a colleague deleted it in Outlook
    c = build()
    outcome = await c.mailbox.mark_handled([HandledMessage(i) for i in ids], tag="EmailBot: handled", move_to="archive")
    assert outcome.gone == [ids[1]] and outcome.failed == {} and outcome.changed == 2
    assert {m["id"] for m in fake.mailbox.in_folder("archive")} == {ids[0], ids[2]}
    assert fake.count("/move$", inner=True) == 2  # nothing is moved that is known to be gone


async def test_directory_type_ahead_uses_search_with_eventual_consistency(fake, build):
    c = build()
    await sign_in(c)
    found = await c.directory.search("ni")
    assert [u.display_name for u in found] == ["Nina Network", "Nils Nyberg"]
    assert found[0].address.address == "nina@contoso.test"
    assert await c.directory.search("Ni") == found and fake.count("^/users$") == 1  # cached
    assert await c.directory.search("n") == []  # too short to ask


async def test_directory_falls_back_to_startswith_filters(fake, build):
    c = build()
    await sign_in(c)
    fake.fail("^/users$", status=400, body={"error": {"code": "Request_UnsupportedQuery", "message": "no"}})
    found = await c.directory.search("sam")
    assert [u.user_principal_name for u in found] == ["sam@contoso.test"]
    assert "$filter" in fake.requests("^/users$")[-1].query


def test_graph_json_becomes_an_email():
    message = {"id": "AAkX1", "subject": "VPN down", "internetMessageId": "<a@b>", "conversationId": "CONV",
               "receivedDateTime": "2026-11-02T08:15:00Z",
               "from": {"emailAddress": {"name": "Ann", "address": "ann@fabrikam.example"}},
               "toRecipients": [{"emailAddress": {"name": "", "address": "support@contoso.test"}}],
               "replyTo": [{"emailAddress": {"address": "tickets@fabrikam.example"}}],
               "body": {"contentType": "text", "content": "It is down."},
               "attachments": [{"name": "trace.log", "contentType": "text/plain", "size": 42, "isInline": False}]}
    email = parse_graph_message(RawMessage("AAkX1", envelope(message)), "graph:support@contoso.test")
    assert email.subject == "VPN down" and email.sender.name == "Ann" and email.thread_id == "CONV"
    assert email.received_at == datetime(2026, 11, 2, 8, 15, tzinfo=UTC) and email.body_text == "It is down."
    assert email.reply_to[0].address == "tickets@fabrikam.example" and email.attachments[0].size == 42
    bare = parse_graph_message(RawMessage("AAkX2", envelope({"id": "AAkX2"})), "graph:x")
    assert "missing Message-ID" in bare.parse_defects and bare.message_id.endswith("@graph.emailbot.invalid>")
    mime = parse_graph_message(RawMessage("f", b"Subject: hi\r\nFrom: a@b.example\r\n\r\nbody\r\n"), "folder")
    assert mime.subject == "hi"  # anything else still goes to the MIME parser
    with pytest.raises(MalformedEmail):
        parse_graph_message(RawMessage("bad", b'{"emailbot.graph":1,"message":[}'), "graph:x")


def test_settings_validation_and_environment():
    env = {"EMAILBOT_M365_CLIENT_ID": "app", "EMAILBOT_TARGET_MAILBOX": "it-support@contoso.test",
           "EMAILBOT_M365_AUTHORITY": "https://login.microsoftonline.us/contoso.onmicrosoft.com",
           "EMAILBOT_M365_AUTH_MODE": "app_secret", "EMAILBOT_M365_CLOUD": "usgov"}
    s = GraphSettings.from_env(env).validate()
    assert s.tenant_id == "contoso.onmicrosoft.com" and s.auth_mode is AuthMode.APP_SECRET
    assert s.graph_base_url == "https://graph.microsoft.us/v1.0" and s.source_name == "graph:it-support@contoso.test"
    with pytest.raises(GraphSettingsError, match="https"):
        GraphSettings("t", "c", "a@b", graph_endpoint="http://graph.example.com").validate()
    with pytest.raises(GraphSettingsError, match="max_concurrency"):
        GraphSettings("t", "c", "a@b", max_concurrency=8).validate()
    with pytest.raises(GraphSettingsError, match="tenant"):
        GraphSettings("common", "c", "a@b").validate()
