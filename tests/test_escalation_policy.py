from datetime import UTC, datetime

from emailbot_gui.config.paths import resources_dir
from emailbot_gui.core.types import Address, Classification, Email, Enrichment, SourceResult, Urgency
from emailbot_gui.pipeline.escalation_policy import EscalationPolicy, Person, load_directory

NET = Person(Address("net@x.example", "Net"), "network", frozenset({"network_vpn", "outage"}), Urgency.HIGH)
SEC = Person(Address("sec@x.example", "Sec"), "security", frozenset({"spam_phishing"}), None)
ONCALL = Person(Address("duty@x.example", "Duty"), "on call", frozenset(), Urgency.CRITICAL)
EMAIL = Email("t", "p", "<m@x>", "VPN down for the whole office", Address("ann@acme.example", "Ann"),
              datetime(2026, 3, 1, tzinfo=UTC), body_text="Nobody can connect.")


def c(category: str, urgency: Urgency) -> Classification:
    return Classification(category, urgency, 0.9, "Mentions 'vpn'.", "test")


def test_people_need_both_their_category_and_enough_urgency():
    policy = EscalationPolicy([NET, SEC, ONCALL])
    assert policy.people_for(c("network_vpn", Urgency.MEDIUM)) == ()
    assert policy.people_for(c("network_vpn", Urgency.HIGH)) == (NET.address,)
    assert policy.people_for(c("network_vpn", Urgency.CRITICAL)) == (NET.address, ONCALL.address)
    assert policy.people_for(c("hardware", Urgency.CRITICAL)) == (ONCALL.address,)
    assert policy.people_for(c("spam_phishing", Urgency.LOW)) == (SEC.address,)


def test_only_urgent_mail_gets_an_escalation_proposed():
    policy = EscalationPolicy([NET, SEC, ONCALL])
    assert policy.propose(EMAIL, c("network_vpn", Urgency.MEDIUM), None) is None
    assert policy.propose(EMAIL, c("spam_phishing", Urgency.CRITICAL), None) is None
    proposal = policy.propose(EMAIL, c("outage", Urgency.CRITICAL), None)
    assert proposal is not None and proposal.people == (NET.address, ONCALL.address)


def test_message_names_the_customer_context():
    enrichment = Enrichment((SourceResult("db", "found", record={
        "customer": {"name": "Ann", "company": "Acme Ltd", "vip": True},
        "contract": {"support_level": "Gold", "status": "active"}}),))
    proposal = EscalationPolicy([NET]).suggest(EMAIL, c("network_vpn", Urgency.HIGH), enrichment)
    assert "reported by Ann (Acme Ltd, Gold support, VIP)." in proposal.message
    assert proposal.topic == "[High] Network / VPN: VPN down for the whole office"


def test_shipped_directory_never_proposes_everyone():
    people = load_directory(resources_dir() / "demo" / "people.json")
    policy = EscalationPolicy(people)
    for category in ("password_reset", "network_vpn", "hardware", "outage", "billing_licence"):
        for urgency in (Urgency.HIGH, Urgency.CRITICAL):
            assert 1 <= len(policy.people_for(c(category, urgency))) <= 4, (category, urgency)
