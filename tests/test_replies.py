"""Tests of the reply templates: placeholders, optional sentences, hostile input, no-reply categories
and the user's templates folder overriding the shipped one."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from emailbot_gui.classify.replies import ReplyTemplates, shipped_templates_dir
from emailbot_gui.core.categories import DEFAULT_CATEGORIES
from emailbot_gui.core.types import Address, Email, Enrichment, SourceResult


def _email(subject: str = "VPN keeps dropping", name: str = "Jane Doe") -> Email:
    return Email(
        source="test",
        provider_id="1",
        message_id="<1@test>",
        subject=subject,
        sender=Address("jane.doe@northwind.example", name),
        received_at=datetime(2025, 3, 1, tzinfo=UTC),
        body_text="It drops every hour.",
    )


def _enrichment(
    *,
    contract: dict[str, str] | None = None,
    tickets: list[dict[str, str]] | None = None,
    name: str = "Jane Doe",
) -> Enrichment:
    record = {
        "customer": {
            "name": name,
            "company": "Northwind Logistics Ltd",
            "email": "jane.doe@northwind.example",
            "vip": False,
        },
        "contract": contract,
        "tickets": tickets if tickets is not None else [],
    }
    return Enrichment((SourceResult("crm", "not_found"), SourceResult("customer_db", "found", record)))


GOLD = {
    "support_level": "Gold",
    "contract_type": "Managed IT",
    "expires_on": "2027-01-31",
    "status": "active",
}
TICKETS = [
    {"subject": "Printer", "status": "open", "priority": "low", "created_at": "2025-02-01"},
    {"subject": "Laptop", "status": "pending", "priority": "high", "created_at": "2025-02-10"},
    {"subject": "Old", "status": "closed", "priority": "low", "created_at": "2024-01-10"},
]


@pytest.fixture(scope="module")
def templates() -> ReplyTemplates:
    return ReplyTemplates.load([shipped_templates_dir()])


def test_every_default_category_has_a_shipped_template(templates: ReplyTemplates) -> None:
    assert set(templates.keys()) >= {c.key for c in DEFAULT_CATEGORIES}
    for category in DEFAULT_CATEGORIES:
        proposal = templates.render(category.key, _email(), None, "Sam")
        assert bool(proposal.no_reply_reason) == (not category.needs_reply), category.key
        if category.needs_reply:
            assert proposal.reply_text.startswith("Hello Jane,")
            assert "$" not in proposal.reply_text  # every placeholder was filled
            assert "Sam" in proposal.reply_text


def test_placeholders_are_filled_from_email_and_enrichment(templates: ReplyTemplates) -> None:
    text = templates.render(
        "network_vpn", _email(), _enrichment(contract=GOLD, tickets=TICKETS), "Sam Operator"
    ).reply_text
    assert text.startswith("Hello Jane,\n")
    assert '"VPN keeps dropping"' in text
    assert "Your Gold support plan applies" in text
    assert "2 open requests" in text  # the closed ticket is not counted
    assert text.rstrip().endswith("Sam Operator\nIT Support")


def test_context_sentences_appear_only_when_the_data_exists(templates: ReplyTemplates) -> None:
    bare = templates.render("network_vpn", _email(), None, "Sam").reply_text
    no_contract = templates.render(
        "network_vpn", _email(), _enrichment(contract=None, tickets=[]), "Sam"
    ).reply_text
    expired = dict(GOLD, status="expired")
    lapsed = templates.render("network_vpn", _email(), _enrichment(contract=expired), "Sam").reply_text
    for text in (bare, no_contract, lapsed):
        assert "support plan" not in text and "open request" not in text
        assert "\n\n\n" not in text and " \n" not in text  # no holes where the sentence would be
    one = templates.render("hardware", _email(), _enrichment(tickets=TICKETS[:1]), "Sam").reply_text
    assert "1 open request from you" in one and "support plan" not in one


def test_optional_lines_are_dropped_without_their_data(templates: ReplyTemplates) -> None:
    with_company = templates.render("billing_licence", _email(), _enrichment(contract=GOLD), "Sam").reply_text
    without = templates.render("billing_licence", _email(), None, "Sam").reply_text
    assert "Northwind Logistics Ltd account" in with_company
    assert "account so the right contract" not in without and "?" not in without.splitlines()[0]


def test_hostile_subject_is_inserted_literally(templates: ReplyTemplates) -> None:
    hostile = "${operator} {0.__class__} $first_name {subject!r:>{width}} %(x)s"
    text = templates.render("how_to", _email(subject=hostile, name="${operator}"), None, "Sam").reply_text
    assert f'"{hostile}"' in text
    assert "Hello ${operator}," in text  # the sender's name is data too
    assert "<class" not in text and "Sam} " not in text


def test_multiline_subject_and_odd_names_stay_on_one_line(templates: ReplyTemplates) -> None:
    text = templates.render(
        "hardware", _email(subject="Broken\r\n laptop\x00 screen", name="Doe, Jane"), None, "Sam"
    ).reply_text
    assert '"Broken laptop screen"' in text
    assert text.startswith("Hello Jane,")
    nameless = templates.render("hardware", _email(name=""), None, "").reply_text
    assert nameless.startswith("Hello there,") and "The support team" in nameless


def test_no_reply_categories_produce_a_reason_and_no_text(templates: ReplyTemplates) -> None:
    for key in ("spam_phishing", "out_of_office"):
        proposal = templates.render(key, _email(), _enrichment(contract=GOLD), "Sam")
        assert proposal.reply_text == ""
        assert proposal.no_reply_reason and "close without replying" in proposal.no_reply_reason


def test_user_templates_override_the_shipped_ones(tmp_path: Path) -> None:
    user = tmp_path / "templates"
    user.mkdir()
    (user / "hardware.txt").write_text(
        "Hi $first_name, we'll swap your device today. -- $operator\n", "utf-8"
    )
    (user / "how_to.txt").write_text(
        "#no-reply: we answer how-to questions in the weekly newsletter\n", "utf-8"
    )
    (user / "facilities.txt").write_text("Dear $sender_name, facilities will call you.\n", "utf-8")
    (user / "broken.txt").write_bytes(b"\xff\xfe not utf-8 \x80")
    (user / "vpn_notes.md").write_text("not a template", "utf-8")
    merged = ReplyTemplates.load([shipped_templates_dir(), user, tmp_path / "missing"])
    assert (
        merged.render("hardware", _email(), None, "Sam").reply_text
        == "Hi Jane, we'll swap your device today. -- Sam\n"
    )
    assert merged.render("how_to", _email(), None, "Sam").no_reply_reason.startswith("we answer how-to")
    assert (
        merged.render("facilities", _email(), None, "Sam").reply_text
        == "Dear Jane Doe, facilities will call you.\n"
    )
    assert merged.render("software_fault", _email(), None, "Sam").reply_text.startswith(
        "Hello Jane,"
    )  # shipped
    assert {"broken", "vpn_notes"}.isdisjoint(merged.keys())
    # the other order: the shipped folder wins
    assert (
        ReplyTemplates.load([user, shipped_templates_dir()])
        .get("hardware")
        .origin.endswith(str(Path("replies") / "hardware.txt"))
    )


def test_unknown_category_falls_back_to_a_generic_reply(tmp_path: Path) -> None:
    templates = ReplyTemplates.load([tmp_path])  # an empty folder
    text = templates.render("no_such_category", _email(), None, "Sam").reply_text
    assert text.startswith("Hello Jane,") and '"VPN keeps dropping"' in text and "$" not in text
    (tmp_path / "_default.txt").write_text("Thanks $first_name, noted.\n", "utf-8")
    assert (
        ReplyTemplates.load([tmp_path]).render("x", _email(), None, "Sam").reply_text
        == "Thanks Jane, noted.\n"
    )


def test_record_shapes_from_other_sources_are_tolerated(templates: ReplyTemplates) -> None:
    odd = Enrichment(
        (
            SourceResult("crm", "error", error="timeout"),
            SourceResult("hubspot", "found", {"name": "Jane Roe", "tickets": "n/a"}),
        )
    )
    text = templates.render("hardware", _email(name=""), odd, "Sam").reply_text
    assert text.startswith("Hello Jane,") and "open request" not in text


@pytest.mark.parametrize(("urgency", "known", "flags", "answered"), [
    ("CRITICAL", True, (), True),  # a known person fell for it: answer and escalate
    ("HIGH", True, ("phishing-link",), True),  # ... even when they quote the bad link
    ("LOW", True, (), False),  # junk that got through the filter: close unanswered
    ("CRITICAL", False, (), False),  # "URGENT: verify your account" from nobody we know is phishing itself
    ("CRITICAL", True, ("prompt-injection",), False),  # steering the assistant is never answered
])
def test_a_phishing_victims_report_is_answered_and_escalated_phishing_itself_is_not(
        templates: ReplyTemplates, urgency: str, known: bool, flags: tuple[str, ...], answered: bool) -> None:
    from emailbot_gui.core.types import Classification, Urgency
    from emailbot_gui.pipeline.escalation_policy import EscalationPolicy, Person
    from emailbot_gui.pipeline.proposer import Proposer

    security = Person(Address("sec@contoso.example", "Security desk"), "Security", frozenset({"spam_phishing"}), None)
    proposer = Proposer(templates, EscalationPolicy([security]), "Alex")
    classification = Classification("spam_phishing", Urgency[urgency], 0.9, "", "local", flags=flags)
    enrichment = _enrichment() if known else Enrichment((SourceResult("customer_db", "not_found"),))
    proposal = proposer.propose(_email("I typed my password on a fake page"), classification, enrichment)
    if answered:
        assert not proposal.no_reply_reason and "security incident" in proposal.reply_text
        assert proposal.reply_text.startswith("Hello Jane,")
        if urgency in ("HIGH", "CRITICAL"):
            assert proposal.escalation is not None and security.address in proposal.escalation.people
    else:
        assert proposal.no_reply_reason and not proposal.reply_text and proposal.escalation is None
