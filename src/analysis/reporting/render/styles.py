"""Stylesheets of the briefing: package assets, ``@font-face`` rules and generated ``@page`` rules.

The text that CSS prints (page numbers, the synthetic notice in the page margin) comes from the
message catalog and is escaped by :func:`css_string`, so no value can end a rule.
"""

from __future__ import annotations

import base64
import logging
import string
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from analysis import paths
from analysis.core.i18n import t

log = logging.getLogger(__name__)

ASSETS_DIR: Path = paths.assets_dir()
TEMPLATES_DIR: Path = ASSETS_DIR / "templates"
FONTS_DIR: Path = ASSETS_DIR / "fonts"
CSS_DIR: Path = ASSETS_DIR / "css"
STYLESHEET: Path = CSS_DIR / "briefing.css"
SCREEN_STYLESHEET: Path = CSS_DIR / "briefing-screen.css"
TEMPLATE_NAME = "briefing"


# (family, file, weight, style, embedded in the HTML?) — the PDF always gets all of them.
# Bold italic is left out of the HTML to keep it small: browsers synthesize it well enough.
FONT_FACES: tuple[tuple[str, str, int, str, bool], ...] = (
    ("VNDX Sans", "NotoSans-Regular.ttf", 400, "normal", True),
    ("VNDX Sans", "NotoSans-Bold.ttf", 700, "normal", True),
    ("VNDX Sans", "NotoSans-Italic.ttf", 400, "italic", True),
    ("VNDX Sans", "NotoSans-BoldItalic.ttf", 700, "italic", False),
    ("VNDX Symbols", "NotoSansSymbols2-Regular.ttf", 400, "normal", True),
    ("VNDX Math", "NotoSansMath-Regular.ttf", 400, "normal", True),
)


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string; anything but letters, digits and plain punctuation is
    hex-escaped, so no value can end the string, the rule or the ``<style>`` element."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch.isalnum() or ch in " .,:;-—–()/%+·":
            out.append(ch)
        else:
            out.append(f"\\{ord(ch):06x}")
    return '"' + "".join(out) + '"'


def css_content_from_message(message: str, counters: Mapping[str, str]) -> str:
    """A catalog message with ``{placeholders}`` → a CSS ``content`` value.

    ``"Trang {page}/{pages}"`` with ``{"page": "counter(page)", ...}`` becomes
    ``"Trang " counter(page) "/" counter(pages)``.
    """
    parts = []
    for literal, field, _, _ in string.Formatter().parse(message):
        if literal:
            parts.append(css_string(literal))
        if field:
            parts.append(counters[field])
    return " ".join(parts) or '""'


def page_css(lang: str, synthetic: bool) -> str:
    """@page rules whose text comes from the catalog: page numbers and the synthetic notice."""
    label = css_content_from_message(
        t("page.label", lang, page="{page}", pages="{pages}"),
        {"page": "counter(page)", "pages": "counter(pages)"},
    )
    rules = [f"@page {{ @bottom-right {{ content: {label}; }} }}"]
    if synthetic:
        rules.append(
            f"@page {{ @bottom-left {{ content: {css_string(t('notice.synthetic', lang))}; }} }}"
        )
    return "\n".join(rules)


@lru_cache(maxsize=16)
def _font_base64(filename: str) -> str:
    return base64.b64encode((FONTS_DIR / filename).read_bytes()).decode("ascii")


def font_face_css(mode: str, embed_limit: int = 600_000) -> str:
    """``@font-face`` rules.

    Parameters
    ----------
    mode
        ``"files"``: ``url(fonts/…)`` relative to the package assets (the PDF; served by
        :class:`AssetOnlyURLFetcher`). ``"embed"``: ``data:`` URIs (the HTML), if the fonts
        marked for the HTML weigh at most ``embed_limit`` bytes together; otherwise ``"local"``.
        ``"local"``: only ``local()`` names, falling back to the CSS font stack.
    embed_limit
        Size cap (bytes, before base64) for ``"embed"``.
    """
    if mode == "embed":
        total = sum((FONTS_DIR / f).stat().st_size for _, f, _, _, html in FONT_FACES if html)
        if total > embed_limit:
            log.warning("fonts weigh %d bytes (> %d): not embedding them", total, embed_limit)
            mode = "local"
    rules = []
    for family, filename, weight, style, in_html in FONT_FACES:
        if mode == "files":
            src = f'url("fonts/{filename}") format("truetype")'
        elif mode == "embed" and in_html:
            src = f'url("data:font/ttf;base64,{_font_base64(filename)}") format("truetype")'
        elif mode in ("embed", "local"):
            local_name = Path(filename).stem.replace("-", " ")
            src = f'local("{local_name}")'
        else:
            raise ValueError(f"unknown font mode {mode!r}")
        rules.append(
            f'@font-face {{ font-family: "{family}"; font-weight: {weight}; '
            f"font-style: {style}; src: {src}; }}"
        )
    return "\n".join(rules)


@lru_cache(maxsize=4)
def stylesheet_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")
