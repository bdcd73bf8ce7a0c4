"""Provenance (the footer's facts) and the hidden report metadata the exporters read."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from IPython.display import display

from analysis.core.i18n import (
    MISSING,
    fmt_date,
    fmt_datetime,
    is_missing,
    normalize_lang,
    shorten,
    strip_control,
    t,
)
from analysis.core.version import code_version
from analysis.reporting.render.components.base import (
    REPORT_METADATA_MIME,
    REPORT_METADATA_VERSION,
    Fragment,
    render_fragment,
)

PROVENANCE_KEYS: tuple[str, ...] = (
    "source",
    "data_kind",
    "data_version",
    "extracted_at",
    "generated_at",
    "code_version",
    "notebook",
    "run_id",
    "parameters",
    "contact",
)
"""Provenance fields with a catalog label (``provenance.<key>``), in display order."""

COMPACT_KEYS: tuple[str, ...] = ("source", "data_kind", "generated_at")
"""What the printed page's compact provenance line says: where the figures come from, what
kind they are, when the report was made. Versions, the notebook and parameters stay in the
HTML's full block and the PDF's document information (a reader of the page needs none)."""

FOOTER_TEXT_LIMIT = 300
"""Longest provenance value the footer prints; a longer one (a source list) is cut with "…" and
given whole in the HTML's ``<details>`` (the PDF prints the cut text only: laying out tens of
thousands of characters would take minutes and help no reader)."""


def report_provenance(
    *,
    notebook: str,
    data_version: str | None,
    parameters: str,
    sources: str,
    official: bool,
    lang: str | None = "vi",
) -> dict[str, Any]:
    """The footer facts of every report, built here only: source, kind of data (official or
    synthetic), data version, parameters (already as text), code version, notebook and the time
    it was generated. Keys are canonical; the footer translates their labels."""
    kind = "provenance.data_kind_official" if official else "provenance.data_kind_synthetic"
    return {
        "source": sources,
        "data_kind": t(kind, lang),
        "data_version": data_version,
        "parameters": parameters,
        "code_version": code_version(),
        "notebook": notebook,
        "generated_at": dt.datetime.now(dt.UTC).replace(microsecond=0),
    }


def provenance_value(value: Any, lang: str | None = "vi") -> str:
    """Display text for one provenance value (dates, datetimes and mappings formatted)."""
    if is_missing(value):
        return MISSING
    if isinstance(value, dt.datetime):
        return fmt_datetime(value, lang)
    if isinstance(value, dt.date):
        return fmt_date(value, lang)
    if isinstance(value, Mapping):
        return "; ".join(f"{k}={provenance_value(v, lang)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(provenance_value(v, lang) for v in value)
    return strip_control(unicodedata.normalize("NFC", str(value)))


def provenance_items(info: Mapping[str, Any], lang: str | None = "vi") -> list[tuple[str, str]]:
    """``(label, value)`` pairs for a provenance mapping: known keys first, in catalog order."""
    lang = normalize_lang(lang)
    known = [k for k in PROVENANCE_KEYS if k in info]
    others = [k for k in info if k not in PROVENANCE_KEYS]
    items = []
    for key in known + others:
        value = info[key]
        if value is None or value == "":
            continue
        label = t(f"provenance.{key}", lang) if key in PROVENANCE_KEYS else str(key)
        items.append((label, provenance_value(value, lang)))
    return items


_PROVENANCE_TEMPLATE = """
<footer class="provenance">
<h3>{{ title }}</h3>
<dl class="provenance-full">
{% for label, short, full in items %}<dt>{{ label }}</dt><dd>{{ short }}
{%- if full %}<details class="full-text"><summary>{{ more }}</summary>{{ full }}</details>
{%- endif %}</dd>
{% endfor %}
</dl>
<p class="provenance-compact">{% for label, value in compact %}<span class="item">
<span class="label">{{ label }}:</span> {{ value }}</span>{% if not loop.last %} · {% endif %}
{% endfor %}</p>
</footer>
"""


def provenance_footer(
    info: Mapping[str, Any], lang: str | None = "vi", full_text: bool = True
) -> Fragment:
    """Where the figures come from: source, data version, dates, code version, run id …

    The block holds the full list (shown on screen) and a compact line of
    :data:`COMPACT_KEYS` that the printed page shows instead (the stylesheet's print rules):
    no data-version hash, software version, notebook name or path on a page a leader reads.

    Parameters
    ----------
    info
        Known keys (:data:`PROVENANCE_KEYS`) get translated labels; other keys are shown as
        given. Dates and datetimes are formatted for ``lang``; ``None`` values are skipped.
    lang
        Language of the labels.
    full_text
        Give values longer than :data:`FOOTER_TEXT_LIMIT` whole in a ``<details>`` (the HTML);
        the PDF passes ``False`` and prints the cut text only.
    """
    items = []
    for label, value in provenance_items(info, lang):
        short = shorten(value, FOOTER_TEXT_LIMIT)
        items.append((label, short, value if full_text and short != value else None))
    compact = [
        (label, shorten(value, FOOTER_TEXT_LIMIT))
        for label, value in provenance_items({k: info[k] for k in COMPACT_KEYS if k in info}, lang)
    ]
    return render_fragment(
        _PROVENANCE_TEMPLATE,
        title=t("provenance.title", lang),
        items=items,
        compact=compact,
        more=t("provenance.more", lang),
    )


@dataclass(frozen=True)
class ReportMetadata:
    """Metadata of one briefing, displayed as a hidden output for the exporters.

    Displaying it (``display(meta)``, or ending a cell with it) emits one display output with the
    single data key :data:`REPORT_METADATA_MIME` (plus an empty ``text/plain`` so Jupyter front
    ends stay quiet). The briefing exporters remove that output from the document and use the
    payload for the header band, the running page header, the synthetic notice on every page and
    the provenance footer. Other exporters show nothing for it.
    """

    title: str
    subtitle: str | None
    province_name: str
    period_label: str
    lang: str = "vi"
    synthetic: bool = False
    provenance: dict[str, str] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        """The JSON payload (all strings NFC; provenance values already formatted)."""
        return {
            "version": REPORT_METADATA_VERSION,
            "title": self.title,
            "subtitle": self.subtitle,
            "province_name": self.province_name,
            "period_label": self.period_label,
            "lang": self.lang,
            "synthetic": self.synthetic,
            "provenance": dict(self.provenance),
        }

    def _ipython_display_(self) -> None:
        display({REPORT_METADATA_MIME: self.payload(), "text/plain": ""}, raw=True)


def _nfc(value: Any) -> Any:
    return None if value is None else unicodedata.normalize("NFC", str(value))


def report_metadata(
    title: str,
    subtitle: str | None,
    province_name: str,
    period_label: str,
    lang: str | None = "vi",
    synthetic: bool = False,
    provenance: Mapping[str, Any] | None = None,
) -> ReportMetadata:
    """Describe the report for the exporters; display the result once, near the top.

    Parameters
    ----------
    title
        Report title (``t("report.title", lang)``).
    subtitle
        Subtitle or ``None``.
    province_name
        Province display name, in the report language.
    period_label
        Formatted period (``fmt_period(period, lang)``).
    lang
        Report language (``vi`` or ``en``); sets the HTML ``lang`` and the exporters' labels.
    synthetic
        True for demo data: the exporters then print the synthetic notice on every page.
    provenance
        Source, versions, dates … (see :func:`provenance_footer`); values are formatted now.

    Returns
    -------
    ReportMetadata
        Display it (``display(meta)``); it renders as nothing.
    """
    lang = normalize_lang(lang)
    prov = {
        str(k): provenance_value(v, lang)
        for k, v in (provenance or {}).items()
        if v is not None and v != ""
    }
    return ReportMetadata(
        title=_nfc(title),
        subtitle=_nfc(subtitle),
        province_name=_nfc(province_name),
        period_label=_nfc(period_label),
        lang=lang,
        synthetic=bool(synthetic),
        provenance=prov,
    )
