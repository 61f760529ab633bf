"""Tests of the demo data: the mail corpus, the train/holdout split, the synthetic stream and the customer
database."""

from __future__ import annotations

import collections
import contextlib
import csv
import email
import json
import re
import sqlite3
from collections.abc import Iterator
from datetime import date
from email import policy
from email.message import EmailMessage, Message
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from emailbot_gui.core.categories import CATEGORY_KEYS
from emailbot_gui.core.types import Urgency
from emailbot_gui.demo import phrases
from emailbot_gui.demo.corpus import DemoEmail, generate_corpus, main, synthetic_raw_emails, training_examples
from emailbot_gui.demo.customers import DEMO_COMPANIES, DEMO_CUSTOMERS, build_customer_db, customer_by_email
from emailbot_gui.demo.mime import MAILBOX

REPO = Path(__file__).resolve().parents[1]
REQUIRED_HEADERS = ("Message-ID", "Date", "From", "To", "Subject", "MIME-Version")


@pytest.fixture(scope="module")
def corpus() -> list[DemoEmail]:
    return generate_corpus()


@pytest.fixture(scope="module")
def parsed(corpus: list[DemoEmail]) -> list[EmailMessage]:
    out = []
    for e in corpus:
        msg = email.message_from_bytes(e.raw, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        out.append(msg)
    return out


def _types(msg: Message) -> set[str]:
    return {part.get_content_type() for part in msg.walk()}


def _html(msg: EmailMessage) -> str:
    part = msg.get_body(("html",))
    return part.get_content() if isinstance(part, EmailMessage) else ""


# -- the corpus -----------------------------------------------------------------------------------------


def test_size_categories_and_labels(corpus: list[DemoEmail]) -> None:
    assert len(corpus) >= 300
    counts = collections.Counter(e.category for e in corpus)
    assert set(counts) == set(CATEGORY_KEYS)
    assert min(counts.values()) >= 10, counts
    for e in corpus:
        assert Urgency.parse(e.urgency).name == e.urgency
        assert e.language in phrases.LANGUAGES


def test_urgency_spread_fits_categories(corpus: list[DemoEmail]) -> None:
    assert {e.urgency for e in corpus} == {u.name for u in Urgency}
    by_cat = collections.defaultdict(collections.Counter)
    for e in corpus:
        by_cat[e.category][e.urgency] += 1
    outage, how_to, ooo = by_cat["outage"], by_cat["how_to"], by_cat["out_of_office"]
    assert (outage["HIGH"] + outage["CRITICAL"]) / outage.total() >= 0.7
    assert how_to["LOW"] / how_to.total() >= 0.5
    assert set(ooo) == {"LOW"}


def test_every_message_parses_with_the_required_headers(corpus: list[DemoEmail]) -> None:
    seen_ids: set[str] = set()
    dates = []
    for e in corpus:
        msg = email.message_from_bytes(e.raw)  # the stdlib's default (compat32) parser, as asked
        for name in REQUIRED_HEADERS:
            assert msg[name] is not None, (e.filename, name)
        assert not msg.defects, (e.filename, msg.defects)
        assert MAILBOX in str(msg["To"])
        mid = str(msg["Message-ID"])
        assert re.fullmatch(r"<demo-\d{4}\.[0-9a-f]{10}@contoso-demo\.example>", mid)
        assert mid not in seen_ids
        seen_ids.add(mid)
        dates.append(parsedate_to_datetime(str(msg["Date"])))
        assert e.sender in str(msg["From"]).lower()
    assert dates == sorted(dates), "corpus must be in chronological order"
    assert date(2026, 3, 1) < dates[0].date() < dates[-1].date() < date(2026, 4, 30)


def test_filenames(corpus: list[DemoEmail]) -> None:
    names = [e.filename for e in corpus]
    assert len(set(names)) == len(names)
    for i, name in enumerate(names, start=1):
        assert re.fullmatch(rf"{i:04d}-[a-z0-9-]+\.eml", name), name


def test_html_only_and_hostile_markup(parsed: list[EmailMessage]) -> None:
    html_only = [m for m in parsed if "text/html" in _types(m) and "text/plain" not in _types(m)]
    assert len(html_only) >= 20
    assert sum(1 for m in parsed if m.get_content_type() == "multipart/alternative") >= 30
    html = [_html(m) for m in parsed]
    assert sum("<script" in h for h in html) >= 3
    assert sum("onerror=" in h for h in html) >= 2
    assert sum("url(" in h for h in html) >= 3
    assert sum("<form" in h for h in html) >= 2
    assert sum(re.search(r'<img src="https://(tracker|px|t)\.', h) is not None for h in html) >= 3


def test_thread_replies_point_into_the_corpus(parsed: list[EmailMessage]) -> None:
    by_id = {str(m["Message-ID"]): m for m in parsed}
    replies = [m for m in parsed if str(m["In-Reply-To"] or "") in by_id]
    assert len(replies) >= 15
    for m in replies:
        original = by_id[str(m["In-Reply-To"])]
        assert str(m["In-Reply-To"]) in str(m["References"]).split()
        assert parsedate_to_datetime(str(m["Date"])) > parsedate_to_datetime(str(original["Date"]))
        assert re.match(r"(re|aw|antw) ?:", str(m["Subject"]).strip(), re.IGNORECASE), m["Subject"]
        body = m.get_body(("plain", "html"))
        assert isinstance(body, EmailMessage)
        assert "&gt; " in body.get_content() or "\n> " in body.get_content()


def test_languages(corpus: list[DemoEmail], parsed: list[EmailMessage]) -> None:
    foreign = [e for e in corpus if e.language != "en"]
    assert len(foreign) >= 25
    assert {e.language for e in foreign} == {"de", "fr", "es", "nl"}
    for e, m in zip(corpus, parsed, strict=True):
        assert str(m["Content-Language"]).startswith(e.language)


def test_auto_replies_spam_and_attachments(corpus: list[DemoEmail], parsed: list[EmailMessage]) -> None:
    for e, m in zip(corpus, parsed, strict=True):
        assert (m["Auto-Submitted"] == "auto-replied") == (e.category == "out_of_office"), e.filename
    spam_text = [m.get_body(("plain", "html")).get_content().lower()  # type: ignore[union-attr]
                 for e, m in zip(corpus, parsed, strict=True) if e.category == "spam_phishing"]
    assert sum("ignore previous instructions" in t or "ignore all prior" in t for t in spam_text) >= 2
    assert sum("verify" in t or "vérifi" in t or "verifiz" in t for t in spam_text) >= 3
    unknown_spam = [e for e in corpus
                    if e.category == "spam_phishing" and customer_by_email(e.sender) is None]
    assert len(unknown_spam) >= 8
    attachments = [a for m in parsed for a in m.iter_attachments()]
    assert len(attachments) >= 8
    pngs = [a.get_content() for a in attachments if a.get_content_type() == "image/png"]
    assert pngs and all(p.startswith(b"\x89PNG\r\n\x1a\n") and len(p) < 200 for p in pngs)
    assert any(a.get_filename() and a.get_filename().endswith((".txt", ".log")) for a in attachments)


def test_generation_is_deterministic(corpus: list[DemoEmail]) -> None:
    again = generate_corpus()
    assert [e.raw for e in again] == [e.raw for e in corpus]
    assert again == corpus
    other = generate_corpus(count=60, seed=99)
    assert len(other) == 60
    assert other[0].raw != corpus[0].raw


def test_senders_are_mostly_known_customers(corpus: list[DemoEmail]) -> None:
    legit = [e for e in corpus if e.category != "spam_phishing"]
    known = [e for e in legit if customer_by_email(e.sender)]
    assert len(known) / len(legit) >= 0.85
    assert len(legit) > len(known), "some unknown senders are expected too"


def test_committed_corpus_is_up_to_date(corpus: list[DemoEmail]) -> None:
    mail_dir = REPO / "resources" / "demo" / "mail"
    if not mail_dir.is_dir():
        pytest.skip("demo corpus not generated in this checkout")
    on_disk = sorted(p.name for p in mail_dir.glob("*.eml"))
    assert on_disk == sorted(e.filename for e in corpus)
    for e in corpus:
        assert (mail_dir / e.filename).read_bytes() == e.raw, e.filename
    with (REPO / "resources" / "demo" / "labels.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["filename"], r["category"], r["urgency"], r["language"], r["sender"]) for r in rows] == [
        (e.filename, e.category, e.urgency, e.language, e.sender) for e in corpus]


def test_cli_writes_identical_files_twice(tmp_path: Path) -> None:
    out = tmp_path / "demo" / "mail"
    assert main(["--out", str(out), "--count", "40", "--seed", "5"]) == 0
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    labels = (tmp_path / "demo" / "labels.csv").read_text(encoding="utf-8")
    (out / "9999-stale.eml").write_bytes(b"old")
    assert main(["--out", str(out), "--count", "40", "--seed", "5"]) == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first
    assert (tmp_path / "demo" / "labels.csv").read_text(encoding="utf-8") == labels
    assert len(first) == 40
    assert labels.splitlines()[0] == "filename,category,urgency,language,sender"


# -- training text and the train/holdout split ----------------------------------------------------------


def test_every_pool_splits_cleanly() -> None:
    for language in phrases.LANGUAGES:
        for path, pool in phrases.iter_pools(phrases.raw_tree(language)):
            assert len(pool) >= 2, (language, path)
            assert len(set(pool)) == len(pool), (language, path, "duplicate phrase")
            train = phrases.split_pool(pool, "train")
            holdout = phrases.split_pool(pool, "holdout")
            assert train and holdout, (language, path)
            assert not set(train) & set(holdout)
            assert sorted(train + holdout) == sorted(pool)
    for path, pool in phrases.iter_pools(phrases.COMMON_FILLERS):
        assert phrases.split_pool(pool, "train") and phrases.split_pool(pool, "holdout"), path


def test_training_examples_cover_labels() -> None:
    examples = training_examples(1500, seed=3)
    assert len(examples) == 1500
    assert {x.category for x in examples} == set(CATEGORY_KEYS)
    assert {x.urgency for x in examples} == {u.name for u in Urgency}
    foreign = sum(x.language != "en" for x in examples) / len(examples)
    assert 0.07 < foreign < 0.2
    assert training_examples(50, seed=3) == examples[:50]
    with pytest.raises(ValueError):
        training_examples(5, variant="test")


def test_no_placeholder_leaks(parsed: list[EmailMessage]) -> None:
    examples = [x for v in ("train", "holdout") for x in training_examples(1500, seed=5, variant=v)]
    texts = [(x.subject, x.body) for x in examples]
    for m in parsed:
        plain = m.get_body(("plain",))
        texts.append((str(m["Subject"]), plain.get_content() if isinstance(plain, EmailMessage) else ""))
    for subject, body in texts:
        for text in (subject, body):
            assert "{" not in text and "}" not in text, text
            assert " | " not in text, text


def _slot_free_prefix(template: str) -> str:
    return template.rpartition(" | ")[2].split("{")[0].strip()


def test_train_and_holdout_use_disjoint_phrasing() -> None:
    train = training_examples(2500, seed=7, variant="train")
    holdout = training_examples(800, seed=7, variant="holdout")
    train_bodies = {x.body for x in train}
    assert not any(x.body in train_bodies for x in holdout)

    greetings = phrases.raw_tree("en")["greetings"]
    train_greetings = set(phrases.split_pool(greetings, "train"))
    holdout_greetings = set(phrases.split_pool(greetings, "holdout"))
    first_lines = [x.body.split("\n", 1)[0] for x in holdout if x.language == "en"]
    assert not any(line in train_greetings for line in first_lines)
    assert sum(line in holdout_greetings for line in first_lines) >= 20  # the check above is not vacuous

    train_text = "\n".join(train_bodies)
    holdout_text = "\n".join(x.body for x in holdout)
    checked = 0
    for category, pools in phrases.raw_tree("en")["categories"].items():
        for template in phrases.split_pool(pools["problems"], "holdout"):
            prefix = _slot_free_prefix(template)
            if len(prefix) >= 25:
                assert prefix not in train_text, (category, prefix)
                checked += 1
        for template in phrases.split_pool(pools["problems"], "train"):
            prefix = _slot_free_prefix(template)
            if len(prefix) >= 25:
                assert prefix not in holdout_text, (category, prefix)
    assert checked >= 5


# -- escalation directory -------------------------------------------------------------------------------


def test_people_directory() -> None:
    people = json.loads((REPO / "resources" / "demo" / "people.json").read_text(encoding="utf-8"))["people"]
    assert 8 <= len(people) <= 14
    levels = {u.name for u in Urgency}
    for person in people:
        assert set(person) == {"name", "address", "role", "categories", "min_urgency"}
        assert re.fullmatch(r"[a-z.]+@contoso-demo\.example", person["address"])
        assert set(person["categories"]) <= set(CATEGORY_KEYS)
        assert person["min_urgency"] is None or person["min_urgency"] in levels
    assert len({p["address"] for p in people}) == len(people)
    # someone is on call for any critical email, and someone handles phishing whatever its urgency
    assert any(not p["categories"] and p["min_urgency"] == "CRITICAL" for p in people)
    assert any("spam_phishing" in p["categories"] and p["min_urgency"] is None for p in people)
    covered = {c for p in people for c in p["categories"]}
    assert covered >= set(CATEGORY_KEYS) - {"out_of_office"}


# -- synthetic stream -----------------------------------------------------------------------------------


def test_synthetic_raw_emails_parse() -> None:
    raws = list(synthetic_raw_emails(400, seed=11))
    assert len(raws) == 400
    assert raws == list(synthetic_raw_emails(400, seed=11))
    ids = set()
    for raw in raws:
        assert b"\r\n\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
        assert max(len(line) for line in raw.split(b"\r\n")) <= 998
        msg = email.message_from_bytes(raw, policy=policy.default)
        for name in REQUIRED_HEADERS:
            assert msg[name] is not None, name
        assert not msg.defects
        ids.add(str(msg["Message-ID"]))
        body = msg.get_body(("plain",))
        assert isinstance(body, EmailMessage) and len(body.get_content()) > 20
    assert len(ids) == 400
    subjects = [str(email.message_from_bytes(r, policy=policy.default)["Subject"]) for r in raws]
    assert any(not s.isascii() for s in subjects), "non-ASCII subjects exercise RFC 2047 encoding"


# -- customer database ----------------------------------------------------------------------------------


@contextlib.contextmanager
def _connect(path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(path)
    try:
        yield conn
    finally:
        conn.close()


def _dump(path: Path) -> list[tuple[object, ...]]:
    with _connect(path) as conn:
        return [row for table in ("customers", "contracts", "tickets")
                for row in conn.execute(f"SELECT * FROM {table} ORDER BY id")]


def test_customer_db(tmp_path: Path, corpus: list[DemoEmail]) -> None:
    db = tmp_path / "sub" / "customers.sqlite"
    build_customer_db(db)
    with _connect(db) as conn:
        emails = {row[0] for row in conn.execute("SELECT email FROM customers")}
        companies = {row[0] for row in conn.execute("SELECT company FROM customers")}
        assert 50 <= len(emails) <= 70 and len(companies) == len(DEMO_COMPANIES) == 15
        assert emails == {c.email for c in DEMO_CUSTOMERS}
        assert all(e.endswith(".example") for e in emails)
        assert conn.execute("SELECT COUNT(*) FROM customers WHERE vip = 1").fetchone()[0] >= 3
        levels = {row[0] for row in conn.execute("SELECT support_level FROM contracts")}
        assert levels == {"Bronze", "Silver", "Gold", "Platinum"}
        expired = conn.execute("SELECT COUNT(DISTINCT customer_id) FROM contracts WHERE status = 'expired' "
                               "AND customer_id NOT IN (SELECT customer_id FROM contracts WHERE status = "
                               "'active')").fetchone()[0]
        assert expired >= 5
        active = conn.execute("SELECT starts_on, expires_on FROM contracts WHERE status = 'active'")
        for starts, expires in active:
            assert starts < "2026-03-02" and expires >= "2027-01-01"
        per_customer = [row[0] for row in conn.execute(
            "SELECT COUNT(t.id) FROM customers c LEFT JOIN tickets t ON t.customer_id = c.id GROUP BY c.id")]
        assert min(per_customer) >= 0 and max(per_customer) <= 8 and sum(per_customer) > 60
        mismatched = "SELECT COUNT(*) FROM tickets WHERE (status = 'closed') != (closed_at IS NOT NULL)"
        assert conn.execute(mismatched).fetchone()[0] == 0
    known_senders = {e.sender for e in corpus if customer_by_email(e.sender)}
    assert known_senders and known_senders <= emails
    first = _dump(db)
    build_customer_db(db)
    assert _dump(db) == first
    assert [p.name for p in db.parent.iterdir()] == ["customers.sqlite"], "no temp files left behind"
