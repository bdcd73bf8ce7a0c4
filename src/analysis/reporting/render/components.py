"""HTML building blocks that briefing notebooks display.

Each function returns a :class:`Fragment` (an ``IPython.display.HTML``), so a notebook cell shows it
with ``display(kpi_cards(...))`` or by ending with it. The briefing exporters keep these outputs
and style them with ``css/briefing.css``.

Every data string (labels, province names, formatted values, notes) is escaped: the markup is
produced by Jinja2 templates with autoescaping on, so ``<script>`` in a province name comes out
as the text ``&lt;script&gt;``. Pass plain text, never HTML. A :class:`Fragment` (or any object
with ``__html__``) may be nested inside another component and is kept as markup.

:func:`report_metadata` is different: it shows nothing. It emits one display output of MIME type
:data:`REPORT_METADATA_MIME` that the exporters read to build the header band, the running page
header, the synthetic-data notice and the provenance footer.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import jinja2
from IPython.display import HTML, display

from analysis.reporting.i18n import (
    MISSING,
    fmt_date,
    fmt_datetime,
    fmt_decimal,
    fmt_percent,
    fmt_period,
    is_missing,
    normalize_lang,
    t,
)

REPORT_METADATA_MIME = "application/vnd.vndx.report+json"
"""MIME type of the hidden display output that carries a report's metadata."""

REPORT_METADATA_VERSION = 1

SYNTHETIC_NOTICE_MARK = 'class="notice tone-bad synthetic"'
"""How the exporters recognise a :func:`synthetic_notice` output (so they add no second one)."""

Tone = Literal["good", "warning", "bad", "neutral", "info"]
Direction = Literal["up", "down", "flat"]
Status = Literal["achieved", "on_track", "at_risk", "off_track", "no_target", "no_data"]

TONES: frozenset[str] = frozenset({"good", "warning", "bad", "neutral", "info"})
DIRECTIONS: frozenset[str] = frozenset({"up", "down", "flat"})
STATUSES: tuple[str, ...] = ("achieved", "on_track", "at_risk", "off_track", "no_target", "no_data")

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


def _fragment(template: str, **context: Any) -> Fragment:
    html = _env.from_string(template).render(**context)
    return Fragment(unicodedata.normalize("NFC", html.strip()))


def _text(value: Any) -> Any:
    """Plain text for a cell: missing → em dash, markup objects kept, the rest ``str`` (NFC)."""
    if is_missing(value):
        return MISSING
    if hasattr(value, "__html__"):
        return value  # trusted markup (a Fragment): Jinja2 keeps it as is
    return unicodedata.normalize("NFC", str(value))


def _tone(value: Any) -> str:
    return value if value in TONES else "neutral"


# --------------------------------------------------------------------------------------------
# KPI cards
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiCard:
    """One headline figure.

    Parameters
    ----------
    label
        What is measured ("Tỷ lệ hồ sơ trực tuyến toàn trình").
    value
        The formatted value ("45,03%"): format with ``analysis.reporting.i18n.fmt_*``.
    change
        Formatted change text ("+1,20 điểm % so với tháng trước"), optional.
    rank
        Formatted rank text (``t("kpi.rank", lang, rank=3, of=34)``), optional.
    tone
        ``good`` / ``warning`` / ``bad`` / ``neutral``: colours the card's top rule and change.
    direction
        ``up`` / ``down`` / ``flat``: draws an arrow before the change (direction, not judgement:
        a fall can be good).
    note
        Small print under the card, optional.
    """

    label: str
    value: str
    change: str | None = None
    rank: str | None = None
    tone: str = "neutral"
    direction: str | None = None
    note: str | None = None


_KPI_TEMPLATE = """
<div class="kpi-cards cols-{{ cols }}">
{% for c in cards %}
  <div class="kpi-card tone-{{ c.tone }}">
    <div class="kpi-label">{{ c.label }}</div>
    <div class="kpi-value">{{ c.value }}</div>
    {% if c.change %}
    <div class="kpi-change">
      {%- if c.direction %}<span class="arrow arrow-{{ c.direction }}" aria-hidden="true"></span>
      {%- endif %}{{ c.change }}</div>
    {% endif %}
    {% if c.rank %}<div class="kpi-rank">{{ c.rank }}</div>{% endif %}
    {% if c.note %}<div class="kpi-note">{{ c.note }}</div>{% endif %}
  </div>
{% endfor %}
</div>
"""


def kpi_cards(cards: Iterable[KpiCard | Mapping[str, Any]]) -> Fragment:
    """A row of KPI cards (wraps onto a second row beyond four or five cards).

    Parameters
    ----------
    cards
        :class:`KpiCard` objects or mappings with the same keys (``label``, ``value``,
        ``change``, ``rank``, ``tone``, ``direction``, ``note``).

    Returns
    -------
    Fragment
        Displayable HTML.
    """
    prepared = []
    for card in cards:
        data = asdict(card) if isinstance(card, KpiCard) else dict(card)
        unknown = set(data) - set(KpiCard.__dataclass_fields__)
        if unknown:
            raise TypeError(f"unknown KPI card field(s): {sorted(unknown)}")
        prepared.append(
            {
                "label": _text(data.get("label")),
                "value": _text(data.get("value")),
                "change": None if is_missing(data.get("change")) else _text(data["change"]),
                "rank": None if is_missing(data.get("rank")) else _text(data["rank"]),
                "note": None if is_missing(data.get("note")) else _text(data["note"]),
                "tone": _tone(data.get("tone")),
                "direction": data.get("direction") if data.get("direction") in DIRECTIONS else None,
            }
        )
    # Up to five cards share one row; more continue on the next rows, four to a row.
    cols = len(prepared) if 1 <= len(prepared) <= 5 else 4
    return _fragment(_KPI_TEMPLATE, cards=prepared, cols=cols)


# --------------------------------------------------------------------------------------------
# Status (traffic-light) table
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusRow:
    """One indicator's progress towards its target.

    Text fields are shown as given (format them with :mod:`.i18n`). For convenience, numbers
    are formatted too: ``value``/``target``/paces with :func:`~analysis.reporting.i18n.fmt_decimal`,
    ``probability`` as a *fraction* (0.72 → "72%"), ``deadline`` as a (short) date or period.
    Missing values show as "—".

    ``status`` is one of :data:`STATUSES`; its label comes from the catalog (``status.<key>``).
    """

    indicator: str
    value: Any
    target: Any
    deadline: Any
    probability: Any
    required_pace: Any
    current_pace: Any
    status: str
    note: str | None = None


def _keep_unit(text: str) -> str:
    """No line break between a value and a trailing ``%`` ("+1,20 điểm %" keeps "điểm %")."""
    return text.replace(" %", "\u00a0%")


def _cell(value: Any, lang: str, kind: str = "number") -> Any:
    if isinstance(value, str):
        return _keep_unit(_text(value))
    if is_missing(value) or hasattr(value, "__html__"):
        return _text(value)
    if kind == "probability" and isinstance(value, int | float):
        return fmt_percent(100.0 * float(value), lang, decimals=0)
    if kind == "deadline":
        if isinstance(value, dt.date):
            return fmt_date(value, lang, short=True)
        return fmt_period(value, lang)
    if isinstance(value, int | float) or hasattr(value, "__float__"):
        return fmt_decimal(value, lang, decimals=2)
    return _text(value)


_STATUS_TEMPLATE = """
<table class="status-table">
{% if caption %}<caption>{{ caption }}</caption>{% endif %}
<colgroup>
  <col class="col-indicator"><col class="col-value"><col class="col-target">
  <col class="col-deadline"><col class="col-probability"><col class="col-pace">
  <col class="col-pace"><col class="col-status">
</colgroup>
<thead>
<tr>
  <th scope="col">{{ h.indicator }}</th>
  <th scope="col" class="num">{{ h.value }}</th>
  <th scope="col" class="num">{{ h.target }}</th>
  <th scope="col">{{ h.deadline }}</th>
  <th scope="col" class="num">{{ h.probability }}</th>
  <th scope="col" class="num">{{ h.required_pace }}</th>
  <th scope="col" class="num">{{ h.current_pace }}</th>
  <th scope="col">{{ h.status }}</th>
</tr>
</thead>
<tbody>
{% for r in rows %}
<tr class="status-{{ r.status }}">
  <td class="indicator">{{ r.indicator }}
    {%- if r.note %}<span class="row-note">{{ r.note }}</span>{% endif %}</td>
  <td class="num">{{ r.value }}</td>
  <td class="num">{{ r.target }}</td>
  <td>{{ r.deadline }}</td>
  <td class="num">{{ r.probability }}</td>
  <td class="num">{{ r.required_pace }}</td>
  <td class="num">{{ r.current_pace }}</td>
  <td class="status-cell"><span class="dot" aria-hidden="true"></span>
    <span class="status-text">{{ r.status_text }}</span></td>
</tr>
{% endfor %}
</tbody>
</table>
"""


def status_table(
    rows: Iterable[StatusRow | Mapping[str, Any]],
    lang: str | None = "vi",
    caption: str | None = None,
) -> Fragment:
    """The traffic-light table: value, target, deadline, probability, paces and status.

    The status is shown as a coloured dot *and* its text ("Đúng tiến độ"), never colour alone.

    Parameters
    ----------
    rows
        :class:`StatusRow` objects or mappings with its field names.
    lang
        Language of the headers and status labels.
    caption
        Optional caption above the table (plain text).

    Raises
    ------
    ValueError
        For a status that is not one of :data:`STATUSES`.
    """
    lang = normalize_lang(lang)
    headers = {
        name: t(f"table.{name}", lang)
        for name in (
            "indicator",
            "value",
            "target",
            "deadline",
            "probability",
            "required_pace",
            "current_pace",
            "status",
        )
    }
    prepared = []
    for row in rows:
        data = asdict(row) if isinstance(row, StatusRow) else dict(row)
        status = str(data.get("status", "no_data"))
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}; use one of {STATUSES}")
        prepared.append(
            {
                "indicator": _text(data.get("indicator")),
                "value": _cell(data.get("value"), lang),
                "target": _cell(data.get("target"), lang),
                "deadline": _cell(data.get("deadline"), lang, "deadline"),
                "probability": _cell(data.get("probability"), lang, "probability"),
                "required_pace": _cell(data.get("required_pace"), lang),
                "current_pace": _cell(data.get("current_pace"), lang),
                "status": status,
                "status_text": t(f"status.{status}", lang),
                "note": None if is_missing(data.get("note")) else _text(data.get("note")),
            }
        )
    return _fragment(
        _STATUS_TEMPLATE,
        rows=prepared,
        h=headers,
        caption=None if caption is None else _text(caption),
    )


# --------------------------------------------------------------------------------------------
# Notices, notes, lists, footer
# --------------------------------------------------------------------------------------------

_NOTICE_TEMPLATE = """
<div class="notice tone-{{ tone }}{% if synthetic %} synthetic{% endif %}" role="note">
{% if title %}<p class="notice-title">{{ title }}</p>{% endif %}
<p>{{ text }}</p>
</div>
"""


def notice_box(
    text: str, tone: str = "warning", title: str | None = None, synthetic: bool = False
) -> Fragment:
    """A highlighted note (``tone``: ``warning`` default, ``bad``, ``info``)."""
    return _fragment(
        _NOTICE_TEMPLATE,
        text=_text(text),
        title=None if title is None else _text(title),
        tone=_tone(tone),
        synthetic=synthetic,
    )


def synthetic_notice(lang: str | None = "vi") -> Fragment:
    """The synthetic-data notice box (the exporters add it on their own when metadata says so)."""
    return notice_box(
        t("notice.synthetic_detail", lang),
        tone="bad",
        title=t("notice.synthetic", lang),
        synthetic=True,
    )


_METHOD_TEMPLATE = """
<section class="method-note">
<h3>{{ title }}</h3>
{% for p in paragraphs %}<p>{{ p }}</p>
{% endfor %}
</section>
"""

METHOD_NOTE_KEYS: tuple[str, ...] = ("method.data", "method.forecast", "method.status_rules")


def method_note(lang: str | None = "vi") -> Fragment:
    """The standard method note (data, forecast, status rules) from the catalog.

    The status thresholds and the minimum history for a forecast are the engine's own values,
    so the note cannot drift from what the table shows.
    """
    from analysis.forecast import MIN_HISTORY_MONTHLY, MIN_HISTORY_OTHER, StatusThresholds

    thr = StatusThresholds()
    numbers = {
        "on_track": round(100 * thr.on_track),
        "at_risk": round(100 * thr.at_risk),
        "min_months": MIN_HISTORY_MONTHLY,
        "min_years": MIN_HISTORY_OTHER,
    }
    return _fragment(
        _METHOD_TEMPLATE,
        title=t("method.title", lang),
        paragraphs=[t(key, lang, **numbers) for key in METHOD_NOTE_KEYS],
    )


PROVENANCE_KEYS: tuple[str, ...] = (
    "source",
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
    return unicodedata.normalize("NFC", str(value))


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
<dl>
{% for label, value in items %}<dt>{{ label }}</dt><dd>{{ value }}</dd>
{% endfor %}
</dl>
</footer>
"""


def provenance_footer(info: Mapping[str, Any], lang: str | None = "vi") -> Fragment:
    """Where the figures come from: source, data version, dates, code version, run id …

    Parameters
    ----------
    info
        Known keys (:data:`PROVENANCE_KEYS`) get translated labels; other keys are shown as
        given. Dates and datetimes are formatted for ``lang``; ``None`` values are skipped.
    lang
        Language of the labels.
    """
    return _fragment(
        _PROVENANCE_TEMPLATE,
        title=t("provenance.title", lang),
        items=provenance_items(info, lang),
    )


@dataclass(frozen=True)
class Change:
    """One line of "what changed since last month"."""

    text: str
    direction: str | None = None
    tone: str = "neutral"


_CHANGES_TEMPLATE = """
<section class="changes">
{% if title %}<h3>{{ title }}</h3>{% endif %}
{% if items %}
<ul>
{% for c in items %}<li class="tone-{{ c.tone }}">
  {%- if c.direction %}<span class="arrow arrow-{{ c.direction }}" aria-hidden="true"></span>
  {%- else %}<span class="bullet" aria-hidden="true"></span>{% endif %}{{ c.text }}</li>
{% endfor %}
</ul>
{% elif empty %}<p>{{ empty }}</p>
{% endif %}
</section>
"""


def changes_list(
    items: Iterable[str | Change | Mapping[str, Any]], lang: str | None = None
) -> Fragment:
    """A list of changes since last month.

    Parameters
    ----------
    items
        Plain strings, :class:`Change` objects or mappings (``text``, ``direction``, ``tone``).
    lang
        If given, adds the heading ("Những thay đổi so với tháng trước") and, for an empty list,
        the catalog's "no notable changes" sentence.
    """
    prepared = []
    for item in items:
        if isinstance(item, str):
            item = Change(item)
        data = asdict(item) if isinstance(item, Change) else dict(item)
        prepared.append(
            {
                "text": _text(data.get("text")),
                "direction": data.get("direction") if data.get("direction") in DIRECTIONS else None,
                "tone": _tone(data.get("tone")),
            }
        )
    return _fragment(
        _CHANGES_TEMPLATE,
        items=prepared,
        title=t("changes.title", lang) if lang else None,
        empty=t("changes.none", lang) if lang else None,
    )


# --------------------------------------------------------------------------------------------
# Report metadata (hidden output read by the exporters)
# --------------------------------------------------------------------------------------------


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


__all__ = [
    "REPORT_METADATA_MIME",
    "STATUSES",
    "Change",
    "Fragment",
    "KpiCard",
    "ReportMetadata",
    "StatusRow",
    "changes_list",
    "kpi_cards",
    "method_note",
    "notice_box",
    "provenance_footer",
    "provenance_items",
    "provenance_value",
    "report_metadata",
    "status_table",
    "synthetic_notice",
]


_RISK_TEMPLATE = """
<table class="status-table risk-table">
<thead><tr><th class="col-indicator">{{ h.indicator }}</th>
<th class="col-target">{{ h.target }}</th>
<th class="col-deadline">{{ h.deadline }}</th><th class="col-status">{{ h.summary }}</th>
<th class="col-wide">{{ h.provinces }}</th>
</tr></thead>
<tbody>
{% for r in rows %}<tr>
<td class="col-indicator">{{ r.indicator }}</td><td class="num">{{ r.target }}</td>
<td>{{ r.deadline }}</td>
<td class="status-{{ r.tone }}"><span class="dot" aria-hidden="true"></span>{{ r.summary }}</td>
<td class="col-wide">{{ r.provinces }}</td></tr>
{% endfor %}
</tbody></table>
"""


def risk_table(risk: Any, lang: str | None = "vi") -> Fragment:
    """For each target, how many provinces are at risk or off track, and which.

    ``risk`` is :func:`analysis.reporting.briefing.provinces_at_risk` (a DataFrame with
    indicator, target, deadline, n_at_risk, n_off_track, n_achieved, n_total and provinces).
    """
    import pandas as pd

    from analysis.reference import catalog
    from analysis.reporting.i18n import fmt_percent, fmt_period

    lang = normalize_lang(lang)
    rows = []
    for r in risk.itertuples():
        n_bad = int(r.n_at_risk + r.n_off_track)
        names = ", ".join(r.provinces) if n_bad else t("risk.none", lang)
        rows.append(
            {
                "indicator": catalog.get(r.indicator).short(lang),
                "target": fmt_percent(r.target, lang, 0),
                "deadline": fmt_period(pd.Period(str(r.deadline)), lang),
                "summary": t("risk.summary", lang, count=n_bad, total=int(r.n_total)),
                "provinces": names,
                "tone": "off_track" if r.n_off_track else "at_risk" if n_bad else "on_track",
            }
        )
    headers = {
        "indicator": t("table.indicator", lang),
        "target": t("table.target", lang),
        "deadline": t("table.deadline", lang),
        "summary": t("table.status", lang),
        "provinces": t("risk.provinces", lang),
    }
    return _fragment(_RISK_TEMPLATE, rows=rows, h=headers)
