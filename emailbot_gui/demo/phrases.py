"""Phrase pools for the demo mail generator, and their deterministic train/holdout split.

Each language module (`phrases_en`, `phrases_de`, ...) exports one nested tree of tuples: greetings,
problem statements per category, urgency cues, closers and so on. `phrasebook(language, variant)`
returns that tree with every tuple cut down to the variant's share: "train" keeps four items in five,
"holdout" the fifth, "all" everything. Cutting *every* pool (fillers such as product names included)
means a classifier trained on "train" meets only unseen wording in "holdout".

Keys that start with an underscore hold structural values (month names, the quote header) that are
shared by all variants and never split.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from typing import Any

from emailbot_gui.demo import phrases_de, phrases_en, phrases_es, phrases_fr, phrases_nl

PhraseTree = Mapping[str, Any]

VARIANTS: tuple[str, ...] = ("all", "train", "holdout")
LANGUAGES: tuple[str, ...] = ("en", "de", "fr", "es", "nl")
_HOLDOUT_EVERY = 5  # one item in five goes to the holdout variant

_TREES: dict[str, PhraseTree] = {
    "en": phrases_en.PHRASES,
    "de": phrases_de.PHRASES,
    "fr": phrases_fr.PHRASES,
    "es": phrases_es.PHRASES,
    "nl": phrases_nl.PHRASES,
}

# Language-neutral fillers: product and system names, codes. A "#" stands for a random digit.
COMMON_FILLERS: dict[str, tuple[str, ...]] = {
    "app": ("Outlook", "Teams", "Excel", "SAP GUI", "Adobe Acrobat", "Salesforce", "Zoom", "OneDrive", "Word",
            "Power BI", "AutoCAD", "Citrix Workspace", "Sage 50", "Slack", "Visio", "Jira"),
    "sso_app": ("Microsoft 365", "Okta", "Workday", "ServiceNow", "Citrix", "Google Workspace", "SAP Fiori",
                "DocuSign", "Personio", "Xero"),
    "vpn": ("Cisco AnyConnect", "GlobalProtect", "FortiClient", "WireGuard", "Ivanti Secure Access",
            "OpenVPN Connect", "Check Point Endpoint VPN"),
    "system": ("SharePoint", "Exchange Online", "SAP", "Dynamics 365", "the CRM", "the ERP", "Salesforce",
               "NetSuite", "Navision", "Sage X3", "the webshop backend", "the WMS"),
    "share": ("\\\\fs01\\finance", "\\\\fs02\\projects", "S:\\Sales\\Shared", "\\\\nas-01\\scans",
              "P:\\Engineering", "\\\\fs01\\hr$", "T:\\Templates", "\\\\dc-files\\board"),
    "group": ("GRP-Finance-RW", "SG-Sales-EMEA", "SG-Project-Atlas", "DL-All-Managers", "GRP-HR-Readers",
              "SG-BI-Viewers", "GRP-Warehouse-Ops", "SG-Legal-Docs"),
    "printer": ("PRN-2F-EAST", "PRN-3F-WEST", "PRN-RECEP-01", "PRN-WH-04", "HP-MFP-112", "KYO-1F-07",
                "RICOH-C3004", "PRN-LAB-02"),
    "laptop_model": ("Dell Latitude 5440", "Lenovo ThinkPad T14 Gen 3", "HP EliteBook 840 G9",
                     "Surface Laptop 5", "MacBook Air M2", "Dell Precision 3581", "ThinkPad X1 Carbon",
                     "HP ProBook 450 G10"),
    "licence": ("Microsoft 365 E3", "Adobe Acrobat Pro", "Visio Plan 2", "AutoCAD LT", "Power BI Pro",
                "Zoom Business", "Salesforce Sales Cloud", "Creative Cloud", "Project Plan 3",
                "Microsoft 365 Business Premium"),
    "auth_code": ("AADSTS50126", "AADSTS50053", "AADSTS50076", "0xC000006A", "AADSTS50057", "AADSTS700016",
                  "LDAP 49 data 775", "AADSTS53003"),
    "win_code": ("0x80070005", "0x80004005", "0xc0000142", "0x8007000E", "0x800CCC0E", "0x80040600", "1603",
                 "0x8004010F", "0xc000007b", "0x80070057"),
    "vpn_code": ("error 691", "error 809", "code 412 (login failed)", "DNS resolution failure",
                 "gateway timeout (errno 60)", "TLS handshake failure", "certificate validation failure",
                 "error 720"),
    "http_code": ("HTTP 503 Service Unavailable", "502 Bad Gateway", "504 Gateway Time-out",
                  "500 Internal Server Error", "ERR_CONNECTION_TIMED_OUT", "ERR_NAME_NOT_RESOLVED",
                  "HTTP 429 Too Many Requests"),
    "exception": ("System.NullReferenceException", "KERNELBASE.dll 0xe0434352", "ntdll.dll crash",
                  "OutOfMemoryException", "mso20win32client.dll fault", "Application Error 1000",
                  "AppHangB1"),
    "browser": ("Chrome", "Edge", "Firefox", "Safari", "Brave"),
    "router": ("FRITZ!Box 7590", "Sky Hub", "Livebox 5", "Ziggo Connectbox", "TP-Link Archer AX55",
               "BT Smart Hub 2", "Movistar HGU"),
    "isp": ("Vodafone", "Telekom", "Orange", "Ziggo", "BT", "Movistar", "KPN", "Virgin Media", "Free"),
    "hostname": ("fs01.corp.example", "erp-app02", "intranet.corp.example", "dc02", "print01", "sql-prod-03",
                 "crm.corp.example", "git.corp.example"),
    "site": ("Leeds", "Berlin", "Lyon", "Utrecht", "Madrid", "Manchester", "Hamburg", "Rotterdam", "Bilbao",
             "Lille", "Bristol", "Graz", "Antwerp"),
    "person": ("Anna", "Mark", "Priya", "Tom", "Sofia", "Jonas", "Claire", "Pieter", "Lucía", "Omar",
               "Hannah", "Luca", "Fatima", "Greg", "Ines"),
    "room": ("Atlas", "B-204", "Orion", "3.14", "Harbour View", "Boardroom 2", "Kepler", "G.07"),
    "phish_url": ("https://m365-login-verify.example/auth", "http://secure-mailbox-update.example/?id=####",
                  "https://docs-share-view.example/d/#####", "https://payroll-update-portal.example",
                  "https://0ffice-signin.example/owa", "http://dhl-parcel-hold.example/track/####"),
    "phish_sender": ("it-helpdesk@c0ntoso-demo.example", "no-reply@m365-alerts.example",
                     "ceo.office@outlook-mail.example", "payroll@hr-update.example",
                     "billing@invoice-portal.example"),
    "exfil_address": ("audit-team@exfil-mailbox.example", "admin.recovery@proton-drop.example",
                      "it.audit@secure-archive.example", "support-copy@mail-forward.example"),
    # patterns: "#" becomes a random digit
    "machine": ("LT-####", "WS-FIN-##", "PC-####", "NB-MKT-###", "LPT-####", "DT-WH-##"),
    "asset": ("A-######", "CT-####-##", "IT-#####"),
    "ticket": ("INC00#####", "REQ-#####", "CASE-######"),
    "version": ("16.0.#####.#####", "2402 (Build 17328.#####)", "5.##.#", "23.#.#", "4.1.##"),
    "invoice": ("INV-2026-####", "2026/####", "CN-26-#####", "RE-2026-#####"),
    "customer_no": ("CUST-#####", "K-######", "C#####"),
    "po": ("PO-2026-#####", "45000#####", "PO#####"),
    "cost_centre": ("CC-####", "KST ####", "####-OPS"),
    "employee_id": ("E#####", "EMP-####", "P######"),
    "licence_code": ("0xC004F074", "0xC004C003", "LIC-ERR-##", "ERR_SEATS_EXHAUSTED"),
    "ip": ("10.20.#.##", "192.168.1.##", "172.16.##.#", "10.1##.0.#"),
}


def split_pool(pool: tuple[str, ...], variant: str) -> tuple[str, ...]:
    """The variant's share of one pool: every fifth item (from the third on) is holdout, the rest train.

    Pools of two items give one to each side, so both variants always have something to choose from.
    """
    if variant == "all":
        return pool
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; expected one of {', '.join(VARIANTS)}")
    holdout = {i for i in range(len(pool)) if i % _HOLDOUT_EVERY == 2} or {len(pool) - 1}
    want_holdout = variant == "holdout"
    return tuple(item for i, item in enumerate(pool) if (i in holdout) == want_holdout)


def split_tree(tree: PhraseTree, variant: str) -> dict[str, Any]:
    """`split_pool` applied to every tuple in a nested tree (underscore keys are left whole)."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        if key.startswith("_"):
            out[key] = value
        elif isinstance(value, Mapping):
            out[key] = split_tree(value, variant)
        elif isinstance(value, tuple):
            out[key] = split_pool(value, variant)
        else:
            out[key] = value
    return out


@functools.cache
def phrasebook(language: str, variant: str = "all") -> PhraseTree:
    """The phrase tree of one language, cut to one variant. Computed once per (language, variant)."""
    try:
        tree = _TREES[language]
    except KeyError:
        raise ValueError(f"no phrases for language {language!r}") from None
    return split_tree(tree, variant)


@functools.cache
def common_fillers(variant: str = "all") -> PhraseTree:
    return split_tree(COMMON_FILLERS, variant)


def iter_pools(tree: PhraseTree, prefix: str = "") -> Iterator[tuple[str, tuple[str, ...]]]:
    """Every (dotted path, pool) in a tree, for tests and sanity checks."""
    for key, value in tree.items():
        if key.startswith("_"):
            continue
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping):
            yield from iter_pools(value, path)
        elif isinstance(value, tuple):
            yield path, value


def raw_tree(language: str) -> PhraseTree:
    """The unsplit tree of one language."""
    return _TREES[language]
