"""Shared pieces of the HTML components: the Jinja2 environment, :class:`Fragment`, text cells.

Autoescaping is what makes every component safe for data strings: ``<script>`` in a province
name comes out as the text ``&lt;script&gt;``.
"""

from __future__ import annotations

import functools
import unicodedata
from typing import Any

import jinja2
from IPython.display import HTML

from analysis.core.i18n import MISSING, is_missing, strip_control
from analysis.reference.targets import REPORT_STATUSES

REPORT_METADATA_MIME = "application/vnd.vndx.report+json"
"""MIME type of the hidden display output that carries a report's metadata."""

REPORT_METADATA_VERSION = 1

SYNTHETIC_NOTICE_MARK = 'class="notice tone-bad synthetic"'
"""How the exporters recognise a :func:`synthetic_notice` output (so they add no second one)."""

TONES: frozenset[str] = frozenset({"good", "warning", "bad", "neutral", "info"})
DIRECTIONS: frozenset[str] = frozenset({"up", "down", "flat"})
STATUSES: tuple[str, ...] = REPORT_STATUSES
"""Statuses the status table accepts: :data:`analysis.reference.targets.REPORT_STATUSES`."""

# Autoescaping is what makes every component safe for data strings; StrictUndefined turns a typo
# in a template into an error instead of an empty cell.
_env = jinja2.Environment(
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


class Fragment(HTML):
    """Trusted markup built by this module: displayable, and nestable via ``__html__``."""

    def __html__(self) -> str:
        return str(self.data)

    def __str__(self) -> str:
        return str(self.data)


@functools.lru_cache(maxsize=128)
def _compiled(template: str) -> jinja2.Template:
    """A component's template compiled once per process (compiling costs more than rendering,
    and a reused kernel renders the same few templates for every report)."""
    return _env.from_string(template)


def render_fragment(template: str, **context: Any) -> Fragment:
    html = _compiled(template).render(**context)
    return Fragment(unicodedata.normalize("NFC", html.strip()))


def plain_text(value: Any) -> Any:
    """Plain text for a cell: missing → em dash, markup objects kept, the rest ``str`` (NFC)."""
    if is_missing(value):
        return MISSING
    if hasattr(value, "__html__"):
        return value  # trusted markup (a Fragment): Jinja2 keeps it as is
    return strip_control(unicodedata.normalize("NFC", str(value)))


def tone_or_neutral(value: Any) -> str:
    return value if value in TONES else "neutral"
