"""The customer database against a real PostgreSQL (started by the tests with `pgserver`) holding the
original design's schema and a custom-named one mapped through settings, and against SQLite: lookups,
odd addresses, read-only sessions, statement timeouts, and the opt-in "create support ticket" action."""

from __future__ import annotations

import time
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from emailbot_gui.connectors.crm_actions import CaseRequest, CrmError
from emailbot_gui.connectors.customer_db import (
    ORIGINAL_DESIGN_SCHEMA,
    CustomerDatabaseSource,
    CustomerDbSettings,
    CustomerSchema,
    build_engine,
)
from emailbot_gui.core.types import Address, Urgency

ORIGINAL_DDL = """
CREATE TABLE customers (customer_id serial PRIMARY KEY, email text NOT NULL, first_name text, last_name text,
    company text, phone text, support_tier text, created_at timestamptz DEFAULT now());
CREATE TABLE contracts (contract_id serial PRIMARY KEY, customer_id int REFERENCES customers, contract_type text,
    support_level text, expiry_date date, status text);
CREATE TABLE support_tickets (ticket_id serial PRIMARY KEY, customer_email text, subject text, description text,
    priority text, status text, created_at timestamptz, resolved_at timestamptz, assigned_to text);
INSERT INTO customers (email, first_name, last_name, company, phone, support_tier) VALUES
    ('dana@northwind.example', 'Dana', 'Whitfield', 'Northwind', '+44 1', 'gold'),
    ('a''b@x.com', 'Quote', 'Person', 'Q Ltd', NULL, NULL),
    ('100%_real@x.com', 'Percent', 'Person', 'P Ltd', NULL, NULL),
    ('zoë@exämple.com', 'Zoë', 'Ünicode', 'U GmbH', NULL, NULL),
    ('a\\b@x.com', 'Back', 'Slash', 'B Ltd', NULL, NULL),
    ('axb@x.com', 'Wild', 'Card', 'W Ltd', NULL, NULL);
INSERT INTO contracts (customer_id, contract_type, support_level, expiry_date, status) VALUES
    (1, 'Managed IT', '24/7', '2027-06-30', 'active'), (1, 'Old', 'basic', '2020-01-01', 'expired');
INSERT INTO support_tickets (customer_email, subject, priority, status, created_at, resolved_at) VALUES
    ('dana@northwind.example', 'VPN drops', 'high', 'open', '2026-02-01', NULL),
    ('dana@northwind.example', 'Printer', 'low', 'closed', '2025-01-01', '2025-01-02'),
    ('dana@northwind.example', 'Newest', 'medium', 'open', '2026-03-01', NULL),
    ('someone@else.example', 'Not hers', 'low', 'open', '2026-03-01', NULL);
CREATE SCHEMA crm;
CREATE TABLE crm."Kunden" (kid int PRIMARY KEY, mail text, anzeigename text, firma text, vip boolean);
CREATE TABLE crm.vertraege (kunde int, art text, stufe text, bis date, zustand text);
CREATE TABLE crm.faelle (nr serial PRIMARY KEY, kunde int, betreff text, zustand text, angelegt timestamptz,
    ref text);
INSERT INTO crm."Kunden" VALUES (7, 'Dana@Northwind.example', 'Dana W.', 'Northwind AG', true);
INSERT INTO crm.vertraege VALUES (7, 'Premium', 'Platin', '2026-12-31', 'aktiv');
INSERT INTO crm.faelle (kunde, betreff, zustand, angelegt) VALUES (7, 'Drucker', 'offen', '2026-01-05');
CREATE VIEW crm.slow_kunden AS SELECT k.* FROM crm."Kunden" k, pg_sleep(2);
"""

CUSTOM_SCHEMA = CustomerSchema(
    customers="Kunden", contracts="vertraege", tickets="faelle", db_schema="crm", active_status="aktiv",
    columns={"customer.id": "kid", "customer.email": "mail", "customer.name": "anzeigename",
             "customer.company": "firma", "customer.vip": "vip", "contract.customer_id": "kunde",
             "contract.type": "art", "contract.support_level": "stufe", "contract.expires_on": "bis",
             "contract.status": "zustand", "ticket.customer_id": "kunde", "ticket.id": "nr",
             "ticket.subject": "betreff", "ticket.status": "zustand", "ticket.created_at": "angelegt",
             "ticket.marker": "ref"})


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    pytest.importorskip("asyncpg")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on import
        pgserver = pytest.importorskip("pgserver")
        server = pgserver.get_server(tmp_path_factory.mktemp("pg"), cleanup_mode="stop")
    server.psql(ORIGINAL_DDL)
    uri = server.get_uri()  # postgresql://postgres:@/postgres?host=/tmp/...
    yield uri.replace("postgresql://", "postgresql+asyncpg://", 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server.cleanup()


@pytest.fixture
async def original(postgres: str) -> AsyncIterator[CustomerDatabaseSource]:
    source = CustomerDatabaseSource.from_settings(CustomerDbSettings(url=postgres, schema=ORIGINAL_DESIGN_SCHEMA,
                                                                     allow_create_ticket=True))
    yield source
    await source.close()


async def test_original_design_schema(original):
    result = await original.lookup(Address("DANA@northwind.example"))
    assert result.status == "found"
    record = result.record
    assert record["customer"]["name"] == "Dana Whitfield" and record["customer"]["support_tier"] == "gold"
    assert record["contract"]["contract_type"] == "Managed IT" and record["contract"]["support_level"] == "24/7"
    assert record["contract"]["expires_on"] == "2027-06-30"
    assert [t["subject"] for t in record["tickets"]] == ["Newest", "VPN drops", "Printer"]
    assert (await original.lookup(Address("nobody@x.com"))).status == "not_found"


@pytest.mark.parametrize(("address", "found"), [
    ("a'b@x.com", True), ("100%_real@x.com", True), ("zoë@exämple.com", True), ("a\\b@x.com", True),
    ("a_b@x.com", False), ("%@x.com", False), ("' OR '1'='1", False), ("a%", False), ("x'); DROP TABLE x;--", False),
])
async def test_odd_addresses_are_values_not_sql(original, address, found):
    result = await original.lookup(Address(address))
    assert result.status == ("found" if found else "not_found")
    if found:
        assert result.record["customer"]["email"] == address


async def test_custom_named_schema_mapped_through_settings(postgres):
    source = CustomerDatabaseSource.from_settings(CustomerDbSettings(url=postgres, schema=CUSTOM_SCHEMA))
    try:
        result = await source.lookup(Address("dana@northwind.example"))
        assert result.status == "found"
        assert result.record["customer"] == {"id": 7, "email": "Dana@Northwind.example", "name": "Dana W.",
                                             "company": "Northwind AG", "vip": True, "phone": None}
        assert result.record["contract"]["support_level"] == "Platin"
        assert result.record["tickets"][0]["subject"] == "Drucker"
    finally:
        await source.close()


async def test_sessions_are_read_only(original):
    async with original._engine.connect() as conn:
        with pytest.raises(Exception, match="read-only transaction"):
            await conn.execute(text("INSERT INTO support_tickets (subject) VALUES ('x')"))


async def test_statement_timeout(postgres):
    slow = CustomerSchema(customers="slow_kunden", contracts=CUSTOM_SCHEMA.contracts, tickets=CUSTOM_SCHEMA.tickets,
                          db_schema="crm", columns=CUSTOM_SCHEMA.columns, active_status="aktiv")
    source = CustomerDatabaseSource.from_settings(CustomerDbSettings(url=postgres, schema=slow,
                                                                     statement_timeout=0.3))
    try:
        started = time.perf_counter()
        with pytest.raises(Exception, match="statement timeout"):
            await source.lookup(Address("dana@northwind.example"))
        assert time.perf_counter() - started < 1.5
    finally:
        await source.close()


async def test_create_support_ticket_row_is_opt_in_and_idempotent(postgres, original):
    reader_only = CustomerDatabaseSource.from_settings(CustomerDbSettings(url=postgres, schema=ORIGINAL_DESIGN_SCHEMA))
    try:
        with pytest.raises(CrmError, match="switched off"):
            await reader_only.create_case(CaseRequest("crm:customer_db:1", "customer_db", "dana@northwind.example",
                                                      "S", "D"))
    finally:
        await reader_only.close()
    progress: dict = {}

    async def checkpoint(update):
        progress.update(update)

    receipt = await original.create_case(CaseRequest("crm:customer_db:2", "customer_db", "Dana@northwind.example",
                                                     "Screen flickers", "Since Monday", Urgency.HIGH, 2, progress,
                                                     checkpoint))
    async with original._engine.connect() as conn:
        row = (await conn.execute(text("SELECT * FROM support_tickets WHERE ticket_id = :i"),
                                  {"i": int(receipt.external_id)})).mappings().one()
    assert row["customer_email"] == "dana@northwind.example" and row["priority"] == "high"
    assert row["status"] == "open" and progress["marker"] in row["subject"] and progress["marker"] in row["description"]
    found = await original.find_created("crm:customer_db:2", {"stage": "creating", "marker": progress["marker"]})
    assert found is not None and found.external_id == receipt.external_id
    newest = await original.lookup(Address("dana@northwind.example"))
    assert newest.record["tickets"][0]["subject"].startswith("Screen flickers")


def test_password_goes_into_the_url_not_the_settings():
    engine = build_engine("postgresql+asyncpg://emailbot@db.example/customers", "pa55-word")
    try:
        assert engine.url.password == "pa55-word"
        assert "pa55-word" not in repr(engine.url) and "pa55-word" not in str(engine.url)
    finally:
        engine.sync_engine.dispose()


async def test_sqlite_demo_database_is_read_only_with_a_timeout(tmp_path: Path):
    from emailbot_gui.demo.customers import DEMO_CUSTOMERS, build_customer_db

    path = tmp_path / "customers.sqlite3"
    build_customer_db(path)
    source = CustomerDatabaseSource.sqlite_readonly(path, name="Customer database", statement_timeout=0.3)
    try:
        result = await source.lookup(Address(DEMO_CUSTOMERS[0].email.upper()))
        assert result.status == "found" and result.record["contract"]["support_level"]
        async with source._engine.connect() as conn:
            with pytest.raises(Exception, match="readonly"):
                await conn.execute(text("DELETE FROM customers"))
            started = time.perf_counter()
            with pytest.raises(Exception, match="interrupted"):
                await conn.execute(text("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
                                        "SELECT count(*) FROM c"))
            assert time.perf_counter() - started < 1.5
    finally:
        await source.close()
