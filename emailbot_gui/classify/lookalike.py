"""Lookalike-domain detection for links in mail: hosts that imitate a well-known sign-in brand
("micros0ft.com", "paypa1.com", "rnicrosoft.com", "microsoft-login.com", "paypal.com.verify-id.net").

Hosts of the real domains (and their subdomains) are never lookalikes. A brand's own name under a
country or common top-level domain ("amazon.de", "google.fr") counts as the brand. The check is pure
string work: no DNS, nothing leaves the machine."""

from __future__ import annotations

from collections.abc import Sequence

# Real domains whose lookalikes are phishing. A deployment adds its own domains (settings/UI).
KNOWN_DOMAINS: tuple[str, ...] = (
    "microsoft.com", "microsoftonline.com", "office.com", "office365.com", "outlook.com", "live.com",
    "onedrive.com", "sharepoint.com", "windows.net", "azure.com", "google.com", "gmail.com",
    "googleusercontent.com", "googleapis.com", "apple.com", "icloud.com", "paypal.com", "amazon.com",
    "amazonaws.com", "dropbox.com", "docusign.com", "docusign.net", "linkedin.com", "facebook.com",
    "instagram.com", "netflix.com", "adobe.com", "salesforce.com", "force.com", "wetransfer.com",
    "okta.com", "dhl.com", "fedex.com", "zoom.us", "slack.com", "github.com",
)
# Names distinctive enough that seeing them inside another domain is itself suspicious.
_DISTINCTIVE = frozenset({
    "microsoft", "microsoftonline", "office365", "onedrive", "sharepoint", "outlook", "google", "gmail",
    "icloud", "appleid", "paypal", "amazon", "dropbox", "docusign", "linkedin", "facebook", "instagram",
    "netflix", "salesforce", "wetransfer", "okta", "dhl", "fedex", "github",
})
_COMMON_TLDS = frozenset({"com", "net", "org", "co", "io", "eu"})
_SECOND_LEVEL = frozenset({"co.uk", "com.au", "co.jp", "com.br", "co.nz", "com.mx", "co.za", "com.es"})
_HOMOGLYPHS = (("rn", "m"), ("vv", "w"), ("0", "o"), ("1", "l"), ("3", "e"), ("5", "s"), ("@", "a"),
               ("$", "s"), ("!", "i"), ("|", "l"))


def registrable(host: str) -> str:
    """The registrable part of a host, approximately: the last two labels (three under co.uk etc.)."""
    labels = host.lower().rstrip(".").split(".")
    if len(labels) >= 3 and ".".join(labels[-2:]) in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def _label(domain: str) -> str:
    return domain.split(".")[0]


def _tld_ok(domain: str) -> bool:
    tail = domain.split(".", 1)[1] if "." in domain else ""
    return tail in _COMMON_TLDS or tail in _SECOND_LEVEL or (len(tail) == 2 and tail.isalpha())


def _deglyph(text: str) -> str:
    for a, b in _HOMOGLYPHS:
        text = text.replace(a, b)
    return text


def _distance_at_most_one(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance <= 1 (one insertion, deletion, substitution or transposition)."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diffs) == 1 or (len(diffs) == 2 and diffs[1] == diffs[0] + 1
                                   and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def lookalike_of(host: str, known: Sequence[str] = KNOWN_DOMAINS) -> str:
    """The known domain `host` imitates, or "" when it imitates none (or is one of them)."""
    host = host.lower().rstrip(".")
    if not host or any(host == k or host.endswith("." + k) for k in known):
        return ""
    reg = registrable(host)
    label = _label(reg)
    brands = {_label(k): k for k in known}
    if label in brands and _tld_ok(reg):
        return ""  # the brand's own name under a country or common TLD: amazon.de, google.fr
    plain = _deglyph(label).replace("-", "")
    for brand, domain in brands.items():
        if len(brand) >= 5 and plain != label.replace("-", "") and plain == brand:
            return domain  # micros0ft, rnicrosoft, paypa1
        if len(brand) >= 6 and brand != label and _distance_at_most_one(label, brand):
            return domain  # mircosoft, gooogle
    tokens = set(host.replace("-", ".").split("."))
    for brand in _DISTINCTIVE & set(brands) | (_DISTINCTIVE & tokens):
        if brand in tokens or (len(brand) >= 6 and any(brand in t for t in tokens)):
            domain = brands.get(brand, f"{brand}.com")
            return domain  # microsoft-login.com, paypal.com.verify-id.net, secure-paypal-support.org
    return ""
