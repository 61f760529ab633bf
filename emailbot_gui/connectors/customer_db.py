"""Customer context from a SQL database (the demo's SQLite file, or a company's own database): the
customer by email, the active contract, and recent support tickets. Table and column names come from a
mapping because every company's schema differs; values are always bound parameters."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from emailbot_gui.core.types import Address, SourceResult


@dataclass(frozen=True, slots=True)
class CustomerSchema:
    """Where the customer data lives: logical name -> the company's table/column name."""

    customers: str = "customers"
    contracts: str = "contracts"
    tickets: str = "tickets"
    columns: Mapping[str, str] = field(default_factory=lambda: {
        "customer.id": "id", "customer.email": "email", "customer.name": "name", "customer.company": "company",
        "customer.phone": "phone", "customer.vip": "vip",
        "contract.customer_id": "customer_id", "contract.type": "contract_type",
        "contract.support_level": "support_level", "contract.starts_on": "starts_on",
        "contract.expires_on": "expires_on", "contract.status": "status",
        "ticket.customer_id": "customer_id", "ticket.id": "id", "ticket.subject": "subject",
        "ticket.status": "status", "ticket.priority": "priority", "ticket.created_at": "created_at",
        "ticket.closed_at": "closed_at",
    })


class CustomerDatabaseSource:
    """A ContextSource over SQL. Read-only on SQLite (the file is opened with mode=ro)."""

    def __init__(self, engine: AsyncEngine, *, name: str = "customer_db", schema: CustomerSchema | None = None,
                 ticket_limit: int = 5) -> None:
        self.name = name
        self._engine = engine
        self._schema = schema or CustomerSchema()
        self._ticket_limit = ticket_limit
        self._queries: tuple[Any, Any, Any] | None = None

    @classmethod
    def sqlite_readonly(cls, path: Path, **kwargs: Any) -> CustomerDatabaseSource:
        engine = create_async_engine(f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true")
        return cls(engine, **kwargs)

    async def close(self) -> None:
        await self._engine.dispose()

    def _build_queries(self) -> tuple[Any, Any, Any]:
        prep = self._engine.dialect.identifier_preparer
        q = prep.quote
        c = {k: q(v) for k, v in self._schema.columns.items()}
        customers, contracts, tickets = (q(self._schema.customers), q(self._schema.contracts),
                                         q(self._schema.tickets))
        find_customer = text(
            f"SELECT {c['customer.id']} AS id, {c['customer.email']} AS email, {c['customer.name']} AS name, "
            f"{c['customer.company']} AS company, {c['customer.phone']} AS phone, {c['customer.vip']} AS vip "
            f"FROM {customers} WHERE lower({c['customer.email']}) = :email")
        find_contract = text(
            f"SELECT {c['contract.type']} AS contract_type, {c['contract.support_level']} AS support_level, "
            f"{c['contract.starts_on']} AS starts_on, {c['contract.expires_on']} AS expires_on, "
            f"{c['contract.status']} AS status FROM {contracts} WHERE {c['contract.customer_id']} = :cid "
            f"ORDER BY CASE WHEN {c['contract.status']} = 'active' THEN 0 ELSE 1 END, "
            f"{c['contract.expires_on']} DESC LIMIT 1")
        find_tickets = text(
            f"SELECT {c['ticket.id']} AS id, {c['ticket.subject']} AS subject, {c['ticket.status']} AS status, "
            f"{c['ticket.priority']} AS priority, {c['ticket.created_at']} AS created_at, "
            f"{c['ticket.closed_at']} AS closed_at FROM {tickets} WHERE {c['ticket.customer_id']} = :cid "
            f"ORDER BY {c['ticket.created_at']} DESC LIMIT :limit")
        return find_customer, find_contract, find_tickets

    async def lookup(self, sender: Address) -> SourceResult:
        started = time.perf_counter()
        if self._queries is None:
            self._queries = self._build_queries()
        find_customer, find_contract, find_tickets = self._queries
        email = sender.address.strip().lower()
        async with self._engine.connect() as conn:
            row = (await conn.execute(find_customer, {"email": email})).mappings().first()
            if row is None:
                return SourceResult(self.name, SourceResult.NOT_FOUND, fetched_at=datetime.now(UTC),
                                    elapsed_ms=(time.perf_counter() - started) * 1000)
            customer = {k: _plain(v) for k, v in row.items()}
            customer["vip"] = bool(customer.get("vip"))
            contract_row = (await conn.execute(find_contract, {"cid": row["id"]})).mappings().first()
            ticket_rows = (await conn.execute(find_tickets, {"cid": row["id"], "limit": self._ticket_limit}))
            tickets = [{k: _plain(v) for k, v in t.items()} for t in ticket_rows.mappings()]
        record = {"customer": customer,
                  "contract": {k: _plain(v) for k, v in contract_row.items()} if contract_row else None,
                  "tickets": tickets}
        return SourceResult(self.name, SourceResult.FOUND, record=record, fetched_at=datetime.now(UTC),
                            elapsed_ms=(time.perf_counter() - started) * 1000)


def _plain(value: Any) -> Any:
    """JSON-safe values, since results are kept in the store with the email."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


async def _selftest(path: Path, address: str) -> None:  # pragma: no cover - manual check
    src = CustomerDatabaseSource.sqlite_readonly(path)
    print(await src.lookup(Address(address)))
    await src.close()


if __name__ == "__main__":  # pragma: no cover
    import sys

    asyncio.run(_selftest(Path(sys.argv[1]), sys.argv[2]))
