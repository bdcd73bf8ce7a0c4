"""Sanitizing notebook HTML for briefings, and keeping the output offline.

Two layers:

1. :func:`sanitize_html` cleans one HTML *fragment* (a ``text/html`` output, rendered Markdown)
   with an allow-list: no ``<script>``, no event handlers, no ``<iframe>``/``<object>``/forms,
   images only as ``data:image/...`` URIs, ``<style>`` blocks (pandas Styler) kept but without
   ``@import`` or ``url()`` to anything but ``data:``.
2. :func:`enforce_offline` runs over the *whole document* after templating, as a last guard:
   it removes anything that could make a reader's browser (or WeasyPrint) reach the network or
   the file system, whatever produced it.

Why bleach with our own allow-list rather than nbconvert's ``sanitize_html`` option: nbconvert's
``clean_html`` filter (bleach, in nbconvert 7.17) allows neither ``<img>``, ``<p>``, ``<th>``,
``<thead>`` nor headings, so it would turn every DataFrame and component into escaped text.
bleach itself is a dependency of nbconvert, and its html5lib parser handles broken HTML the way
browsers do, which a regular expression cannot.
"""

from __future__ import annotations

import re
from typing import Any

import bleach
from bleach.css_sanitizer import (
    ALLOWED_CSS_PROPERTIES,
    CSSSanitizer,
)
from bs4 import BeautifulSoup

from analysis.reporting.render.accessibility import mark_table_headers

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup",
        "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "footer",
        "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "i", "img", "ins", "kbd", "li",
        "mark", "ol", "p", "pre", "q", "s", "samp", "section", "small", "span", "strong", "sub",
        "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u",
        "ul", "var", "wbr", "article", "aside",
    }
)  # fmt: skip

_GLOBAL_ATTRS = frozenset(
    {"class", "id", "title", "lang", "dir", "role", "style", "aria-label", "aria-hidden"}
)
_TAG_ATTRS: dict[str, frozenset[str]] = {
    "a": frozenset({"href"}),
    "img": frozenset({"src", "alt", "width", "height"}),
    "td": frozenset({"colspan", "rowspan", "headers"}),
    "th": frozenset({"colspan", "rowspan", "headers", "scope"}),
    "col": frozenset({"span"}),
    "colgroup": frozenset({"span"}),
    "ol": frozenset({"start", "type", "reversed"}),
    "time": frozenset({"datetime"}),
    "details": frozenset({"open"}),
}

# Properties allowed in style="" attributes. No shorthand that takes an image (background,
# list-style, border-image, content), so no value can name a URL that anything would load.
ALLOWED_CSS: frozenset[str] = frozenset(
    (set(ALLOWED_CSS_PROPERTIES) - {"background", "cursor", "font", "float"})
    | {
        "border", "border-top", "border-right", "border-bottom", "border-left", "border-width",
        "border-style", "border-radius", "margin", "margin-top", "margin-right", "margin-bottom",
        "margin-left", "padding", "padding-top", "padding-right", "padding-bottom",
        "padding-left", "min-width", "max-width", "min-height", "max-height", "text-transform",
        "opacity", "word-break", "overflow-wrap",
    }
)  # fmt: skip

_DATA_IMAGE = re.compile(r"^\s*data:image/(png|jpeg|jpg|gif|webp|svg\+xml)[;,]", re.IGNORECASE)
_DATA_ASSET = re.compile(
    r"^\s*data:(image/(png|jpeg|jpg|gif|webp|svg\+xml)|font/[a-z0-9.+-]+|"
    r"application/(font-woff2?|x-font-ttf|x-font-opentype|vnd\.ms-fontobject))[;,]",
    re.IGNORECASE,
)
_RELATIVE_ASSET = re.compile(r"^(fonts|css)/[A-Za-z0-9_.-]+$")
_CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_CSS_IMPORT = re.compile(r"@import\b[^;]*;?", re.IGNORECASE)
_CSS_DANGEROUS = re.compile(r"expression\s*\(|-moz-binding|behavior\s*:|javascript:", re.I)
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Control characters (NUL, ESC, C1 ...) removed before rendering; tab and line breaks stay."""

_STYLE_BLOCK = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.IGNORECASE | re.DOTALL)

REMOVED_TAGS: frozenset[str] = frozenset(
    {
        "script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "link",
        "form", "input", "button", "select", "textarea", "portal", "audio", "video", "source",
        "track", "noscript", "template", "svg", "math",
    }
)  # fmt: skip
"""Tags :func:`enforce_offline` deletes with their content (inline SVG included: charts arrive as
``<img src="data:image/svg+xml;base64,...">``, which cannot run script or load anything)."""

_URL_ATTRS = frozenset(
    {
        "src", "href", "srcset", "action", "formaction", "poster", "background", "xlink:href",
        "data", "cite", "longdesc", "lowsrc", "dynsrc", "ping", "manifest", "codebase",
        "usemap", "icon", "profile", "archive", "classid", "srcdoc",
    }
)  # fmt: skip


def _allow_attribute(tag: str, name: str, value: str) -> bool:
    if name.startswith("on"):
        return False
    if tag == "img" and name == "src":
        return bool(_DATA_IMAGE.match(value))
    if tag == "a" and name == "href":
        # Kept here, turned into plain text by enforce_offline unless it is an in-page anchor.
        return True
    return name in _GLOBAL_ATTRS or name in _TAG_ATTRS.get(tag, frozenset())


_CLEANER = bleach.sanitizer.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=_allow_attribute,
    protocols={"http", "https", "mailto", "data"},
    strip=True,
    strip_comments=True,
    css_sanitizer=CSSSanitizer(allowed_css_properties=ALLOWED_CSS),
)


def sanitize_css(css: str, allow_relative_assets: bool = False) -> str | None:
    """Make a style sheet safe to embed, or ``None`` if it cannot be.

    ``@import`` rules are removed, and every ``url()`` that is not a ``data:`` image/font (or, with
    ``allow_relative_assets``, a ``fonts/`` or ``css/`` file of the package) becomes ``none``.
    Sheets with CSS escapes, ``expression()`` or ``</`` are refused whole, because escapes could
    spell ``url`` in a way the patterns above would not see.
    """
    if "\\" in css or "</" in css or _CSS_DANGEROUS.search(css):
        return None

    def _url(match: re.Match[str]) -> str:
        target = match.group(2).strip()
        if _DATA_ASSET.match(target) or (allow_relative_assets and _RELATIVE_ASSET.match(target)):
            return match.group(0)
        return "none"

    return _CSS_URL.sub(_url, _CSS_IMPORT.sub("", css))


def sanitize_html(fragment: str) -> str:
    """Clean one HTML fragment from a notebook output or a Markdown cell.

    Parameters
    ----------
    fragment
        Untrusted HTML.

    Returns
    -------
    str
        HTML with only :data:`ALLOWED_TAGS`, safe attributes, ``data:`` images and neutered
        ``<style>`` blocks; disallowed tags are dropped (their text is kept, as text).
    """
    styles = []
    for match in _STYLE_BLOCK.finditer(fragment):
        safe = sanitize_css(match.group(1))
        if safe is not None:
            styles.append(f"<style>{safe}</style>")
    # Scripts, frames etc. go first *with their content*: bleach would keep their text.
    fragment = _CONTROL_CHARS.sub("", fragment)
    soup = BeautifulSoup(_STYLE_BLOCK.sub("", fragment), features="html.parser")
    for tag in soup.find_all(REMOVED_TAGS):
        tag.decompose()
    cleaned = _CLEANER.clean(str(soup))
    # Table semantics last, on what is left: header cells get their scope (screen readers).
    return mark_table_headers(enforce_offline("".join(styles) + cleaned))


def _is_allowed_url(attr: str, value: str, allow_relative_assets: bool) -> bool:
    value = value.strip()
    if attr == "href":
        return value.startswith("#") or value.lower().startswith("mailto:")
    if attr == "src":
        return bool(_DATA_ASSET.match(value)) or (
            allow_relative_assets and bool(_RELATIVE_ASSET.match(value))
        )
    return False


def enforce_offline(html: str, allow_relative_assets: bool = False) -> str:
    """Remove every way out of the document: scripts, frames, remote and local URLs.

    - deletes :data:`REMOVED_TAGS` and ``<meta http-equiv>``;
    - drops ``on*`` event-handler attributes;
    - keeps ``src`` only for ``data:`` images/fonts (an ``<img>`` without one is replaced by its
      alt text), ``href`` only for ``#anchors`` and ``mailto:``; an external link becomes plain
      text followed by its address, so a printed briefing still cites it;
    - removes control characters (NUL, ESC ...; tab and line breaks stay);
    - cleans ``<style>`` blocks with :func:`sanitize_css` and drops ``style`` attributes that
      mention ``url(`` or ``@import``.

    Parameters
    ----------
    html
        A document or fragment.
    allow_relative_assets
        Keep ``fonts/…`` and ``css/…`` references (the print variant, whose URL fetcher serves
        exactly those package files).
    """
    soup = BeautifulSoup(_CONTROL_CHARS.sub("", html), features="html.parser")
    for tag in soup.find_all(REMOVED_TAGS):
        tag.decompose()
    for tag in soup.find_all("meta"):
        if tag.has_attr("http-equiv"):
            tag.decompose()
    for style in soup.find_all("style"):
        safe = sanitize_css(style.string or "", allow_relative_assets)
        if safe is None:
            style.decompose()
        elif safe != (style.string or ""):
            style.string = safe
    for tag in soup.find_all(True):
        _clean_attributes(soup, tag, allow_relative_assets)
        if tag.name == "img" and not tag.get("src"):
            alt = tag.get("alt")
            if alt:
                tag.replace_with(soup.new_string(f"[{alt}]"))
            else:
                tag.decompose()
    return str(soup)


def _clean_attributes(soup: BeautifulSoup, tag: Any, allow_relative_assets: bool) -> None:
    """Drop event handlers, styles that load things and URLs that leave the document."""
    for attr in list(tag.attrs):
        value = tag.attrs[attr]
        text = " ".join(value) if isinstance(value, list) else str(value)
        if attr.startswith("on"):
            del tag.attrs[attr]
        elif attr == "style" and re.search(r"url\s*\(|@import|\\|expression", text, re.I):
            del tag.attrs[attr]
        elif attr in _URL_ATTRS and not _is_allowed_url(attr, text, allow_relative_assets):
            del tag.attrs[attr]
            if tag.name == "a" and attr == "href" and text.strip():
                _link_to_text(soup, tag, text.strip())


def _link_to_text(soup: BeautifulSoup, tag: object, url: str) -> None:
    """``<a href=URL>text</a>`` → ``<span>text <span class="external-url">(URL)</span></span>``."""
    tag.name = "span"  # type: ignore[attr-defined]
    classes = list(tag.get("class") or [])  # type: ignore[attr-defined]
    tag["class"] = [*classes, "external-link"]  # type: ignore[index]
    if url not in tag.get_text():  # type: ignore[attr-defined]
        note = soup.new_tag("span", attrs={"class": "external-url"})
        note.string = f" ({url})"
        tag.append(note)  # type: ignore[attr-defined]


def find_external_references(html: str) -> list[str]:
    """Everything in ``html`` that would load or run something (empty list when clean).

    Parses the document, so escaped text such as ``&lt;img src="http://…"&gt;`` is not
    reported: only real ``<script>``/frame elements, URL attributes that are not ``data:``,
    ``#anchors`` or ``mailto:``, ``on*`` handlers, and ``url()``/``@import`` in CSS.
    """
    found: list[str] = []
    soup = BeautifulSoup(html, features="html.parser")
    for tag in soup.find_all(REMOVED_TAGS):
        found.append(f"<{tag.name}>")
    css_texts = [s.string or "" for s in soup.find_all("style")]
    for tag in soup.find_all(True):
        for attr, value in tag.attrs.items():
            text = " ".join(value) if isinstance(value, list) else str(value)
            if attr.startswith("on"):
                found.append(f"<{tag.name} {attr}>")
            elif attr in _URL_ATTRS and not _is_allowed_url(attr, text, False):
                found.append(f"<{tag.name} {attr}={text[:120]!r}>")
            elif attr == "style":
                css_texts.append(text)
    for css in css_texts:
        found.extend(f"@import {m.group(0)[:120]}" for m in _CSS_IMPORT.finditer(css))
        for m in _CSS_URL.finditer(css):
            if not _DATA_ASSET.match(m.group(2).strip()):
                found.append(f"url({m.group(2)[:120]})")
    return found


__all__ = [
    "ALLOWED_TAGS",
    "REMOVED_TAGS",
    "enforce_offline",
    "find_external_references",
    "sanitize_css",
    "sanitize_html",
]
