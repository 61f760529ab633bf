"""Customer context from a SQL database (the demo's SQLite file, or a company's own PostgreSQL): the
customer by email, the active contract (type, support level, expiry) and the support-ticket history, most
recent first. Table and column names come from a mapping in the settings because every company's schema
differs; names are quoted by the dialect and every value is a bound parameter.

Connections are pooled, read-only by default (SQLite opened with mode=ro; PostgreSQL sessions with
`default_transaction_read_only`) and every statement has a timeout (PostgreSQL `statement_timeout`;
SQLite a progress handler that interrupts it; any backend an asyncio timeout around the lookup).
Creating a support-ticket row is an action the operator approves, off unless enabled; it goes through a
separate, writable engine that exists only when it is enabled."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from emailbot_gui.connectors.base import DeliveryReceipt
from emailbot_gui.connectors.crm_actions import (
    CaseRequest,
    CrmError,
    Secret,
    begin_create,
    clean_text,
    finish_create,
    is_marker,
    marked_subject,
    recorded_receipt,
)
from emailbot_gui.core.types import Address, SourceResult

DEFAULT_COLUMNS: Mapping[str, str] = {
    "customer.id": "id", "customer.email": "email", "customer.name": "name", "customer.company": "company",
    "customer.phone": "phone", "customer.vip": "vip",
    "contract.customer_id": "customer_id", "contract.type": "contract_type",
    "contract.support_level": "support_level", "contract.starts_on": "starts_on",
    "contract.expires_on": "expires_on", "contract.status": "status",
    "ticket.customer_id": "customer_id", "ticket.id": "id", "ticket.subject": "subject",
    "ticket.status": "status", "ticket.priority": "priority", "ticket.created_at": "created_at",
    "ticket.closed_at": "closed_at",
}
_CUSTOMER_FIELDS = ("id", "email", "name", "first_name", "last_name", "company", "phone", "vip", "support_tier")
_CONTRACT_FIELDS = ("type", "support_level", "starts_on", "expires_on", "status")
_TICKET_FIELDS = ("id", "subject", "status", "priority", "created_at", "closed_at", "assigned_to")


@dataclass(frozen=True, slots=True)
class CustomerSchema:
    """Where the customer data lives: logical name -> the company's table / column name.

    A logical column left out (or mapped to "") is optional and reads as empty; required are
    customer.id, customer.email, ticket.id, ticket.subject, ticket.created_at and the ticket's link to
    its customer: `ticket.customer_id` (ticket_link="customer_id") or `ticket.customer_email`
    (ticket_link="email"). `customer.name` may instead be `customer.first_name` + `customer.last_name`.
    For the create-ticket action: `ticket.description` and an optional `ticket.marker` column."""

    customers: str = "customers"
    contracts: str = "contracts"  # "" when the database has no contracts
    tickets: str = "tickets"
    db_schema: str = ""  # e.g. "crm" (a PostgreSQL schema); "": the connection's default
    columns: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_COLUMNS))
    ticket_link: str = "customer_id"  # or "email"
    active_status: str = "active"

    def col(self, key: str) -> str:
        return self.columns.get(key) or ""

    def validate(self) -> CustomerSchema:
        link = {"customer_id": "ticket.customer_id", "email": "ticket.customer_email"}.get(self.ticket_link)
        if link is None:
            raise ValueError("ticket_link must be 'customer_id' or 'email'")
        required = ["customer.id", "customer.email", "ticket.id", "ticket.subject", "ticket.created_at", link]
        if self.contracts:
            required += ["contract.customer_id"]
        missing = [k for k in required if not self.col(k)]
        if missing:
            raise ValueError(f"customer database mapping lacks {', '.join(missing)}")
        return self


# The original design's schema: customers(customer_id, email, first_name, last_name, company, phone,
# support_tier, created_at), contracts(customer_id, contract_type, support_level, expiry_date, status),
# support_tickets(ticket_id, customer_email, subject, description, priority, status, created_at,
# resolved_at, assigned_to).
ORIGINAL_DESIGN_SCHEMA = CustomerSchema(
    customers="customers", contracts="contracts", tickets="support_tickets", ticket_link="email", columns={
        "customer.id": "customer_id", "customer.email": "email", "customer.first_name": "first_name",
        "customer.last_name": "last_name", "customer.company": "company", "customer.phone": "phone",
        "customer.support_tier": "support_tier",
        "contract.customer_id": "customer_id", "contract.type": "contract_type",
        "contract.support_level": "support_level", "contract.expires_on": "expiry_date",
        "contract.status": "status",
        "ticket.customer_email": "customer_email", "ticket.id": "ticket_id", "ticket.subject": "subject",
        "ticket.description": "description", "ticket.status": "status", "ticket.priority": "priority",
        "ticket.created_at": "created_at", "ticket.closed_at": "resolved_at", "ticket.assigned_to": "assigned_to",
    })


@dataclass(frozen=True, slots=True)
class CustomerDbSettings:
    """Non-secret settings; the database password is passed separately (never part of `url`)."""

    url: str  # any SQLAlchemy async URL: postgresql+asyncpg://user@host/db, sqlite+aiosqlite:///path
    name: str = "customer_db"
    label: str = "Customer database"
    schema: CustomerSchema = field(default_factory=CustomerSchema)
    read_only: bool = True
    pool_size: int = 5
    max_overflow: int = 5
    pool_timeout: float = 5.0
    statement_timeout: float = 5.0
    ticket_limit: int = 5
    allow_create_ticket: bool = False
    new_ticket_status: str = "open"
    ticket_url_template: str = ""  # e.g. "https://helpdesk.example/tickets/{id}"


def build_engine(url: str, password: str | Secret | None = None, *, read_only: bool = True,
                 statement_timeout: float = 5.0, pool_size: int = 5, max_overflow: int = 5,
                 pool_timeout: float = 5.0) -> AsyncEngine:
    """A pooled async engine with a statement timeout and, when `read_only`, read-only sessions."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if password and backend != "sqlite":  # SQLite has no passwords
        parsed = parsed.set(password=password.reveal() if isinstance(password, Secret) else password)
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    ms = str(max(1, int(statement_timeout * 1000)))
    if backend == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:"):
            raise ValueError("the customer database cannot be an in-memory SQLite database")
        if not database.startswith("file:"):
            parsed = parsed.set(database=f"file:{database}")
        parsed = parsed.update_query_dict({"mode": "ro" if read_only else "rw", "uri": "true"})
        kwargs.update(pool_size=pool_size, max_overflow=max_overflow, pool_timeout=pool_timeout)
    elif backend == "postgresql":
        settings = {"statement_timeout": ms, "application_name": "emailbot-console"}
        if read_only:
            settings["default_transaction_read_only"] = "on"
        if parsed.get_driver_name() == "asyncpg":
            kwargs["connect_args"] = {"server_settings": settings, "command_timeout": statement_timeout + 5}
        else:  # psycopg
            kwargs["connect_args"] = {"options": " ".join(f"-c {k}={v}" for k, v in settings.items())}
        kwargs.update(pool_size=pool_size, max_overflow=max_overflow, pool_timeout=pool_timeout)
    engine = create_async_engine(parsed, **kwargs)
    if backend == "sqlite":
        _install_sqlite_timeout(engine, statement_timeout)
    return engine


def _install_sqlite_timeout(engine: AsyncEngine, seconds: float) -> None:
    """Interrupt any SQLite statement running longer than `seconds` (a progress handler per connection;
    it runs in the driver's thread and reads a deadline set just before each statement)."""

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, record: Any) -> None:
        deadline = [math.inf]
        record.info["emailbot_deadline"] = deadline

        def handler() -> int:
            return 1 if time.monotonic() > deadline[0] else 0

        dbapi_connection.run_async(lambda conn: conn.set_progress_handler(handler, 2000))

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _before(conn: Any, *_: Any) -> None:
        deadline = conn.info.get("emailbot_deadline")
        if deadline is not None:
            deadline[0] = time.monotonic() + seconds

    @event.listens_for(engine.sync_engine, "after_cursor_execute")
    def _after(conn: Any, *_: Any) -> None:
        deadline = conn.info.get("emailbot_deadline")
        if deadline is not None:
            deadline[0] = math.inf


class CustomerDatabaseSource:
    """ContextSource over SQL, and (when enabled) a CrmActionSink that adds a support-ticket row."""

    def __init__(self, engine: AsyncEngine, *, name: str = "customer_db", schema: CustomerSchema | None = None,
                 ticket_limit: int = 5, statement_timeout: float = 5.0, writer: AsyncEngine | None = None,
                 label: str = "Customer database", new_ticket_status: str = "open",
                 ticket_url_template: str = "") -> None:
        self.name = name
        self.label = label
        self._engine = engine
        self._writer = writer
        self._schema = (schema or CustomerSchema()).validate()
        self._ticket_limit = ticket_limit
        self._timeout = statement_timeout
        self._new_status = new_ticket_status
        self._url_template = ticket_url_template

    @classmethod
    def from_settings(cls, settings: CustomerDbSettings, password: str | Secret | None = None
                      ) -> CustomerDatabaseSource:
        timeout, wait = settings.statement_timeout, settings.pool_timeout
        reader = build_engine(settings.url, password, read_only=settings.read_only, statement_timeout=timeout,
                              pool_size=settings.pool_size, max_overflow=settings.max_overflow, pool_timeout=wait)
        writer = (build_engine(settings.url, password, read_only=False, statement_timeout=timeout, pool_size=1,
                               max_overflow=1, pool_timeout=wait) if settings.allow_create_ticket else None)
        return cls(reader, name=settings.name, schema=settings.schema, ticket_limit=settings.ticket_limit,
                   statement_timeout=settings.statement_timeout, writer=writer, label=settings.label,
                   new_ticket_status=settings.new_ticket_status,
                   ticket_url_template=settings.ticket_url_template)

    @classmethod
    def sqlite_readonly(cls, path: Path, **kwargs: Any) -> CustomerDatabaseSource:
        timeout = kwargs.pop("statement_timeout", 5.0)
        engine = build_engine(f"sqlite+aiosqlite:///{path}", read_only=True, statement_timeout=timeout)
        return cls(engine, statement_timeout=timeout, **kwargs)

    @property
    def can_create_tickets(self) -> bool:
        return self._writer is not None

    async def close(self) -> None:
        await self._engine.dispose()
        if self._writer is not None:
            await self._writer.dispose()

    def _require_database_file(self) -> None:
        """A missing SQLite file is named plainly, and never reaches aiosqlite: its failed connect leaves a
        worker thread that reports to the event loop after the call has returned (a race at shutdown)."""
        url = self._engine.url
        if url.get_backend_name() != "sqlite":
            return
        path = Path((url.database or "").removeprefix("file:"))
        if not path.is_file():
            raise CrmError(f"the database file {path} does not exist")

    # ---- queries ------------------------------------------------------------------------------------

    def _names(self, conn: AsyncConnection) -> tuple[Any, dict[str, str]]:
        prep = conn.dialect.identifier_preparer
        s = self._schema

        def table(name: str) -> str:
            return f"{prep.quote_schema(s.db_schema)}.{prep.quote(name)}" if s.db_schema else prep.quote(name)

        return table, {k: prep.quote(v) for k, v in s.columns.items() if v}

    async def missing_names(self) -> list[str]:
        """The mapped tables and columns the database does not have ("support_tickets.ticket_id"); empty when
        every one exists. Reads no rows (WHERE 1 = 0); each probe on its own connection, because a failed
        statement aborts a PostgreSQL transaction."""
        s = self._schema
        self._require_database_file()
        async with asyncio.timeout(self._timeout * 2 + 1), self._engine.connect() as conn:
            await conn.execute(text("SELECT 1"))  # cannot connect: that raises, it is no missing table
        missing: list[str] = []
        for prefix, name in (("customer", s.customers), ("contract", s.contracts), ("ticket", s.tickets)):
            if not name:
                continue
            columns = [v for k, v in s.columns.items() if k.startswith(prefix + ".") and v]
            if await self._probe(name, columns):
                continue
            if not await self._probe(name, []):
                missing.append(name)
                continue
            missing += [f"{name}.{col}" for col in dict.fromkeys(columns) if not await self._probe(name, [col])]
        return missing

    async def _probe(self, table_name: str, columns: list[str]) -> bool:
        try:
            async with asyncio.timeout(self._timeout * 2 + 1), self._engine.connect() as conn:
                table, _ = self._names(conn)
                prep = conn.dialect.identifier_preparer
                selected = ", ".join(prep.quote(c) for c in columns) or "*"
                await conn.execute(text(f"SELECT {selected} FROM {table(table_name)} WHERE 1 = 0"))
            return True
        except TimeoutError:
            raise CrmError(f"the customer database did not answer within {self._timeout * 2 + 1:g} s") from None
        except Exception:  # no such table or column (the connection itself was checked first)
            return False

    def _select(self, c: Mapping[str, str], prefix: str, names: tuple[str, ...]) -> str:
        return ", ".join(f"{c[f'{prefix}.{n}']} AS {n}" if f"{prefix}.{n}" in c else f"NULL AS {n}" for n in names)

    async def lookup(self, sender: Address) -> SourceResult:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self._timeout * 2 + 1):
                record = await self._lookup(sender.address.strip().lower())
        except TimeoutError:
            raise CrmError(f"the customer database did not answer within {self._timeout * 2 + 1:g} s") from None
        status = SourceResult.FOUND if record is not None else SourceResult.NOT_FOUND
        return SourceResult(self.name, status, record=record or {}, fetched_at=datetime.now(UTC),
                            elapsed_ms=(time.perf_counter() - started) * 1000)

    async def _lookup(self, email: str) -> dict[str, Any] | None:
        s = self._schema
        self._require_database_file()
        async with self._engine.connect() as conn:
            table, c = self._names(conn)
            row = (await conn.execute(text(
                f"SELECT {self._select(c, 'customer', _CUSTOMER_FIELDS)} FROM {table(s.customers)} "
                f"WHERE lower({c['customer.email']}) = :email"), {"email": email})).mappings().first()
            if row is None:
                return None
            customer = {k: _plain(v) for k, v in row.items() if v is not None or k in ("name", "company", "phone")}
            if not customer.get("name"):
                customer["name"] = " ".join(str(customer[k]) for k in ("first_name", "last_name") if customer.get(k))
            customer["vip"] = bool(customer.get("vip"))
            contract = None
            if s.contracts:
                status_col = c.get("contract.status")
                order = (f"CASE WHEN {status_col} = :active THEN 0 ELSE 1 END, " if status_col else "")
                order += f"{c['contract.expires_on']} DESC" if "contract.expires_on" in c else "1"
                found = (await conn.execute(text(
                    f"SELECT {self._select(c, 'contract', _CONTRACT_FIELDS)} FROM {table(s.contracts)} "
                    f"WHERE {c['contract.customer_id']} = :cid ORDER BY {order} LIMIT 1"),
                    {"cid": row["id"], "active": s.active_status})).mappings().first()
                if found is not None:
                    contract = {("contract_type" if k == "type" else k): _plain(v) for k, v in found.items()}
            link_col, link_value = ((c["ticket.customer_id"], row["id"]) if s.ticket_link == "customer_id"
                                    else (f"lower({c['ticket.customer_email']})", email))
            tickets = (await conn.execute(text(
                f"SELECT {self._select(c, 'ticket', _TICKET_FIELDS)} FROM {table(s.tickets)} "
                f"WHERE {link_col} = :link ORDER BY {c['ticket.created_at']} DESC LIMIT :limit"),
                {"link": link_value, "limit": self._ticket_limit})).mappings().all()
        return {"customer": customer, "contract": contract,
                "tickets": [{k: _plain(v) for k, v in t.items() if v is not None} for t in tickets]}

    # ---- the create-ticket action ---------------------------------------------------------------------

    def _link(self, ticket_id: str) -> str:
        return self._url_template.format(id=ticket_id) if self._url_template else ""

    async def create_case(self, request: CaseRequest) -> DeliveryReceipt:
        if self._writer is None:
            raise CrmError("creating support tickets in the customer database is switched off in the settings")
        self._require_database_file()
        marker = await begin_create(request)
        s = self._schema
        email = request.sender.strip().lower()
        async with self._writer.begin() as conn:
            table, c = self._names(conn)
            values: dict[str, Any] = {
                "subject": request.subject[:200] if "ticket.marker" in c else marked_subject(request.subject,
                                                                                             marker, 250)}
            if s.ticket_link == "customer_id":
                cid = await conn.scalar(text(f"SELECT {c['customer.id']} FROM {table(s.customers)} "
                                             f"WHERE lower({c['customer.email']}) = :email"), {"email": email})
                if cid is None:
                    raise CrmError(f"no customer with the address {request.sender} in the customer database")
                values["customer_id"] = cid
            else:
                values["customer_email"] = email
            optional = {"description": clean_text(f"{request.description}\n\n[EmailBot Console reference "
                                                  f"{marker}]", 20000),
                        "priority": request.urgency.name.lower(), "status": self._new_status, "marker": marker}
            values.update({k: v for k, v in optional.items() if f"ticket.{k}" in c})
            now = datetime.now(UTC)
            values["created_at"] = now.isoformat(sep=" ") if conn.dialect.name == "sqlite" else now
            columns = ", ".join(c[f"ticket.{k}"] for k in values)
            params = ", ".join(f":{k}" for k in values)
            new_id = await conn.scalar(text(f"INSERT INTO {table(s.tickets)} ({columns}) VALUES ({params}) "
                                            f"RETURNING {c['ticket.id']}"), values)
        ticket_id = str(new_id)
        return await finish_create(request, ticket_id, self._link(ticket_id))

    async def find_created(self, idempotency_key: str, progress: Mapping[str, Any]) -> DeliveryReceipt | None:
        receipt = recorded_receipt(progress)
        if receipt is not None:
            return receipt
        marker = progress.get("marker")
        if not is_marker(marker):
            return None
        async with self._engine.connect() as conn:
            table, c = self._names(conn)
            if "ticket.marker" in c:
                where, value = f"{c['ticket.marker']} = :m", str(marker)
            else:
                where, value = f"{c['ticket.subject']} LIKE :m", f"%[{marker}]%"
            found = await conn.scalar(text(f"SELECT {c['ticket.id']} FROM {table(self._schema.tickets)} "
                                           f"WHERE {where}"), {"m": value})
        if found is None:
            return None
        return DeliveryReceipt(external_id=str(found), link=self._link(str(found)),
                               details={"resumed": True, "marker": marker})


def _plain(value: Any) -> Any:
    """JSON-safe values, since results are kept in the store with the email."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if hasattr(value, "is_finite"):  # Decimal
        return float(value)
    return value
