"""The CRM panel across sources (contact, account/company, contract and support level, open cases and
tickets, each source's state including stale), the cases created from an email with a button that opens
them, and "Create case…" in the main window, end to end against a local Salesforce."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QApplication, QLabel, QPushButton

from emailbot_gui.core.lifecycle import EmailState
from emailbot_gui.core.types import Enrichment, SourceResult
from emailbot_gui.store.views import OutboxItem
from emailbot_gui.ui.crm_panel import CrmPanel

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def texts(card) -> list[str]:
    return [label.text() for label in card.findChildren(QLabel)]


SALESFORCE = SourceResult("salesforce", "found", fetched_at=NOW, elapsed_ms=120, record={
    "customer": {"name": "Dana Whitfield", "email": "dana@northwind.example", "title": "IT Manager",
                 "company": "Northwind Logistics Ltd", "link": "https://acme.my.salesforce.com/lightning/r/Contact/1/view"},
    "account": {"name": "Northwind Logistics Ltd", "type": "Customer", "industry": "Transportation"},
    "contract": {"contract_type": "Contract 00000100", "support_level": "Gold", "expires_on": "2027-12-31",
                 "status": "active"},
    "cases": [{"id": "00001001", "subject": "VPN drops", "status": "Working", "priority": "High"}],
    "api_usage": {"used": 120, "limit": 15000}})
HUBSPOT = SourceResult("hubspot", "found", fetched_at=NOW, record={
    "customer": {"name": "Dana Whitfield", "company": "Northwind", "link": "javascript:alert(1)"},
    "company": {"name": "Northwind", "support_level": "Gold"},
    "open_tickets": [{"id": "203", "subject": "Shared drive slow", "status": "Waiting on contact"}]})
STALE = SourceResult("customer_db", "stale", error="no answer within 5 s", fetched_at=datetime(2026, 2, 20, tzinfo=UTC),
                     record={"customer": {"name": "Dana W."}, "contract": None, "tickets": []})


def test_panel_shows_every_source_and_its_state(qtbot):
    panel = CrmPanel()
    qtbot.addWidget(panel)
    opened: list[QUrl] = []
    panel.linkActivated.connect(opened.append)
    error = SourceResult("zendesk", "error", error="HTTP 503")
    panel.show_enrichment(Enrichment((SALESFORCE, HUBSPOT, STALE, error)), today=date(2026, 3, 2))
    sf, hs, stale, err = (texts(card) for card in panel.cards)
    assert "Dana Whitfield" in sf and "Northwind Logistics Ltd (Customer · Transportation)" in sf
    assert any(t.startswith("Contract: Contract 00000100 · Gold · expires 2027-12-31") for t in sf)
    assert "Open cases (1)" in sf and "  #00001001 VPN drops — Working, High" in sf
    assert any("API calls today 120/15000" in t for t in sf)
    assert "Open tickets (1)" in hs and "Support level: Gold" in hs  # no contract: the company's level
    assert "  #203 Shared drive slow — Waiting on contact" in hs
    assert "stale" in stale and "Dana W." in stale
    assert any(t.startswith("Could not refresh (no answer within 5 s); showing what it said 2026-02-") for t in stale)
    assert panel.cards[2].status_label.property("role") == "error"
    assert "Error: HTTP 503" in err
    sf_buttons = panel.cards[0].findChildren(QPushButton)
    assert [b.text() for b in sf_buttons] == ["Open contact in the browser"]
    assert panel.cards[1].findChildren(QPushButton) == []  # a javascript: link is never offered
    qtbot.mouseClick(sf_buttons[0], Qt.MouseButton.LeftButton)
    assert opened == [QUrl("https://acme.my.salesforce.com/lightning/r/Contact/1/view")]


def _item(status, **kw):
    values = dict(id=1, email_id=5, kind="crm_case", idempotency_key="crm:salesforce:5", status=status,
                  payload={"target": "salesforce"}, created_at=NOW, delivered_at=None)
    values.update(kw)
    return OutboxItem(**values)


def test_panel_lists_created_cases_with_a_link(qtbot):
    panel = CrmPanel()
    qtbot.addWidget(panel)
    opened: list[QUrl] = []
    panel.linkActivated.connect(opened.append)
    panel.show_cases([_item("delivered", external_id="500A", link="https://acme.my.salesforce.com/x"),
                      _item("pending", id=2, payload={"target": "hubspot"}),
                      _item("failed", id=3, payload={"target": "customer_db"}, error="CrmError: boom")])
    lines = [label.text() for label in panel.case_lines]
    assert lines == ["Case 500A created in Salesforce", "Case in HubSpot is being created…",
                     "Case in Customer database failed: CrmError: boom"]
    (button,) = panel.case_buttons
    assert button.text() == "Open in Salesforce"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert opened == [QUrl("https://acme.my.salesforce.com/x")]
    panel.show_cases([])
    assert panel.cases_box.isHidden()


def test_no_create_case_without_a_crm_target(qtbot, window):
    from tests.ui.test_main_window import next_email

    next_email(qtbot, window)
    assert not window.commands.create_case.isVisible()
    assert window.detail.crm_panel.create_button.isHidden()


@pytest.fixture
def crm_window(qtbot, aloop, console, ui_settings, styled_app, run):
    pytest.importorskip("httpx")
    pytest.importorskip("pytest_httpserver")
    from emailbot_gui.connectors.salesforce import SalesforceSource
    from emailbot_gui.ui.main_window import MainWindow
    from tests.crm.conftest import seed_salesforce, sf_settings
    from tests.crm.fakes import FakeSalesforce, serve

    fake = FakeSalesforce()
    seed_salesforce(fake)
    server = serve(fake)
    fake.base_url = server.url_for("").rstrip("/")
    source = SalesforceSource(sf_settings(fake), fake.client_secret)
    console.dispatcher.crm_sinks["salesforce"] = source
    opened: list = []
    w = MainWindow(console, demo=True, settings=ui_settings, open_url=opened.append)
    w.opened_urls, w.fake = opened, fake
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    qtbot.waitUntil(lambda: w.queue_model.rowCount() > 0 and w.queue_model.row_at(0) is not None)
    yield w
    w.close()
    run(console.wait_idle())
    run(source.close())
    server.clear()
    server.stop()


def test_create_case_from_the_detail_pane(qtbot, crm_window, console, run):
    from tests.ui.test_main_window import next_email

    w = crm_window
    detail = next_email(qtbot, w)
    w.fake.add_contact("003000000000099AAA", detail.email.sender.address, "Demo Sender", None)
    assert w.commands.create_case.isVisible() and w.commands.create_case.isEnabled()
    assert not w.detail.crm_panel.create_button.isHidden()
    qtbot.mouseClick(w.detail.crm_panel.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.case_dialog is not None and w.case_dialog.isVisible())
    assert w.case_dialog.comboBoxItems() == ["Salesforce"]
    w.case_dialog.setTextValue("Salesforce")
    w.case_dialog.accept()
    qtbot.waitUntil(lambda: any(i.status == "delivered" for i in run(console.crm_cases(detail.id))), timeout=15_000)
    qtbot.waitUntil(lambda: [b.text() for b in w.detail.crm_panel.case_buttons] == ["Open in Salesforce"],
                    timeout=10_000)
    (item,) = run(console.crm_cases(detail.id))
    case = w.fake.cases[-1]
    assert item.external_id == case["Id"] and case["ContactId"] == "003000000000099AAA"
    assert re.fullmatch(rf"{re.escape(detail.email.subject or '(no subject)')[:200]}.* \[EB-[0-9A-F]{{16}}\]",
                        case["Subject"])
    assert run(console.detail(detail.id)).state == EmailState.AWAITING_REVIEW  # still the operator's to decide
    qtbot.mouseClick(w.detail.crm_panel.case_buttons[0], Qt.MouseButton.LeftButton)
    assert w.opened_urls == [QUrl(item.link)]
    audit = [a.action for a in run(console.audit(detail.id))]
    assert "crm_case_requested" in audit and "crm_case_created" in audit


def test_panel_fills_from_the_other_sources_while_one_hangs(qtbot, run, tmp_path):
    """Gateway + panel: a CRM that accepts the connection and never answers costs its timeout, no more."""
    pytest.importorskip("httpx")
    pytest.importorskip("pytest_httpserver")
    import time

    from emailbot_gui.connectors.customer_db import CustomerDatabaseSource
    from emailbot_gui.connectors.hubspot import HubSpotSource
    from emailbot_gui.connectors.salesforce import SalesforceSource
    from emailbot_gui.connectors.salesforce_auth import SalesforceSettings
    from emailbot_gui.core.types import Address
    from emailbot_gui.demo.customers import DEMO_CUSTOMERS, build_customer_db
    from emailbot_gui.pipeline.enrichment import EnrichmentGateway
    from tests.crm.conftest import hs_settings, seed_hubspot
    from tests.crm.fakes import FakeHubSpot, HangingServer, serve

    customer = DEMO_CUSTOMERS[0]
    build_customer_db(tmp_path / "customers.sqlite3")
    hanging, fake = HangingServer(), FakeHubSpot()
    seed_hubspot(fake)
    fake.add_contact("777", customer.email, "Priya", "Patel", company_id="501")
    server = serve(fake)
    fake.base_url = server.url_for("").rstrip("/")
    sources = [SalesforceSource(SalesforceSettings(token_url=f"{hanging.url}/services/oauth2/token", client_id="x"),
                                "secret"),
               HubSpotSource(hs_settings(fake), fake.token),
               CustomerDatabaseSource.sqlite_readonly(tmp_path / "customers.sqlite3", name="customer_db")]
    gateway = EnrichmentGateway(sources, timeout=0.6)
    panel = CrmPanel()
    qtbot.addWidget(panel)
    try:
        started = time.perf_counter()
        enrichment = run(gateway.enrich(Address(customer.email)))
        panel.show_enrichment(enrichment)
        filled = time.perf_counter() - started
    finally:
        for source in sources:
            run(source.close())
        server.clear()
        server.stop()
        hanging.close()
    assert filled < 0.6 + 0.4, f"panel filled after {filled:.3f} s"
    states = {card.objectName(): card.status_label.text() for card in panel.cards}
    assert states["crmSource_salesforce"] == "Error: no answer within 0.6 s"
    assert "Priya Patel" in texts(panel.cards[1]) and "Open tickets (0)" not in texts(panel.cards[1])
    assert any(t.startswith("Contract: ") for t in texts(panel.cards[2]))
    print(f"\npanel filled in {filled * 1000:.0f} ms with Salesforce hanging (timeout 600 ms)")
