"""Raw email in, domain `Email` out: MIME parsing (`parse`), header and charset decoding (`headers`),
and making untrusted HTML safe to show (`sanitize`)."""

from emailbot_gui.mail.parse import MalformedEmail, bare_parse, parse_message
from emailbot_gui.mail.sanitize import SanitizedHtml, html_to_text, sanitize_html

__all__ = ["MalformedEmail", "SanitizedHtml", "bare_parse", "html_to_text", "parse_message", "sanitize_html"]
