"""Make untrusted email HTML safe to show, and readable as plain text.

`sanitize_html` is an allow-list applied by nh3 (the Rust `ammonia` sanitizer): only formatting
tags survive, no scripts, forms, frames or event handlers, links only to http/https/mailto, and no
remote content at all (images, backgrounds and CSS `url()` are dropped), so showing the result in a
QTextBrowser makes no network request. Inline `cid:` images can be shown through `cid_map`.
The regexes below only *count* what was removed, for the "N remote images blocked" notice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape, unescape

import nh3

MAX_HTML_CHARS = 2 * 1024 * 1024
# html5ever (inside nh3) has two quadratic corners: it checks element scope by walking the stack of
# open elements, so thousands of unclosed elements are slow (100,000 unclosed <div>s take minutes),
# and so are many character references in one text node (600,000 "&#x" take 15 s). HTML beyond
# these limits is shown as plain text instead; real mail nests a few dozen levels deep.
MAX_NESTING = 400
MAX_REFERENCES_PER_TEXT = 5000
_FEW_TAGS = 4000  # with fewer '<' than this, even the quadratic case is a few milliseconds

_FORMAT_TAGS = frozenset({
    "p", "br", "b", "i", "u", "s", "strike", "strong", "em", "small", "sub", "sup", "tt", "hr",
    "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption",
    "a", "blockquote", "pre", "code", "h1", "h2", "h3", "h4", "h5", "h6", "span", "div", "font", "img",
    "center",
})
# Removed together with their content; everything else not allowed loses only its tags.
_DROP_WITH_CONTENT = frozenset({
    "script", "style", "iframe", "object", "embed", "applet", "frame", "frameset", "noscript",
    "template", "title", "svg", "math", "select", "textarea", "noembed", "noframes", "xmp",
})
_CELL = {"colspan", "rowspan", "align", "valign", "width", "height", "bgcolor", "background", "nowrap"}
# `background` and `srcset` are allowed only so that the filter sees them, counts and drops them.
_ATTRIBUTES: dict[str, set[str]] = {
    "*": {"title", "dir", "lang", "align", "style"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height", "srcset", "background"},
    "font": {"color"},
    "table": {"border", "cellpadding", "cellspacing", "width", "bgcolor", "background"},
    "tr": {"valign", "bgcolor", "background"},
    "td": _CELL,
    "th": _CELL,
    "ol": {"start", "type"},
    "ul": {"type"},
}
_STYLE_PROPERTIES = {
    "color", "background-color", "font", "font-family", "font-size", "font-style", "font-weight",
    "text-align", "text-decoration", "text-indent", "text-transform", "vertical-align", "white-space",
    "line-height", "letter-spacing", "direction", "width", "height", "list-style-type",
    "margin", "margin-top", "margin-bottom", "margin-left", "margin-right",
    "padding", "padding-top", "padding-bottom", "padding-left", "padding-right",
    "border", "border-width", "border-style", "border-color", "border-collapse",
}
# Anything that could make CSS load or run something, or hide such a token behind an escape
# (ammonia decodes CSS escapes *after* the filter sees the value).
_STYLE_DENY = ("\\", "url", "expression", "import", "@", "image", "script", "behavior", "binding",
               "/*", "&", "<")
_CSS_FUNCTION = re.compile(r"([a-z-]*)\s*\(")
_CSS_OK_FUNCTIONS = frozenset({"rgb", "rgba", "hsl", "hsla"})
_SAFE_IMAGE = re.compile(r"data:image/(?:png|jpeg|jpg|gif|bmp|webp);base64,[A-Za-z0-9+/=\s]*\Z", re.I)

# Counting only (see the module docstring). Every repetition is bounded, so these stay linear.
_REMOVED_ELEMENT = re.compile(
    r"<\s{0,5}(?:script|style|iframe|object|embed|form|input|button|meta|link|base|frame|frameset"
    r"|applet|svg|math|textarea|select|noscript|template)\b", re.I)
_REMOTE_CSS = re.compile(r"@import\b(?:\s{0,20}url\()?|url\(\s{0,20}['\"]?\s{0,20}(?:https?:)?//", re.I)
_REMOTE_LINK = re.compile(r"<link\b[^<>]{0,500}?\bhref\s{0,5}=\s{0,5}['\"]?\s{0,5}(?:https?:)?//", re.I)


@dataclass(frozen=True)
class SanitizedHtml:
    html: str
    blocked_remote: int  # remote images, backgrounds and style sheets that were dropped
    removed_elements: int  # scripts, styles, frames, forms, meta/link/base elements that were dropped


def sanitize_html(html: str, *, cid_map: Mapping[str, str] | None = None) -> SanitizedHtml:
    """Return HTML safe for a QTextBrowser. `cid_map` maps a Content-ID (with or without `cid:` and
    angle brackets) to a `data:image/...;base64,` URL; `<img src="cid:...">` shows only through it."""
    original_len = len(html)
    html = _scrub(html[:MAX_HTML_CHARS])
    if _too_costly_for_nh3(html):
        text = escape(_stripped_text(html)).replace("\n", "<br>")
        return SanitizedHtml(
            html=f"<p><i>[This message's HTML is too convoluted to display; shown as text.]</i></p>"
                 f"<p>{text}</p>",
            blocked_remote=len(_REMOTE_CSS.findall(html)) + len(_REMOTE_LINK.findall(html)),
            removed_elements=len(_REMOVED_ELEMENT.findall(html)),
        )
    images = _normalise_cid_map(cid_map or {})
    counter = [0]

    def keep_attribute(tag: str, attr: str, value: str) -> str | None:
        if attr == "style":
            return _unhidden(value) if _safe_style(value) else None
        low = value.strip().lower()
        if attr == "href":
            return value if low.startswith(("http:", "https:", "mailto:")) else None
        if attr in ("src", "srcset", "background"):
            if attr == "src" and tag == "img" and low.startswith("cid:"):
                return images.get(value.strip()[4:].strip().strip("<>"))
            if "//" in low or low.startswith(("http:", "https:")):
                counter[0] += 1
            return None
        return value

    def drop_relative(url: str) -> None:
        if url.lstrip().startswith("//"):
            counter[0] += 1

    cleaner = nh3.Cleaner(
        tags=set(_FORMAT_TAGS), clean_content_tags=set(_DROP_WITH_CONTENT), attributes=_ATTRIBUTES,
        attribute_filter=keep_attribute, url_schemes={"http", "https", "mailto", "cid"},
        url_relative=drop_relative, filter_style_properties=_STYLE_PROPERTIES, strip_comments=True,
    )
    clean = _drop_sourceless_images(cleaner.clean(html))
    if original_len > MAX_HTML_CHARS:
        clean += (f"<p><i>[Message truncated: its HTML has {original_len / 1e6:.1f} million characters;"
                  f" only the first {MAX_HTML_CHARS / 1e6:.1f} million are shown.]</i></p>")
    remote = counter[0] + len(_REMOTE_CSS.findall(html)) + len(_REMOTE_LINK.findall(html))
    removed = len(_REMOVED_ELEMENT.findall(html))
    return SanitizedHtml(html=clean, blocked_remote=remote, removed_elements=removed)


# On nh3's canonical output only: attribute values are double-quoted and may contain '>'.
_IMG = re.compile(r'<img\b((?:[^>"]|"[^"]*")*)>')
_ALT = re.compile(r'\salt="([^"]*)"')


def _drop_sourceless_images(html: str) -> str:
    """An <img> whose source was blocked would still make QTextBrowser ask for an empty URL (and Qt
    log a warning per image); show its alt text instead."""
    if "<img" not in html:
        return html

    def replace(m: re.Match[str]) -> str:
        if ' src="' in m.group(1):
            return m.group(0)
        alt = _ALT.search(m.group(1))
        text = " ".join(unescape(alt.group(1)).split()) if alt else ""
        return f"[{escape(text)}]" if text else ""

    return _IMG.sub(replace, html)


_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)")
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
                   "source", "track", "wbr", "basefont", "bgsound", "frame", "keygen"})


def _too_costly_for_nh3(html: str) -> bool:
    """See MAX_NESTING: whether nh3 could take seconds on this HTML."""
    if html.count("&") > MAX_REFERENCES_PER_TEXT and (
            max(segment.count("&") for segment in html.split("<")) > MAX_REFERENCES_PER_TEXT):
        return True
    return _nested_too_deep(html)


def _nested_too_deep(html: str) -> bool:
    """An upper bound on the parser's open-element depth: an end tag closes only an element of its
    own name that is open (so stray end tags cannot hide depth), and closes just that one."""
    if html.count("<") <= _FEW_TAGS:
        return False
    depth = 0
    open_by_name: dict[str, int] = {}
    for m in _TAG.finditer(html):
        name = m.group(2).lower()
        if m.group(1):
            if open_by_name.get(name, 0) > 0:
                open_by_name[name] -= 1
                depth -= 1
        elif name not in _VOID:
            open_by_name[name] = open_by_name.get(name, 0) + 1
            depth += 1
            if depth > MAX_NESTING:
                return True
    return False


# Used only when nh3 cannot be (see MAX_NESTING): `[^<>]` keeps every match, and so the pass, linear.
_LINE_BREAK_TAG = re.compile(r"<(?:br|p|div|tr|li|h[1-6]|blockquote|table)\b[^<>]*>", re.I)
_ANY_TAG = re.compile(r"<[^<>]*>")
_BLANK_RUNS = re.compile(r"\n{3,}")


def _stripped_text(html: str) -> str:
    text = unescape(_ANY_TAG.sub("", _LINE_BREAK_TAG.sub("\n", html)))
    return _BLANK_RUNS.sub("\n\n", "\n".join(" ".join(line.split()) for line in text.split("\n"))).strip()


def _scrub(text: str) -> str:
    """Lone surrogates (which nh3, Qt and UTF-8 reject) become U+FFFD; the check is one C-speed pass."""
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


_SURROGATE = re.compile("[\ud800-\udfff]")


def _normalise_cid_map(cid_map: Mapping[str, str]) -> dict[str, str]:
    images: dict[str, str] = {}
    for key, url in cid_map.items():
        if _SAFE_IMAGE.match(url):
            k = key.strip()
            k = k[4:] if k.lower().startswith("cid:") else k
            images[k.strip().strip("<>")] = url
    return images


# Text sized or squeezed to nothing is a way to hide words from the reader (and to smuggle
# instructions past them); the operator should see everything the email says.
_HIDING_DECLARATION = re.compile(
    r"(?:^|;)\s*(?:font-size|line-height|height|width|max-height|max-width)\s*:\s*-?0*(?:\.\d+)?"
    r"(?:[a-z%]*)\s*(?=;|$)|(?:^|;)\s*font-size\s*:\s*[0-5](?:\.\d+)?\s*(?:px|pt)\s*(?=;|$)",
    re.IGNORECASE)


def _unhidden(style: str) -> str:
    return _HIDING_DECLARATION.sub("", style).strip("; ")


def _safe_style(value: str) -> bool:
    low = value.lower()
    if len(low) > 2000 or any(token in low for token in _STYLE_DENY):
        return False
    return all(name in _CSS_OK_FUNCTIONS for name in _CSS_FUNCTION.findall(low))


_BLOCKS = frozenset({
    "p", "div", "table", "tr", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "hr", "center",
    "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header", "footer", "address", "main",
    "nav", "aside", "figure", "figcaption", "caption", "form", "fieldset", "details", "summary",
})
_PARAGRAPHS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol"})
_TEXT_CLEANER = nh3.Cleaner(
    tags=set(_BLOCKS | {"br", "li", "td", "th", "a"}), clean_content_tags=set(_DROP_WITH_CONTENT),
    attributes={"a": {"href"}}, link_rel=None, url_schemes={"http", "https", "mailto"}, strip_comments=True,
)
# Tokens of the canonical HTML nh3 serialises: no raw '<' in text, attribute values double-quoted
# (a '>' may appear inside them), every element closed. Nothing else ever reaches this regex.
_TOKEN = re.compile(r'<(/?)([a-z0-9]+)((?:[^>"]|"[^"]*")*)>|([^<]+)')
_HREF = re.compile(r'href="([^"]*)"')


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML body: blocks become lines, links become "text (url)"."""
    html = _scrub(html[:MAX_HTML_CHARS])
    if _too_costly_for_nh3(html):
        return _stripped_text(html)
    out: list[str] = []
    links: list[tuple[str, int]] = []
    pre = quote = 0
    line_start = True

    def emit(text: str) -> None:
        nonlocal line_start
        if quote:
            prefix = "> " * quote
            text = text.replace("\n", "\n" + prefix)
            if line_start:
                text = prefix + text
        out.append(text)
        line_start = False

    def newline(blank: bool) -> None:
        nonlocal line_start
        out.append("\n\n" if blank else "\n")
        line_start = True

    def space() -> None:
        if not line_start and not out[-1].endswith(" "):
            out.append(" ")

    for closing, tag, attrs, data in _TOKEN.findall(_TEXT_CLEANER.clean(html)):
        if data:
            data = unescape(data)
            if pre:
                emit(data)
                line_start = data.endswith("\n")
            else:
                words = " ".join(data.split())
                if data[0].isspace():
                    space()
                if words:
                    emit(words)
                    if data[-1].isspace():
                        space()
        elif tag == "a":
            if not closing:
                m = _HREF.search(attrs)
                links.append((unescape(m.group(1)) if m else "", len(out)))
            elif links:
                href, start = links.pop()
                label = "".join(out[start:]).strip()
                target = href[7:] if href.lower().startswith("mailto:") else href
                if target and target != label:
                    emit(f" ({target})" if label else target)
        elif tag == "br":
            newline(False)
        elif tag == "li" and not closing:
            newline(False)
            emit("- ")
        elif tag in ("td", "th") and not closing:
            space()
        elif tag in _BLOCKS:
            if tag == "pre":
                pre = max(0, pre + (-1 if closing else 1))
            elif tag == "blockquote":
                if closing:
                    quote = max(0, quote - 1)
                    newline(True)
                    continue
                newline(True)
                quote += 1
                continue
            newline(tag in _PARAGRAPHS)
    lines = "".join(out).split("\n")
    return _BLANK_RUNS.sub("\n\n", "\n".join(line.rstrip() for line in lines)).strip()
