"""The demo customer database: fictional companies, their people, contracts and past tickets.

Everything is derived from fixed seeds and a fixed base date, so the demo mail corpus (which takes its
senders from `DEMO_CUSTOMERS`) and the SQLite file built by `build_customer_db` always agree.
"""

from __future__ import annotations

import contextlib
import os
import random
import sqlite3
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

DEMO_BASE_DATE = date(2026, 3, 2)  # the Monday the demo corpus starts on
_SEED = 4242


@dataclass(frozen=True, slots=True)
class DemoCompany:
    name: str
    domain: str
    language: str  # the language its people write in when not writing English
    utc_offset: int  # hours, for the Date header of its mail
    support_level: str  # Bronze / Silver / Gold / Platinum
    phone_prefix: str
    size: int  # how many contacts the demo knows
    contract_expired: bool = False


@dataclass(frozen=True, slots=True)
class DemoCustomer:
    email: str
    name: str
    company: str
    phone: str
    vip: bool
    title: str
    language: str
    utc_offset: int
    domain: str
    city: str = ""

    @property
    def first_name(self) -> str:
        return self.name.split(" ")[0]


DEMO_COMPANIES: tuple[DemoCompany, ...] = (
    DemoCompany("Northwind Logistics Ltd", "northwind-logistics.example", "en", 0, "Gold", "+44 113 496", 6),
    DemoCompany("Harbourline Shipping Agency", "harbourline.example", "en", 0, "Silver", "+44 23 8049", 4),
    DemoCompany("Pinecrest Legal LLP", "pinecrest-legal.example", "en", 0, "Platinum", "+44 161 496", 5),
    DemoCompany("Meridian Health Clinics", "meridian-clinics.example", "en", -5, "Gold", "+1 617 555", 5),
    DemoCompany("Oakridge Academy Trust", "oakridge-academy.example", "en", 0, "Bronze", "+44 114 496", 3),
    DemoCompany("Lindqvist Design Studio", "lindqvist-design.example", "en", 1, "Silver", "+46 8 555", 3),
    DemoCompany("Redfern Accountancy Partners", "redfern-accountancy.example", "en", 0, "Silver",
                "+44 117 496", 4, contract_expired=True),
    DemoCompany("Bluefin Software Labs", "bluefin-labs.example", "en", 0, "Gold", "+353 1 555", 4),
    DemoCompany("Kessler & Voss Maschinenbau GmbH", "kessler-voss.example", "de", 1, "Platinum",
                "+49 40 5555", 5),
    DemoCompany("Bäckerei Sonnenkorn GmbH", "sonnenkorn.example", "de", 1, "Bronze", "+49 761 5555", 3,
                contract_expired=True),
    DemoCompany("Atelier Lumière SARL", "atelier-lumiere.example", "fr", 1, "Silver", "+33 4 99 55", 4),
    DemoCompany("Maison Verdier Vins", "maison-verdier.example", "fr", 1, "Bronze", "+33 5 99 55", 3,
                contract_expired=True),
    DemoCompany("Grupo Altamar Seguros", "altamar-seguros.example", "es", 1, "Gold", "+34 91 555", 5),
    DemoCompany("Van Dijk Installatietechniek B.V.", "vandijk-installatie.example", "nl", 1, "Bronze",
                "+31 30 555", 3),
    DemoCompany("Hoeksema Bloemenkwekerij", "hoeksema-bloemen.example", "nl", 1, "Silver", "+31 297 555", 4),
)

_CITIES = {
    "northwind-logistics.example": "Leeds", "harbourline.example": "Southampton",
    "pinecrest-legal.example": "Manchester", "meridian-clinics.example": "Boston",
    "oakridge-academy.example": "Sheffield", "lindqvist-design.example": "Stockholm",
    "redfern-accountancy.example": "Bristol", "bluefin-labs.example": "Dublin",
    "kessler-voss.example": "Hamburg", "sonnenkorn.example": "Freiburg", "atelier-lumiere.example": "Lyon",
    "maison-verdier.example": "Bordeaux",
    "altamar-seguros.example": "Madrid", "vandijk-installatie.example": "Utrecht",
    "hoeksema-bloemen.example": "Aalsmeer",
}
_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "en": (("Oliver", "Amelia", "Harry", "Isla", "George", "Priya", "Daniel", "Chloe", "James", "Grace",
            "Samuel", "Megan", "Ethan", "Zara", "Liam", "Ruth", "Marcus", "Aisha", "Tom", "Helen"),
           ("Bennett", "Clarke", "Okafor", "Hughes", "Patel", "Fletcher", "Morgan", "Walsh", "Reid", "Shaw",
            "Doyle", "Brennan", "Holt", "Kaur", "Whitaker", "Lowe", "Sullivan", "Carter", "Nash", "Ellis")),
    "de": (("Jürgen", "Katrin", "Matthias", "Anja", "Stefan", "Lena", "Tobias", "Sabine", "Felix", "Birgit"),
           ("Müller", "Schröder", "Becker", "Hoffmann", "Wagner", "Krüger", "Neumann", "Wolf", "Braun",
            "Vogel")),
    "fr": (("Camille", "Julien", "Élodie", "Mathieu", "Sophie", "Nicolas", "Aurélie", "Thomas", "Manon"),
           ("Lefèvre", "Moreau", "Girard", "Fontaine", "Rousseau", "Chevalier", "Bernard", "Lambert",
            "Dupuis")),
    "es": (("Lucía", "Javier", "Carmen", "Alejandro", "Marta", "Pablo", "Elena", "Sergio", "Nuria"),
           ("Fernández", "García", "Ruiz", "Navarro", "Ortega", "Castillo", "Romero", "Gil", "Molina")),
    "nl": (("Sanne", "Daan", "Femke", "Joost", "Lotte", "Bram", "Eva", "Ruben", "Iris"),
           ("de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "Dekker")),
}
_TITLES = ("Office Manager", "Finance Controller", "Sales Executive", "Operations Lead", "HR Advisor",
           "Project Manager", "Managing Director", "Accounts Assistant", "Team Lead Customer Service",
           "Warehouse Supervisor", "Paralegal", "Practice Manager", "Designer", "Head of IT", "Receptionist")
_VIP_TITLES = frozenset({"Managing Director", "Head of IT"})
_CONTRACT_TYPES = ("Managed IT Support", "Microsoft 365 Licensing", "Hardware Maintenance",
                   "Network Monitoring", "Backup & Recovery")
_TICKET_SUBJECTS = ("Password reset", "New starter accounts", "Printer offline", "VPN drops at home",
                    "Outlook crashes on start", "Laptop replacement", "Access to shared drive",
                    "Licence renewal question", "Phishing email reported", "Monitor flickering",
                    "Teams audio issues", "Email quota exceeded", "Account locked",
                    "Wi-Fi slow in meeting room",
                    "Invoice query", "Software install request", "Mailbox migration", "MFA on new phone")
_PRIORITIES = ("LOW", "MEDIUM", "MEDIUM", "HIGH", "CRITICAL")


def _ascii(text: str) -> str:
    text = text.replace("ü", "ue").replace("ö", "oe").replace("ä", "ae").replace("ß", "ss")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _make_customers() -> tuple[DemoCustomer, ...]:
    rng = random.Random(_SEED)
    people: list[DemoCustomer] = []
    seen: set[str] = set()
    for company in DEMO_COMPANIES:
        firsts, lasts = _NAMES[company.language]
        titles = list(_TITLES)
        rng.shuffle(titles)
        for i in range(company.size):
            while True:
                first, last = rng.choice(firsts), rng.choice(lasts)
                local = _ascii(f"{first}.{last}").lower().replace(" ", "")
                email = f"{local}@{company.domain}"
                if email not in seen:
                    seen.add(email)
                    break
            title = titles[i % len(titles)]
            vip = title in _VIP_TITLES or (company.support_level == "Platinum" and i == 0)
            phone = f"{company.phone_prefix} {rng.randint(1000, 9999)}"
            people.append(DemoCustomer(email=email, name=f"{first} {last}", company=company.name, phone=phone,
                                       vip=vip, title=title, language=company.language,
                                       utc_offset=company.utc_offset, domain=company.domain,
                                       city=_CITIES[company.domain]))
    return tuple(people)


DEMO_CUSTOMERS: tuple[DemoCustomer, ...] = _make_customers()
_BY_EMAIL = {c.email: c for c in DEMO_CUSTOMERS}


def customer_by_email(address: str) -> DemoCustomer | None:
    return _BY_EMAIL.get(address.strip().lower())


def company_of(customer: DemoCustomer) -> DemoCompany:
    return next(c for c in DEMO_COMPANIES if c.name == customer.company)


_SCHEMA = """
CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    company TEXT NOT NULL,
    phone TEXT,
    vip INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE contracts (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    contract_type TEXT NOT NULL,
    support_level TEXT NOT NULL CHECK (support_level IN ('Bronze', 'Silver', 'Gold', 'Platinum')),
    starts_on DATE NOT NULL,
    expires_on DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'expired'))
);
CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    subject TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'pending', 'closed')),
    priority TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    closed_at TIMESTAMP NULL
);
CREATE INDEX contracts_customer ON contracts(customer_id);
CREATE INDEX tickets_customer ON tickets(customer_id);
"""


def _contracts(rng: random.Random, company: DemoCompany) -> list[tuple[str, str, date, date, str]]:
    """(type, level, starts, expires, status) rows for one customer."""
    rows: list[tuple[str, str, date, date, str]] = []
    main_type = _CONTRACT_TYPES[0]
    if company.contract_expired:
        expires = DEMO_BASE_DATE - timedelta(days=rng.randint(12, 200))
        rows.append((main_type, company.support_level, expires - timedelta(days=730), expires, "expired"))
    else:
        starts = DEMO_BASE_DATE - timedelta(days=rng.randint(30, 400))
        expires = starts + timedelta(days=rng.choice((730, 1095)))  # runs into 2027 at least
        rows.append((main_type, company.support_level, starts, expires, "active"))
        if rng.random() < 0.3:  # a lapsed earlier contract, renewed by the one above
            rows.append((main_type, company.support_level, starts - timedelta(days=730), starts, "expired"))
    if rng.random() < 0.35:
        extra = rng.choice(_CONTRACT_TYPES[1:])
        starts = DEMO_BASE_DATE - timedelta(days=rng.randint(10, 300))
        rows.append((extra, company.support_level, starts, starts + timedelta(days=730), "active"))
    return rows


def _tickets(rng: random.Random) -> list[tuple[str, str, str, datetime, datetime | None]]:
    rows: list[tuple[str, str, str, datetime, datetime | None]] = []
    base = datetime(DEMO_BASE_DATE.year, DEMO_BASE_DATE.month, DEMO_BASE_DATE.day, 8, 0)
    for _ in range(rng.randint(0, 8)):
        created = base - timedelta(days=rng.randint(1, 420), minutes=rng.randint(0, 600))
        status = rng.choices(("closed", "open", "pending"), weights=(80, 10, 10))[0]
        if created > base - timedelta(days=21) and rng.random() < 0.5:
            status = rng.choice(("open", "pending"))  # recent tickets are often still in progress
        closed = created + timedelta(hours=rng.randint(1, 240)) if status == "closed" else None
        rows.append((rng.choice(_TICKET_SUBJECTS), status, rng.choice(_PRIORITIES), created, closed))
    rows.sort(key=lambda r: r[3])
    return rows


def _fill(conn: sqlite3.Connection) -> None:
    rng = random.Random(_SEED + 1)
    conn.executescript(_SCHEMA)
    companies = {c.name: c for c in DEMO_COMPANIES}
    for customer_id, customer in enumerate(DEMO_CUSTOMERS, start=1):
        conn.execute("INSERT INTO customers (id, email, name, company, phone, vip) VALUES (?, ?, ?, ?, ?, ?)",
                     (customer_id, customer.email, customer.name, customer.company, customer.phone,
                      int(customer.vip)))
        for ctype, level, starts, expires, status in _contracts(rng, companies[customer.company]):
            conn.execute("INSERT INTO contracts (customer_id, contract_type, support_level, starts_on, "
                         "expires_on, status) VALUES (?, ?, ?, ?, ?, ?)",
                         (customer_id, ctype, level, starts.isoformat(), expires.isoformat(), status))
        for subject, status, priority, created, closed in _tickets(rng):
            conn.execute("INSERT INTO tickets (customer_id, subject, status, priority, created_at, "
                         "closed_at) VALUES (?, ?, ?, ?, ?, ?)",
                         (customer_id, subject, status, priority, created.isoformat(sep=" "),
                          closed.isoformat(sep=" ") if closed else None))


def build_customer_db(path: Path) -> None:
    """Create (or replace) the demo customer database at `path`.

    The file is written next to its destination and moved into place with `os.replace`, so a reader never
    sees a half-built database and running this twice leaves the same content.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        conn = sqlite3.connect(tmp_name)
        try:
            with conn:
                _fill(conn)
        finally:
            conn.close()
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
